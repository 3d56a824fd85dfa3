"""The publication check: the quotes a report prints, in the form the study chose (published
renderings or verbatim), and what is still open before the report may leave the machine.

A quote is open when its printed text still has a dialect or other-standard flag (less the
words kept as said; only when the report prints published renderings), when it still contains
a name or place from kvali's lists, or when its rendering is stale (the passage changed after it
was made).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import CheckUnavailable
from kvali.quotes.render import _flags, _renderings_by_span, sha, unmasked_names
from kvali.quotes.service import quote_settings
from kvali.reports.build import MAX_QUOTE
from kvali.reports.model import Quote, StudyReport
from kvali.transcripts.service import get_text


def _quotes_in(obj: Any) -> Iterator[Quote]:
    if isinstance(obj, Quote):
        yield obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _quotes_in(getattr(obj, f.name))
    elif isinstance(obj, list | tuple):
        for x in obj:
            yield from _quotes_in(x)
    elif isinstance(obj, dict):
        for x in obj.values():
            yield from _quotes_in(x)


def _clip(text: str) -> str:
    return text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …" if len(text) > MAX_QUOTE else text


def apply_to_report(
    conn: sa.Connection, study_id: int, report: StudyReport, *, mode: str | None = None
) -> dict[str, Any]:
    """Put the renderings into ``report``'s quotes (``mode`` ``published``, the default from the
    study's setting) or leave them verbatim, and say what is open.

    Returns ``{"mode", "quotes", "rendered", "open": [{coding_id, interview, start_char,
    end_char, flags, names, stale}], "dialect_check"}``: quotes counts distinct passages, rendered
    those printed as rendered; ``dialect_check`` is "done", or why it could not run (no
    dictionary on this machine: the names are still checked)."""
    settings = quote_settings(conn, study_id)
    mode = mode or settings["report_quotes"]
    iv, tr = t.interviews, t.transcripts
    transcript_of = {
        r.label: r.id
        for r in conn.execute(
            sa.select(iv.c.label, tr.c.id)
            .join(tr, tr.c.interview_id == iv.c.id)
            .where(iv.c.study_id == study_id)
        )
    }
    by_span = _renderings_by_span(conn, study_id)
    c = t.codings
    coding_of = {
        (r.transcript_id, r.start_char, r.end_char): r.id
        for r in conn.execute(
            sa.select(c.c.id, c.c.transcript_id, c.c.start_char, c.c.end_char)
            .where(c.c.transcript_id.in_(list(transcript_of.values()) or [-1]))
            .where(c.c.removed_at.is_(None))
            .order_by(c.c.id.desc())
        )
    }
    texts: dict[int, str] = {}
    decided: dict[tuple[int, int, int], tuple[str | None, dict[str, Any] | None]] = {}
    open_: list[dict[str, Any]] = []
    rendered = 0
    unavailable: str | None = None
    for q in _quotes_in(report):
        tid = transcript_of.get(q.interview)
        if tid is None:
            continue
        key = (tid, q.start_char, q.end_char)
        if key not in decided:
            if tid not in texts:
                texts[tid] = get_text(conn, tid)
            verbatim = texts[tid][q.start_char : q.end_char]
            r = by_span.get(key)
            stale = r is not None and r["verbatim_sha256"] != sha(verbatim)
            use = r["text"] if r is not None and not stale and mode == "published" else None
            printed = use if use is not None else verbatim
            # verbatim reports print dialect on purpose; names are open in either
            kept = list(r["kept"]) if r else []
            flags = []
            if mode == "published" and unavailable is None:
                try:
                    flags = _flags(printed, kept, settings)
                except CheckUnavailable as exc:  # said in the summary, never taken for a pass
                    unavailable = str(exc)
            names = unmasked_names(printed)
            finding = None
            if flags or names or stale:
                finding = {
                    "coding_id": coding_of.get(key),
                    "interview": q.interview,
                    "start_char": q.start_char,
                    "end_char": q.end_char,
                    "flags": [f.word for f in flags],
                    "names": [n["word"] for n in names],
                    "stale": stale,
                }
                open_.append(finding)
            rendered += use is not None
            decided[key] = (use, finding)
        use, _ = decided[key]
        if use is not None:
            q.text = _clip(use)
    return {
        "mode": mode,
        "quotes": len(decided),
        "rendered": rendered,
        "open": open_,
        "dialect_check": unavailable or "done" if mode == "published" else "not asked (verbatim)",
    }
