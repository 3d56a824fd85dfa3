"""The complete table metadata: the core schema plus each feature area's own tables module.

Feature areas (REFI-QDA interop, speech pipelines, pseudonymization, jobs, …) declare their tables
on the shared ``kvali.db.schema.metadata`` in a ``tables.py`` of their own package and list it
here, so migrations and the schema test see every table.
"""

from __future__ import annotations

import importlib
import importlib.util

import sqlalchemy as sa

from kvali.db.schema import metadata

FEATURE_TABLES = (
    "kvali.interop.refi.tables",
    "kvali.jobs.tables",
    "kvali.pipelines.tables",
    "kvali.privacy.tables",
    "kvali.analysis.tables",
    "kvali.semantic.tables",
    "kvali.accounts.tables",
)


def all_metadata() -> sa.MetaData:
    for name in FEATURE_TABLES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            importlib.import_module(name)
    return metadata
