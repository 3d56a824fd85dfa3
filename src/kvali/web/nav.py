"""The workbench's navigation, by the stages a study goes through (Study · Data · Coding ·
Analysis · Report): every page sits under one stage, and each stage shows its state
(``studies.progress.stage_progress``) on every page."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from kvali.i18n import N_, _
from kvali.studies.progress import STAGE_NAMES, STAGES, stage_progress

# (stage, href, label) in the order shown; the first page of a stage is where its name leads.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("study", "/overview", N_("Overview")),
    ("study", "/guide", N_("Interview guide")),
    ("study", "/participants", N_("Participants")),
    ("data", "/interviews", N_("Interviews")),
    ("data", "/transcription", N_("Transcription")),
    ("data", "/pseudonymize", N_("Pseudonymize")),
    ("coding", "/codebook", N_("Codebook")),
    ("coding", "/retrieve", N_("Coded passages")),
    ("coding", "/suggestions", N_("Code suggestions")),
    ("coding", "/categories", N_("Candidate categories")),
    ("coding", "/blind", N_("Blind coding")),
    ("analysis", "/charts", N_("Heatmap and frequencies")),
    ("analysis", "/frameworks", N_("Frameworks")),
    ("analysis", "/agreement", N_("Agreement")),
    ("analysis", "/coverage", N_("Guide coverage")),
    ("analysis", "/talkstats", N_("Talk statistics")),
    ("analysis", "/search", N_("Search")),
    ("analysis", "/memos", N_("Memos & journal")),
    ("report", "/quotes", N_("Quotes")),
    ("report", "/reports", N_("Reports")),
    ("report", "/exchange", N_("Exchange (REFI-QDA)")),
    ("report", "/events", N_("Event log")),
)

# Pages reached from another page rather than from the menu: which stage they belong to.
DEEP = (
    (re.compile(r"^/interviews/\d+/(transcript|review)"), "coding"),
    (re.compile(r"^/codebook/"), "coding"),
    (re.compile(r"^/frameworks/"), "analysis"),
    (re.compile(r"^/participants/"), "study"),
    (re.compile(r"^/reports/"), "report"),
)


def current_page(path: str) -> str | None:
    """The menu entry this path is (or lies under), e.g. ``/guide``; None for a deep page."""
    if path == "/":
        return "/overview"
    for _stage, href, _label in PAGES:
        if path == href or path.startswith(href + "/") and not any(p.match(path) for p, _ in DEEP):
            return href
    return None


def current_stage(path: str) -> str | None:
    for pattern, stage in DEEP:
        if pattern.match(path):
            return stage
    href = current_page(path)
    return next((s for s, h, _label in PAGES if h == href), None)


def navigation(conn: sa.Connection | None, study_id: int | None, path: str) -> dict[str, Any]:
    """The stages with their pages and state lines, in the current language (no connection:
    without the state lines)."""
    state: dict[str, list[str]] = (
        stage_progress(conn, study_id) if conn is not None and study_id is not None else {}
    )
    here, stage_here = current_page(path), current_stage(path)
    stages = []
    for stage in STAGES:
        pages = [
            {"href": href, "name": _(label), "current": href == here}
            for s, href, label in PAGES
            if s == stage
        ]
        stages.append(
            {
                "key": stage,
                "name": _(STAGE_NAMES[stage]),
                "href": pages[0]["href"],
                "state": state.get(stage, []),
                "pages": pages,
                "current": stage == stage_here,
            }
        )
    return {"stages": stages}
