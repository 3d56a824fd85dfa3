"""JSON export: the report's plain data, keys in English whatever the report language."""

from __future__ import annotations

import json

from kvali.reports.model import StudyReport


def render_json(report: StudyReport) -> str:
    """``report.to_dict()`` as readable UTF-8 JSON; the machine-readable twin of the other formats."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
