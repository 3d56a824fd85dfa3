"""Published renderings of quotes, kept beside the verbatim transcript.

A rendering belongs to a coding's passage. The transcript and the coding stay as said; the
rendering (text, who made it, when) is a row of ``quote_renderings`` and every change is an
event (``quote_rendering``: create / update, with the coding id and what changed, never text).
A rendering is found for any coding on the same span of the same transcript, so a new coding
cycle (new coding ids, same spans) keeps it. When the passage changes under it (a correction,
pseudonymization), the rendering is stale: it is shown, but not used, until it is made again.

Flags are those of the check (``quotes.check``) on the current text (the rendering, else the
verbatim), less the words the researcher kept as said (``kept``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import sqlalchemy as sa

from kvali.codings.service import get_coding, list_codings
from kvali.db import schema as t
from kvali.errors import ConflictError, InputError
from kvali.events.service import current_actor, insert_logged, update_logged
from kvali.privacy import gazetteers as gz
from kvali.quotes.check import Flag, check_text
from kvali.quotes.service import quote_settings
from kvali.quotes.tables import quote_renderings as qr
from kvali.util import now

ENTITY = "quote_rendering"
_NAME_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SENTENCE = re.compile(r"(^|[.!?:«»\"\n]\s*)$")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unmasked_names(text: str) -> list[dict[str, Any]]:
    """Capitalised words inside a sentence that kvali's name and place lists know (and that are
    not everyday words): a quote that still names someone or somewhere."""
    out = []
    for m in _NAME_WORD.finditer(text):
        w = m.group()
        if not w[:1].isupper() or w.isupper() and len(w) > 1:
            continue
        if _SENTENCE.search(text[: m.start()]) or gz.is_common(w):
            continue
        if gz.is_given(w) or gz.is_surname(w) or gz.is_place(w):
            out.append({"start": m.start(), "end": m.end(), "word": w})
    return out


def _renderings_by_span(conn: sa.Connection, study_id: int) -> dict[tuple[int, int, int], dict]:
    """(transcript id, start, end) → the latest rendering of a coding on that span."""
    c = t.codings
    rows = conn.execute(
        sa.select(qr, c.c.transcript_id, c.c.start_char, c.c.end_char)
        .join(c, c.c.id == qr.c.coding_id)
        .where(qr.c.study_id == study_id)
        .order_by(qr.c.updated_at, qr.c.id)
    ).mappings()
    return {(r["transcript_id"], r["start_char"], r["end_char"]): dict(r) for r in rows}


def _rendering_for(conn: sa.Connection, study_id: int, coding: dict[str, Any]) -> dict | None:
    key = (coding["transcript_id"], coding["start_char"], coding["end_char"])
    return _renderings_by_span(conn, study_id).get(key)


def _flags(text: str, kept: list[str], settings: dict[str, Any]) -> list[Flag]:
    keep = {w.casefold() for w in kept}
    return [
        f
        for f in check_text(
            text, standard=settings["standard"], conservative=settings["conservative"]
        )
        if f.word.casefold() not in keep
    ]


def _view(coding: dict[str, Any], rendering: dict | None, settings: dict[str, Any]) -> dict:
    verbatim = coding["text"]
    stale = rendering is not None and rendering["verbatim_sha256"] != sha(verbatim)
    usable = rendering is not None and not stale
    text = rendering["text"] if usable else verbatim
    kept = list(rendering["kept"]) if rendering else []
    flags = _flags(text, kept, settings)

    def iso(v: Any) -> str | None:
        return v.isoformat() if v is not None else None

    return {
        "coding_id": coding["id"],
        "interview": coding.get("interview"),
        "code": coding.get("code"),
        "gold": bool(coding.get("is_gold")),
        "verbatim": verbatim,
        "text": text,
        "rendered": usable,
        "stale": stale,
        "rendering": rendering["text"] if rendering else None,
        "kept": kept,
        "flags": [f.as_dict() for f in flags],
        "names": unmasked_names(text),
        "created_by": rendering["created_by"] if rendering else None,
        "created_at": iso(rendering["created_at"]) if rendering else None,
        "updated_by": rendering["updated_by"] if rendering else None,
        "updated_at": iso(rendering["updated_at"]) if rendering else None,
    }


def get_quote(
    conn: sa.Connection, study_id: int, coding_id: int, *, viewer: str | None = None
) -> dict[str, Any]:
    """A coding's passage as said, its rendering (if any), the open flags and unmasked names."""
    coding = get_coding(conn, study_id, coding_id, viewer=viewer)
    settings = quote_settings(conn, study_id)
    return _view(coding, _rendering_for(conn, study_id, coding), settings)


def list_quotes(
    conn: sa.Connection, study_id: int, *, viewer: str | None = None, gold_only: bool = True
) -> list[dict[str, Any]]:
    """The study's gold quotes (or every coded passage), one per span, with their state."""
    settings = quote_settings(conn, study_id)
    by_span = _renderings_by_span(conn, study_id)
    seen: set[tuple[int, int, int]] = set()
    out = []
    for c in list_codings(conn, study_id, gold=True if gold_only else None, viewer=viewer):
        key = (c["transcript_id"], c["start_char"], c["end_char"])
        if key in seen:
            continue
        seen.add(key)
        out.append(_view(c, by_span.get(key), settings))
    return out


def _save(
    conn: sa.Connection,
    study_id: int,
    coding: dict[str, Any],
    text: str,
    kept: list[str],
    *,
    action: str,
    payload: dict[str, Any],
) -> None:
    from kvali.accounts import require

    require("code")  # a rendering is the researchers' text: coders and the owner
    existing = _rendering_for(conn, study_id, coding)
    actor, stamp = current_actor(), now()
    values = {
        "text": text,
        "verbatim_sha256": sha(coding["text"]),
        "kept": sorted(set(kept)),
        "updated_by": actor,
        "updated_at": stamp,
    }
    payload = {"coding_id": coding["id"], "action": action, **payload}
    if existing is None:
        insert_logged(
            conn,
            qr,
            {
                "study_id": study_id,
                "coding_id": coding["id"],
                "created_by": actor,
                "created_at": stamp,
                **values,
            },
            study_id=study_id,
            entity=ENTITY,
            payload=payload,
        )
    else:
        update_logged(
            conn, qr, existing["id"], values, study_id=study_id, entity=ENTITY, payload=payload
        )


def _current(
    conn: sa.Connection, study_id: int, coding_id: int, viewer: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    coding = get_coding(conn, study_id, coding_id, viewer=viewer)
    view = _view(coding, _rendering_for(conn, study_id, coding), quote_settings(conn, study_id))
    return coding, view


def _flag_at(
    view: dict[str, Any], start: int | None, end: int | None, word: str | None = None
) -> dict[str, Any]:
    """The open flag at [start, end) (end may be left out), or the first on ``word``."""
    for f in view["flags"]:
        if word is not None and start is None:
            if f["word"].casefold() == word.casefold():
                return f
        elif f["start"] == start and (end is None or f["end"] == end):
            return f
    if word is not None and start is None:
        raise InputError("no open flag on {word!r} in this quote", word=word)
    raise ConflictError("no open flag at {start} in this quote any more: reload it", start=start)


def _apply(text: str, flags: list[dict[str, Any]]) -> str:
    for f in sorted(flags, key=lambda f: f["start"], reverse=True):
        if f["suggestion"]:
            text = text[: f["start"]] + f["suggestion"] + text[f["end"] :]
    return text


def accept_flag(
    conn: sa.Connection,
    study_id: int,
    coding_id: int,
    *,
    start: int | None = None,
    end: int | None = None,
    word: str | None = None,
    viewer: str | None = None,
) -> dict[str, Any]:
    """Replace the flagged word at [start, end) of the current text by its suggestion."""
    coding, view = _current(conn, study_id, coding_id, viewer)
    flag = _flag_at(view, start, end, word)
    if not flag["suggestion"]:
        raise InputError(
            "the flag on {word!r} has no suggestion: edit the rendering", word=flag["word"]
        )
    text = _apply(view["text"], [flag])
    _save(conn, study_id, coding, text, view["kept"], action="accept", payload={"accepted": 1})
    return get_quote(conn, study_id, coding_id, viewer=viewer)


def accept_all(
    conn: sa.Connection, study_id: int, coding_id: int, *, viewer: str | None = None
) -> dict[str, Any]:
    """Every open flag with a suggestion accepted at once."""
    coding, view = _current(conn, study_id, coding_id, viewer)
    todo = [f for f in view["flags"] if f["suggestion"]]
    if todo:
        text = _apply(view["text"], todo)
        _save(
            conn,
            study_id,
            coding,
            text,
            view["kept"],
            action="accept_all",
            payload={"accepted": len(todo)},
        )
    return get_quote(conn, study_id, coding_id, viewer=viewer)


def keep_flag(
    conn: sa.Connection,
    study_id: int,
    coding_id: int,
    *,
    start: int | None = None,
    end: int | None = None,
    word: str | None = None,
    viewer: str | None = None,
) -> dict[str, Any]:
    """Leave the flagged word as said, on purpose: its flag counts as checked."""
    coding, view = _current(conn, study_id, coding_id, viewer)
    flag = _flag_at(view, start, end, word)
    kept = [*view["kept"], flag["word"].casefold()]
    _save(conn, study_id, coding, view["text"], kept, action="keep", payload={"kept": 1})
    return get_quote(conn, study_id, coding_id, viewer=viewer)


def edit_rendering(
    conn: sa.Connection,
    study_id: int,
    coding_id: int,
    text: str,
    *,
    viewer: str | None = None,
) -> dict[str, Any]:
    """The researcher's own rendering of the passage, written freely."""
    if not text.strip():
        raise InputError("a rendering cannot be empty")
    coding, view = _current(conn, study_id, coding_id, viewer)
    _save(conn, study_id, coding, text, view["kept"], action="edit", payload={"fields": ["text"]})
    return get_quote(conn, study_id, coding_id, viewer=viewer)


def drop_stale_renderings(conn: sa.Connection, study_id: int, transcript_id: int) -> int:
    """Delete the renderings of this transcript's codings whose passage changed under them
    (withdrawal: a rendering must not keep the words of a withdrawn speaker's deleted turn).
    One event per rendering, as for any delete; returns how many."""
    from kvali.events.service import delete_logged
    from kvali.transcripts.service import get_text

    c = t.codings
    rows = conn.execute(
        sa.select(qr.c.id, qr.c.verbatim_sha256, c.c.start_char, c.c.end_char)
        .join(c, c.c.id == qr.c.coding_id)
        .where(qr.c.study_id == study_id, c.c.transcript_id == transcript_id)
    ).all()
    if not rows:
        return 0
    text = get_text(conn, transcript_id)
    n = 0
    for rid, digest, start, end in rows:
        if sha(text[start:end]) != digest:
            n += delete_logged(
                conn, qr, rid, study_id=study_id, entity=ENTITY, payload={"reason": "stale"}
            )
    return n
