"""The analysis sections of the study report, as plain JSON-ready data in ``report.extra``.

Renderers are not changed here; ``docs/analysis.md`` describes the tables and charts they should
draw from ``extra["agreement"]``, ``extra["framework_matrix"]`` and ``extra["guide_coverage"]``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.analysis.agreement import agreement
from kvali.analysis.coverage import guide_coverage
from kvali.analysis.frameworks import list_frameworks
from kvali.analysis.matrix import framework_matrix
from kvali.errors import KvaliError
from kvali.reports.model import StudyReport


def add_to_report(conn: sa.Connection, study_id: int, report: StudyReport) -> StudyReport:
    """Fill the three analysis sections (each ``None`` when the study has nothing for it)."""
    try:
        report.extra["agreement"] = agreement(conn, study_id)
    except KvaliError:
        report.extra["agreement"] = None  # fewer than two coders
    report.extra["framework_matrix"] = [
        framework_matrix(conn, study_id, fw["id"]) for fw in list_frameworks(conn, study_id)
    ] or None
    coverage: dict[str, Any] | None = guide_coverage(conn, study_id)
    if coverage is not None and not coverage["study"]["topics"]:
        coverage = None
    report.extra["guide_coverage"] = coverage
    return report
