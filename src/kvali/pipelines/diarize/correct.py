"""Correcting speaker turns in one action: give a turn, or a stretch of words, to another
speaker; turns are split where the stretch begins and ends and merged with neighbours of the
same speaker, so turn counts and talk statistics stay true.

No character moves: a split turns the space between two words into the newline that separates
turns, a merge turns it back, so codings in every cycle, word timestamps and pseudonymization
spans keep their offsets. (Where the gap between two words is more than one space, it is first
narrowed to one through ``edit_text``, which carries codings along as any correction does.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError
from kvali.events.service import log_event
from kvali.pipelines.tables import transcript_words
from kvali.transcripts.offsets import SEP, Edit
from kvali.util import now


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole words (never across a turn boundary)."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _narrow_gaps(
    conn: sa.Connection, study_id: int, transcript_id: int, text: str, cuts: list[int]
) -> bool:
    """Make the gap before each cut exactly one space; True if the text had to change."""
    from kvali.transcripts.service import edit_text

    edits = []
    for c in cuts:
        a = c
        while a > 0 and text[a - 1].isspace() and text[a - 1] != SEP:
            a -= 1
        if c - a > 1:
            edits.append(Edit(a, c, " "))
    if edits:
        edit_text(conn, study_id, transcript_id, edits, reason="speaker_split")
    return bool(edits)


def reassign_span(
    conn: sa.Connection,
    study_id: int,
    transcript_id: int,
    start_char: int,
    end_char: int,
    *,
    speaker: str,
    role: str | None = None,
) -> dict[str, Any]:
    """Give the words in ``[start_char, end_char)`` of the transcript text (widened to whole
    words) to ``speaker``. The role is ``role``, else the speaker's role elsewhere in the
    transcript, else that of the turn the stretch came from."""
    from kvali.pipelines.words import sync_words
    from kvali.transcripts.service import ROLES, check_transcript_in_study, get_text

    check_transcript_in_study(conn, study_id, transcript_id)
    speaker = speaker.strip()
    if not speaker:
        raise InputError("the speaker name is empty")
    if role is not None and role not in ROLES:
        raise InputError("role must be one of {roles}", roles=", ".join(ROLES))
    text = get_text(conn, transcript_id)
    if not 0 <= start_char < end_char <= len(text):
        raise InputError(
            "span {start_char}–{end_char} is outside the text (length {n_text})",
            start_char=start_char,
            end_char=end_char,
            n_text=len(text),
        )
    start, end = _snap(text, start_char, end_char)
    if start >= end:
        raise InputError(
            "span {start_char}–{end_char} holds no words", start_char=start_char, end_char=end_char
        )
    cuts = [c for c in (start, end + 1) if 0 < c < len(text) and text[c - 1] != SEP]
    if _narrow_gaps(conn, study_id, transcript_id, text, [start] if start in cuts else []):
        return reassign_span(
            conn, study_id, transcript_id, *_after_narrowing(text, start, end), speaker=speaker,
            role=role,
        )  # fmt: skip
    if end + 1 in cuts and _narrow_gaps(conn, study_id, transcript_id, text, _next_word(text, end)):
        return reassign_span(conn, study_id, transcript_id, start, end, speaker=speaker, role=role)
    sync_words(conn, transcript_id)
    turns = _turns(conn, transcript_id)
    split = 0
    for c in cuts:  # the space before a word at c becomes the separator of two turns
        turn = next(tr for tr in turns if tr["start_char"] < c - 1 < tr["end_char"])
        turns = _split(conn, transcript_id, turns, turn, c - 1)
        split += 1
    inside = [tr for tr in turns if start <= tr["start_char"] and tr["end_char"] <= end]
    if role is None:
        role = (
            next((tr["role"] for tr in turns if tr["speaker"] == speaker), None)
            or inside[0]["role"]
        )
    pid = _participant_id(conn, transcript_id, speaker, role)
    ids = [tr["id"] for tr in inside]
    conn.execute(
        t.turns.update()
        .where(t.turns.c.id.in_(ids))
        .values(speaker=speaker, role=role, participant_id=pid)
    )
    merged = _merge_same_speaker(conn, transcript_id, set(ids))
    _bump_version(conn, transcript_id)
    log_event(
        conn,
        study_id=study_id,
        action="reassign_speaker",
        entity="transcript",
        entity_id=transcript_id,
        payload={
            "start_char": start,
            "end_char": end,
            "turns": len(ids),
            "split": split,
            "merged": merged,
            "role": role,
        },
    )
    return {"start_char": start, "end_char": end, "turns": len(ids), "split": split,
            "merged": merged, "role": role}  # fmt: skip


def _after_narrowing(text: str, start: int, end: int) -> tuple[int, int]:
    a = start
    while a > 0 and text[a - 1].isspace() and text[a - 1] != SEP:
        a -= 1
    shift = (start - a) - 1
    return start - shift, end - shift


def _next_word(text: str, end: int) -> list[int]:
    c = end
    while c < len(text) and text[c].isspace() and text[c] != SEP:
        c += 1
    return [c] if c < len(text) and text[c] != SEP else []


def _turns(conn: sa.Connection, transcript_id: int) -> list[dict[str, Any]]:
    from kvali.transcripts.service import get_turns

    return get_turns(conn, transcript_id)


def _times(conn: sa.Connection, turn_id: int) -> tuple[int | None, int | None]:
    w = transcript_words
    lo, hi = conn.execute(
        sa.select(sa.func.min(w.c.start_ms), sa.func.max(w.c.end_ms)).where(w.c.turn_id == turn_id)
    ).one()
    return lo, hi


def _split(
    conn: sa.Connection, transcript_id: int, turns: list[dict[str, Any]], turn: dict, at: int
) -> list[dict[str, Any]]:
    """Split ``turn`` at text position ``at`` (a single space): the part after it becomes a new
    turn of the same speaker; word rows move with their text; times come from the words, or
    are shared out by characters when the turn has no word times."""
    rel = at - turn["start_char"]
    head, tail = turn["text"][:rel], turn["text"][rel + 1 :]
    new_id = conn.execute(
        t.turns.insert().values(
            transcript_id=transcript_id,
            position=turn["position"] + 1,
            speaker=turn["speaker"],
            role=turn["role"],
            participant_id=turn["participant_id"],
            start_ms=None,
            end_ms=turn["end_ms"],
            start_char=at + 1,
            end_char=turn["end_char"],
            text=tail,
        )
    ).inserted_primary_key[0]
    conn.execute(t.turns.update().where(t.turns.c.id == turn["id"]).values(text=head, end_char=at))
    w = transcript_words
    conn.execute(
        w.update().where(w.c.turn_id == turn["id"], w.c.start_char > at).values(turn_id=new_id)
    )
    (h0, h1), (t0, t1) = _times(conn, turn["id"]), _times(conn, new_id)
    s, e = turn["start_ms"], turn["end_ms"]
    if h0 is None or t0 is None:  # no word times: share the turn's time out by characters
        mid = None
        if s is not None and e is not None:
            mid = s + (e - s) * len(head) // max(1, len(head) + len(tail) + 1)
        h0, h1, t0, t1 = s, mid, mid, e
    conn.execute(t.turns.update().where(t.turns.c.id == turn["id"]).values(end_ms=h1))
    conn.execute(t.turns.update().where(t.turns.c.id == new_id).values(start_ms=t0, end_ms=t1))
    return _renumber(conn, transcript_id)


def _renumber(conn: sa.Connection, transcript_id: int) -> list[dict[str, Any]]:
    rows = sorted(_turns(conn, transcript_id), key=lambda r: r["start_char"])
    for pos, r in enumerate(rows):
        if r["position"] != pos:
            conn.execute(t.turns.update().where(t.turns.c.id == r["id"]).values(position=pos))
            r["position"] = pos
    return rows


def _merge_same_speaker(conn: sa.Connection, transcript_id: int, changed: set[int]) -> int:
    """Join a changed turn with a neighbour of the same speaker (the separator becomes a
    space); turns the correction did not touch stay as they are."""
    turns = _turns(conn, transcript_id)
    merged = 0
    keep = turns[0] if turns else None
    for tr in turns[1:]:
        same = keep is not None and (tr["speaker"], tr["role"]) == (keep["speaker"], keep["role"])
        if same and (tr["id"] in changed or keep["id"] in changed):
            keep["text"] = keep["text"] + " " + tr["text"]
            keep["end_char"] = tr["end_char"]
            keep["end_ms"] = tr["end_ms"] if tr["end_ms"] is not None else keep["end_ms"]
            conn.execute(
                transcript_words.update()
                .where(transcript_words.c.turn_id == tr["id"])
                .values(turn_id=keep["id"])
            )
            conn.execute(t.turns.delete().where(t.turns.c.id == tr["id"]))
            conn.execute(
                t.turns.update()
                .where(t.turns.c.id == keep["id"])
                .values(text=keep["text"], end_char=keep["end_char"], end_ms=keep["end_ms"])
            )
            merged += 1
            changed.add(keep["id"])
        else:
            keep = tr
    if merged:
        _renumber(conn, transcript_id)
    return merged


def _participant_id(conn: sa.Connection, transcript_id: int, speaker: str, role: str) -> int | None:
    if role != "participant":
        return None
    known = conn.execute(
        sa.select(t.turns.c.participant_id).where(
            t.turns.c.transcript_id == transcript_id,
            t.turns.c.speaker == speaker,
            t.turns.c.participant_id.is_not(None),
        )
    ).scalar()
    if known is not None:
        return known
    from kvali.pipelines.diarize.roles import _only_participant

    return _only_participant(conn, transcript_id)


def _bump_version(conn: sa.Connection, transcript_id: int) -> None:
    """Turn texts changed (not the transcript text): indexes keyed on the version refresh."""
    version = conn.execute(
        sa.select(t.transcripts.c.version).where(t.transcripts.c.id == transcript_id)
    ).scalar_one()
    conn.execute(
        t.transcripts.update()
        .where(t.transcripts.c.id == transcript_id)
        .values(version=version + 1, updated_at=now())
    )
