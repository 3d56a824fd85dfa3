"""Run Alembic migrations programmatically against an engine (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(conn: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revisions() -> set[str]:
    """All heads: feature areas may add their own migration branches off the same base."""
    return set(ScriptDirectory.from_config(_config()).get_heads())


def current_revisions(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_current(engine: sa.Engine) -> bool:
    return current_revisions(engine) == head_revisions()


def upgrade(engine: sa.Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` inside one transaction."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def revision(engine: sa.Engine, message: str) -> None:
    """Autogenerate a new revision (developer tool: ``kvali db revision``)."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
