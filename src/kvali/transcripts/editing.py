"""Correcting a transcript while listening: a turn's new text as one minimal edit, and how far
the researcher has checked it against the recording.

Both are thin over what the transcript already keeps. A correction goes through
:func:`~kvali.transcripts.service.edit_text`, so codings, word times (a re-typed word keeps the
time of the words it replaces), gaps and pseudonymization spans move with it and the edit is
appended to ``transcript_edits`` and the event log. Undo is a correction too: the page keeps
the text it replaced and sends it back, so history only ever grows. "Checked up to" is an
event per interview; the latest one counts.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import ConflictError, InputError, NotFoundError
from kvali.events.service import log_event
from kvali.transcripts.offsets import Edit
from kvali.transcripts.service import check_transcript_in_study, edit_text
from kvali.util import normalize_text

REASONS = ("correction", "undo", "redo")


def minimal_edit(old: str, new: str) -> tuple[int, int, str] | None:
    """``old[a:b]`` → ``new[a:len(new) - (len(old) - b)]`` with the common prefix and suffix
    left alone (so codings on untouched words do not move), or None when nothing changed."""
    if old == new:
        return None
    a = 0
    while a < min(len(old), len(new)) and old[a] == new[a]:
        a += 1
    b, c = len(old), len(new)
    while b > a and c > a and old[b - 1] == new[c - 1]:
        b, c = b - 1, c - 1
    return a, b, new[a:c]


def correct_turn(
    conn: sa.Connection,
    study_id: int,
    transcript_id: int,
    position: int,
    text: str,
    *,
    expected_version: int | None = None,
    reason: str = "correction",
) -> dict[str, Any]:
    """Replace turn ``position``'s text with ``text`` (as typed: NFC, one line).

    ``expected_version`` (the transcript version the editor showed) refuses a correction made
    on text that changed meanwhile in another tab or by another person. Returns the edit in
    transcript positions, the text it replaced (what undo sends back) and the new version."""
    if reason not in REASONS:
        raise InputError("reason must be one of {reasons}", reasons=", ".join(REASONS))
    check_transcript_in_study(conn, study_id, transcript_id)
    row = conn.execute(
        sa.select(t.turns.c.id, t.turns.c.start_char, t.turns.c.text).where(
            t.turns.c.transcript_id == transcript_id, t.turns.c.position == position
        )
    ).first()
    if row is None:
        raise NotFoundError("no turn {position} in this transcript", position=position + 1)
    version = conn.execute(
        sa.select(t.transcripts.c.version).where(t.transcripts.c.id == transcript_id)
    ).scalar_one()
    if expected_version is not None and expected_version != version:
        raise ConflictError(
            "the transcript changed since you opened it (version {seen}, now {now}); reload",
            seen=expected_version,
            now=version,
        )
    new = " ".join(normalize_text(text).split("\n")).strip()
    if not new:
        raise InputError("a turn cannot be empty; to remove a turn, give its words to another")
    change = minimal_edit(row.text, new)
    if change is None:
        return {"version": version, "edit": None, "replaced": None, "text": row.text}
    a, b, inserted = change
    start, end = row.start_char + a, row.start_char + b
    out = edit_text(conn, study_id, transcript_id, [Edit(start, end, inserted)], reason=reason)
    return {
        "version": out["version"],
        "edit": {"start": start, "end": end, "new": inserted},
        "replaced": row.text[a:b],
        "text": new,
        "codings_moved": out["codings_moved"],
        "codings_removed": out["codings_removed"],
    }


def mark_checked(conn: sa.Connection, study_id: int, interview_id: int, up_to_ms: int) -> int:
    """Record that the transcript has been checked against the recording up to ``up_to_ms``."""
    if up_to_ms < 0:
        raise InputError("a time cannot be negative")
    log_event(
        conn,
        study_id=study_id,
        action="check_transcript",
        entity="interview",
        entity_id=interview_id,
        payload={"up_to_ms": int(up_to_ms)},
    )
    return int(up_to_ms)


def checked_up_to(
    conn: sa.Connection, study_id: int, interview_id: int | None = None
) -> dict[int, int]:
    """Per interview id (or only ``interview_id``'s), how far its transcript has been checked
    (ms); the latest mark counts."""
    e = t.events
    q = sa.select(e.c.entity_id, e.c.payload).where(
        e.c.study_id == study_id, e.c.action == "check_transcript"
    )
    if interview_id is not None:
        q = q.where(e.c.entity == "interview", e.c.entity_id == interview_id)
    rows = conn.execute(q.order_by(e.c.id)).all()
    out: dict[int, int] = {}
    for entity_id, payload in rows:
        if entity_id is not None and payload:
            out[entity_id] = int(payload.get("up_to_ms", 0))
    return out
