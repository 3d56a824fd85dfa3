"""Word timestamps as spans of the transcript text, kept aligned through corrections.

Rows hold no text: a word is ``[start_char, end_char)`` of the transcript text as it was at
``version``. ``transcripts.service.edit_text`` records every edit's position and new length in
``transcript_edits``; :func:`get_words` replays the edits made since, with the same span mapping
the codings use, so a corrected word keeps its timestamps and a deleted one disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.pipelines.tables import transcript_words
from kvali.transcripts.offsets import Edit, map_span


def _version(conn: sa.Connection, transcript_id: int) -> int:
    return conn.execute(
        sa.select(t.transcripts.c.version).where(t.transcripts.c.id == transcript_id)
    ).scalar_one()


def save_words(
    conn: sa.Connection, transcript_id: int, turn_words: Sequence[tuple[int, list[dict[str, Any]]]]
) -> int:
    """Store words found in each turn's text: ``(turn_id, [{text, start_ms, end_ms,
    probability}])``. Each word is located left to right in its turn; one not found in the
    stored text (normalisation) is skipped rather than misplaced."""
    version = _version(conn, transcript_id)
    turns = {
        r.id: r
        for r in conn.execute(
            sa.select(t.turns.c.id, t.turns.c.start_char, t.turns.c.text).where(
                t.turns.c.transcript_id == transcript_id
            )
        )
    }
    rows = []
    for turn_id, words in turn_words:
        turn = turns[turn_id]
        cursor = 0
        for w in words:
            token = w["text"].strip()
            at = turn.text.find(token, cursor) if token else -1
            if at < 0:
                continue
            cursor = at + len(token)
            rows.append(
                {
                    "transcript_id": transcript_id,
                    "turn_id": turn_id,
                    "start_char": turn.start_char + at,
                    "end_char": turn.start_char + cursor,
                    "start_ms": int(w["start_ms"]),
                    "end_ms": int(w["end_ms"]),
                    "probability": w.get("probability"),
                    "version": version,
                }
            )
    if rows:
        conn.execute(transcript_words.insert(), rows)
    return len(rows)


def sync_words(conn: sa.Connection, transcript_id: int) -> int:
    """Carry stored word spans through the text edits made since; returns words updated."""
    return sync_spans(conn, transcript_words, transcript_id)


def sync_spans(conn: sa.Connection, w: sa.Table, transcript_id: int) -> int:
    """Carry the spans in ``w`` (a table of ``start_char``, ``end_char`` and ``version`` per
    transcript: word times, gaps) through the text edits made since each was stored; a span
    whose text was deleted goes. Returns the rows that were behind."""
    version = _version(conn, transcript_id)
    stale = conn.execute(
        sa.select(w.c.id, w.c.start_char, w.c.end_char, w.c.version).where(
            w.c.transcript_id == transcript_id, w.c.version < version
        )
    ).all()
    if not stale:
        return 0
    oldest = min(r.version for r in stale)
    e = t.transcript_edits
    edits = conn.execute(
        sa.select(e.c.version, e.c.start_char, e.c.end_char, e.c.new_length)
        .where(e.c.transcript_id == transcript_id, e.c.version > oldest)
        .order_by(e.c.version, e.c.start_char, e.c.end_char)
    ).all()
    by_version = [
        (v, [Edit(x.start_char, x.end_char, "\0" * x.new_length) for x in group])
        for v, group in groupby(edits, key=lambda x: x.version)
    ]
    gone = []
    for row in stale:
        span: tuple[int, int] | None = (row.start_char, row.end_char)
        for v, batch in by_version:
            if v > row.version and span is not None:
                span = map_span(span[0], span[1], batch)
        if span is None:
            gone.append(row.id)
        else:
            conn.execute(
                w.update()
                .where(w.c.id == row.id)
                .values(start_char=span[0], end_char=span[1], version=version)
            )
    if gone:
        conn.execute(w.delete().where(w.c.id.in_(gone)))
    return len(stale)


def get_words(conn: sa.Connection, transcript_id: int) -> list[dict[str, Any]]:
    """Words with their current text and timestamps, in text order (synced first)."""
    from kvali.transcripts.service import get_text

    sync_words(conn, transcript_id)
    text = get_text(conn, transcript_id)
    w = transcript_words
    rows = conn.execute(
        sa.select(
            w.c.turn_id, w.c.start_char, w.c.end_char, w.c.start_ms, w.c.end_ms, w.c.probability
        )
        .where(w.c.transcript_id == transcript_id)
        .order_by(w.c.start_char)
    ).mappings()
    return [dict(r) | {"text": text[r["start_char"] : r["end_char"]]} for r in rows]


def timed_text(conn: sa.Connection, transcript_id: int) -> dict[str, Any]:
    """What a player needs to follow the recording through the text, compactly: each word as
    ``[start_char, end_char, start_ms, end_ms, probability]``, each gap as ``[start_char,
    end_char, start_ms, end_ms, open]``, and the probability below which a word counts as
    unsure — half the transcript's median, because models differ (Whisper base gives correct
    Norwegian words 0.2–0.5, tiny.en correct English 0.9)."""
    from statistics import median

    from kvali.pipelines.gaps import UNSURE, get_gaps

    words = get_words(conn, transcript_id)
    probs = [w["probability"] for w in words if w["probability"] is not None]
    return {
        "words": [
            [w["start_char"], w["end_char"], w["start_ms"], w["end_ms"], w["probability"]]
            for w in words
        ],
        "gaps": [
            [g["start_char"], g["end_char"], g["start_ms"], g["end_ms"], g["open"]]
            for g in get_gaps(conn, transcript_id)
        ],
        "unsure_below": round(UNSURE * median(probs), 4) if probs else None,
    }
