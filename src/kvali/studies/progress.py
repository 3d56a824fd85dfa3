"""Where a study stands, stage by stage: the state lines the workbench shows beside each stage
of the research workflow (Study · Data · Coding · Analysis · Report).

One function, :func:`stage_progress`, counts what each stage has done (a handful of indexed
counts and the per-interview progress the overview shows, never the text) and says it as
messages in the current language, so the navigation of every page reads the same in English
and Bokmål.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.i18n import N_, _

STAGES = ("study", "data", "coding", "analysis", "report")
STAGE_NAMES = {
    "study": N_("Study"),
    "data": N_("Data"),
    "coding": N_("Coding"),
    "analysis": N_("Analysis"),
    "report": N_("Report"),
}

# A check mark this close to the end of the recording counts as checked to the end.
CHECK_SLACK_MS = 5_000


def _count(conn: sa.Connection, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar() or 0


def stage_counts(conn: sa.Connection, study_id: int) -> dict[str, Any]:
    """The numbers behind the state lines (also what tests check)."""
    from kvali.studies.service import interview_progress

    rows = interview_progress(conn, study_id)
    durations = dict(
        conn.execute(
            sa.select(t.interviews.c.id, t.interviews.c.duration_s).where(
                t.interviews.c.study_id == study_id
            )
        ).all()
    )

    def checked(r: dict[str, Any]) -> bool:
        up_to = r["checked_up_to_ms"]
        if up_to is None:
            return False
        duration = durations.get(r["interview_id"])
        return duration is None or up_to >= duration * 1000 - CHECK_SLACK_MS

    transcribed = [r for r in rows if r["transcribed"]]
    return {
        "research_questions": _count(
            conn, t.research_questions, t.research_questions.c.study_id == study_id
        ),
        "participants": _count(
            conn,
            t.participants,
            t.participants.c.study_id == study_id,
            t.participants.c.withdrawn_at.is_(None),
        ),
        "interviews": len(rows),
        "transcribed": len(transcribed),
        "checked": sum(1 for r in transcribed if checked(r)),
        "pseudonymized": sum(1 for r in transcribed if r["pseudonymized"]),
        "coded": sum(1 for r in transcribed if r["coded"]),
        "codings": sum(r["codings"] for r in rows),
        "codes": _count(
            conn, t.codes, t.codes.c.study_id == study_id, t.codes.c.status == "active"
        ),
        "memos": _count(conn, t.memos, t.memos.c.study_id == study_id),
        "gold": _gold(conn, study_id),
    }


def _gold(conn: sa.Connection, study_id: int) -> int:
    """Live gold quotes of the current cycle (what the report quotes)."""
    from kvali.codings.cycles import current_cycle_id

    c = t.codings
    cycle_id = current_cycle_id(conn, study_id, create=False)
    if cycle_id is None:
        return 0
    return _count(conn, c, c.c.cycle_id == cycle_id, c.c.is_gold, c.c.removed_at.is_(None))


def stage_progress(conn: sa.Connection, study_id: int) -> dict[str, list[str]]:
    """Per stage (``STAGES``), its state lines in the current language."""
    n = stage_counts(conn, study_id)
    total = n["interviews"]
    return {
        "study": [
            _("{n} research questions", n=n["research_questions"]),
            _("{n} participants", n=n["participants"]),
        ],
        "data": [
            _("transcribed: {done} of {total}", done=n["transcribed"], total=total),
            _("{done} of {total} interviews checked", done=n["checked"], total=total),
            _("pseudonymized: {done} of {total}", done=n["pseudonymized"], total=total),
        ],
        "coding": [
            _("coded: {done} of {total}", done=n["coded"], total=n["transcribed"]),
            _("{n} codes, {m} codings", n=n["codes"], m=n["codings"]),
        ],
        "analysis": [_("{n} memos", n=n["memos"])],
        "report": [_("{n} gold quotes", n=n["gold"])],
    }
