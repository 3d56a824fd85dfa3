"""Codings: code-point spans of a transcript's text, with coder, cycle and gold-quote flag."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.codes.service import code_id
from kvali.codings.cycles import current_cycle_id, cycle_id_by_number
from kvali.codings.visible import only_visible
from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, KvaliError, NotFoundError
from kvali.events.service import log_event, log_events
from kvali.interviews.service import user_id
from kvali.transcripts.offsets import SEP
from kvali.transcripts.service import (
    check_transcript_in_study,
    get_text,
    get_turns,
    transcript_id_for,
    turn_at,
)
from kvali.util import new_guid, normalize_text, now


def _transcript_length(conn: sa.Connection, transcript_id: int) -> int:
    error = NotFoundError("no transcript {transcript_id}", transcript_id=transcript_id)
    return get_or_404(conn, t.transcripts, transcript_id, error=error)["char_count"]


def _check_code(conn: sa.Connection, study_id: int, cid: int) -> None:
    error = NotFoundError("code {cid} is not in this study", cid=cid)
    row = get_or_404(conn, t.codes, cid, study_id=study_id, error=error)
    if row["status"] != "active":
        raise InputError(
            "code {name!r} was {status} and cannot take new codings",
            name=row["name"],
            status=row["status"],
        )


def add_coding(
    conn: sa.Connection,
    study_id: int,
    *,
    transcript_id: int,
    code: str | int,
    start: int,
    end: int,
    coder: str | None = None,
    gold: bool = False,
) -> int:
    """Code ``[start, end)`` of the transcript in the current cycle; returns the coding id.

    Coding the same span with the same code twice returns the existing coding.
    """
    item = {
        "transcript_id": transcript_id,
        "code": code,
        "start": start,
        "end": end,
        "coder": coder,
        "gold": gold,
    }
    return add_codings(conn, study_id, [item])[0]


def add_codings(
    conn: sa.Connection,
    study_id: int,
    items: Sequence[dict[str, Any]] = (),
    *,
    source: str | Path | None = None,
    transcript_id: int | None = None,
    spans: Sequence[tuple[int, int, int, str | None, bool]] = (),
) -> list[int]:
    """Code many spans at once: each item ``{transcript_id, code, start, end, coder?, gold?, line?}``
    (or, for one transcript, ``spans`` of ``(code_id, start, end, coder, gold)``).

    Everything is validated before anything is written; lookups are cached and the rows go in
    one statement, so importing thousands of codings stays fast (also on PostgreSQL). An error
    names ``source`` and the item's ``line`` when given. Returns the coding id per item.
    """
    if spans:
        items = [
            {
                "transcript_id": transcript_id,
                "code": cid,
                "start": s,
                "end": e,
                "coder": coder,
                "gold": gold,
            }
            for cid, s, e, coder, gold in spans
        ]
    cycle = current_cycle_id(conn, study_id)
    c = t.codings
    lengths: dict[int, int] = {}
    codes: dict[str | int, int] = {}
    coders: dict[str, int] = {}
    # A coding is "the same" only for the same coder: two coders marking the same words with the
    # same code are two codings (agreement depends on it).
    live: dict[int, dict[tuple[int, int, int, int | None], int]] = {}
    bulk = len(items) > 20
    ids: list[int | None] = []
    keys: list[tuple[int, int, int, int, int | None]] = []
    new_rows: list[dict[str, Any]] = []
    gold_existing: list[int] = []
    pending: dict[tuple[int, int, int, int, int | None], int] = {}
    for item in items:
        try:
            tid, start, end = int(item["transcript_id"]), int(item["start"]), int(item["end"])
            if tid not in lengths:
                check_transcript_in_study(conn, study_id, tid)
                lengths[tid] = _transcript_length(conn, tid)
                if bulk:  # one read of the transcript's live codings beats a query per span
                    live[tid] = {
                        (r.code_id, r.start_char, r.end_char, r.coder_id): r.id
                        for r in conn.execute(
                            sa.select(
                                c.c.id, c.c.code_id, c.c.start_char, c.c.end_char, c.c.coder_id
                            ).where(
                                c.c.transcript_id == tid,
                                c.c.cycle_id == cycle,
                                c.c.removed_at.is_(None),
                            )
                        )
                    }
            ref = item["code"]
            if ref not in codes:
                codes[ref] = code_id(conn, study_id, ref)
                _check_code(conn, study_id, codes[ref])
            cid = codes[ref]
            if not (0 <= start < end <= lengths[tid]):
                raise InputError(
                    "span {start}–{end} is outside the transcript text (0–{length})",
                    start=start,
                    end=end,
                    length=lengths[tid],
                )
        except KvaliError as exc:
            if source is None and item.get("line") is None:
                raise
            raise InputError.at(exc, file=source, line=item.get("line")) from exc
        gold = bool(item.get("gold"))
        coder = item.get("coder")
        if coder and coder not in coders:
            coders[coder] = user_id(conn, coder)
        coder_id = coders.get(coder) if coder else None
        if bulk:
            existing = live[tid].get((cid, start, end, coder_id))
        else:
            existing = conn.execute(
                sa.select(c.c.id).where(
                    c.c.transcript_id == tid,
                    c.c.code_id == cid,
                    c.c.cycle_id == cycle,
                    c.c.start_char == start,
                    c.c.end_char == end,
                    c.c.coder_id.is_(None) if coder_id is None else c.c.coder_id == coder_id,
                    c.c.removed_at.is_(None),
                )
            ).scalar()
        keys.append((tid, cid, start, end, coder_id))
        if existing is not None:
            ids.append(existing)
            if gold:
                gold_existing.append(existing)
            continue
        key = (tid, cid, start, end, coder_id)
        if key in pending:  # the same span twice in one batch
            ids.append(None)
            new_rows[pending[key]]["is_gold"] |= gold
            continue
        pending[key] = len(new_rows)
        ids.append(None)
        new_rows.append(
            {
                "guid": new_guid(),
                "transcript_id": tid,
                "code_id": cid,
                "cycle_id": cycle,
                "coder_id": coder_id,
                "start_char": start,
                "end_char": end,
                "is_gold": gold,
                "created_at": now(),
            }
        )
    if gold_existing:
        conn.execute(c.update().where(c.c.id.in_(gold_existing)).values(is_gold=True))
        log_events(
            conn,
            study_id=study_id,
            action="set_gold",
            entity="coding",
            items=[(i, {"gold": True}) for i in gold_existing],
        )
    new_ids: list[int] = []
    if new_rows:
        result = conn.execute(c.insert().returning(c.c.id, sort_by_parameter_order=True), new_rows)
        new_ids = [r[0] for r in result]
        log_events(
            conn,
            study_id=study_id,
            action="create",
            entity="coding",
            items=[
                (
                    i,
                    {
                        "transcript_id": r["transcript_id"],
                        "code_id": r["code_id"],
                        "start": r["start_char"],
                        "end": r["end_char"],
                        "gold": r["is_gold"],
                    },
                )
                for i, r in zip(new_ids, new_rows, strict=True)
            ],
        )
    # Items whose row is new get its id, in item order (also repeats within the batch).
    new_id_of = [new_ids[pos] for pos in pending.values()]
    row_of = {key: new_id_of[n] for n, key in enumerate(pending)}
    out = [ids[n] if ids[n] is not None else row_of[keys[n]] for n in range(len(items))]
    return out


def find_quote(text: str, quote: str, *, source: str = "transcript") -> tuple[int, int]:
    """Locate a quote in the text: exact first, then ignoring differences in whitespace.

    Several matches are an error that lists them, so the researcher can pick by span.
    """
    quote = normalize_text(quote).strip()
    if not quote:
        raise InputError("empty quote")
    hits = [m.span() for m in re.finditer(re.escape(quote), text)]
    if not hits:
        pattern = r"\s+".join(re.escape(w) for w in quote.split())
        hits = [m.span() for m in re.finditer(pattern, text)]
    if not hits:
        raise InputError("quote not found in {source}: {quote!r}", source=source, quote=quote[:80])
    if len(hits) > 1:
        listing = "; ".join(
            f"{s}–{e}: …{text[max(0, s - 30) : s]}[{text[s:e][:40]}]…" for s, e in hits[:10]
        )
        raise InputError(
            "quote is ambiguous in {source} ({n_hits} matches): {listing}",
            source=source,
            n_hits=len(hits),
            listing=listing,
        )
    return hits[0]


def code_quote(
    conn: sa.Connection,
    study_id: int,
    *,
    interview: str | int,
    code: str | int,
    quote: str,
    coder: str | None = None,
    gold: bool = False,
) -> int:
    tid = transcript_id_for(conn, study_id, interview)
    start, end = find_quote(get_text(conn, tid), quote, source=f"interview {interview!r}")
    return add_coding(
        conn, study_id, transcript_id=tid, code=code, start=start, end=end, coder=coder, gold=gold
    )


def _live(
    conn: sa.Connection, study_id: int, coding_id: int, viewer: str | None = None
) -> dict[str, Any]:
    """The live coding of the current cycle, as ``viewer`` may see it (hidden: not found)."""
    c = t.codings
    q = (
        sa.select(c, t.interviews.c.study_id)
        .join(t.transcripts, t.transcripts.c.id == c.c.transcript_id)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(c.c.id == coding_id)
    )
    row = conn.execute(only_visible(conn, study_id, q, viewer)).mappings().first()
    if row is None or row["study_id"] != study_id:
        raise NotFoundError("no coding {coding_id}", coding_id=coding_id)
    if row["removed_at"] is not None:
        raise InputError(
            "coding {coding_id} was already removed ({removed_reason})",
            coding_id=coding_id,
            removed_reason=row["removed_reason"],
        )
    if row["cycle_id"] != current_cycle_id(conn, study_id):
        raise InputError(
            "coding {coding_id} belongs to an earlier cycle; earlier cycles are history",
            coding_id=coding_id,
        )
    return dict(row)


def remove_coding(
    conn: sa.Connection,
    study_id: int,
    coding_id: int,
    *,
    reason: str = "removed",
    viewer: str | None = None,
) -> None:
    """Close a coding; the row stays as history. A coding hidden from ``viewer`` is not found."""
    _live(conn, study_id, coding_id, viewer)
    conn.execute(
        t.codings.update()
        .where(t.codings.c.id == coding_id)
        .values(removed_at=now(), removed_reason=reason)
    )
    log_event(
        conn,
        study_id=study_id,
        action="remove",
        entity="coding",
        entity_id=coding_id,
        payload={"reason": reason},
    )


def set_gold(
    conn: sa.Connection,
    study_id: int,
    coding_id: int,
    gold: bool = True,
    *,
    viewer: str | None = None,
) -> None:
    _live(conn, study_id, coding_id, viewer)
    conn.execute(t.codings.update().where(t.codings.c.id == coding_id).values(is_gold=gold))
    log_event(
        conn,
        study_id=study_id,
        action="set_gold",
        entity="coding",
        entity_id=coding_id,
        payload={"gold": gold},
    )


def _codings_query(*columns: Any) -> sa.Select:
    """Codings with their code, transcript, interview and coder joined: the span, gold flag and
    removal first, then ``columns``."""
    c, tr, iv = t.codings, t.transcripts, t.interviews
    return sa.select(
        c.c.id,
        c.c.transcript_id,
        c.c.start_char,
        c.c.end_char,
        c.c.is_gold,
        c.c.removed_at,
        c.c.removed_reason,
        *columns,
    ).select_from(
        c.join(t.codes, t.codes.c.id == c.c.code_id)
        .join(tr, tr.c.id == c.c.transcript_id)
        .join(iv, iv.c.id == tr.c.interview_id)
        .outerjoin(t.users, t.users.c.id == c.c.coder_id)
    )


def list_codings(
    conn: sa.Connection,
    study_id: int,
    *,
    interview: str | int | None = None,
    code: str | int | None = None,
    cycle: int | None = None,
    gold: bool | None = None,
    include_removed: bool = False,
    with_text: bool = True,
    turns: dict[int, list[dict[str, Any]]] | None = None,
    viewer: str | None = None,
) -> list[dict[str, Any]]:
    """Codings of a cycle (default: current) with code, interview, coder, text and time, as
    ``viewer`` may see them (``codings.visible``: the blind-coding rule; None: every coding).

    ``turns``: a cache of :func:`get_turns` per transcript id that this fills and reuses, for
    callers that read the same transcripts' turns anyway (the framework matrix)."""
    c, codes, iv = t.codings, t.codes, t.interviews
    cycle_id = (
        cycle_id_by_number(conn, study_id, cycle)
        if cycle
        else current_cycle_id(conn, study_id, create=False)
    )
    if cycle_id is None:
        return []
    q = (
        _codings_query(
            c.c.derived_from_id,
            codes.c.name.label("code"),
            codes.c.id.label("code_id"),
            iv.c.label.label("interview"),
            t.users.c.name.label("coder"),
        )
        .where(iv.c.study_id == study_id, c.c.cycle_id == cycle_id)
        .order_by(iv.c.id, c.c.start_char, c.c.id)
    )
    if not include_removed:
        q = q.where(c.c.removed_at.is_(None))
    if interview is not None:
        from kvali.interviews.service import interview_id

        q = q.where(iv.c.id == interview_id(conn, study_id, interview))
    if code is not None:
        q = q.where(c.c.code_id == code_id(conn, study_id, code))
    if gold is not None:
        q = q.where(c.c.is_gold == gold)
    q = only_visible(conn, study_id, q, viewer)
    rows = [dict(r) for r in conn.execute(q).mappings()]
    if with_text:
        cache = {} if turns is None else turns
        texts: dict[int, str] = {}
        for r in rows:
            tid = r["transcript_id"]
            if tid not in texts:
                if tid not in cache:
                    cache[tid] = get_turns(conn, tid)
                texts[tid] = SEP.join(x["text"] for x in cache[tid])  # what get_text reads
            r["text"] = texts[tid][r["start_char"] : r["end_char"]]
            turn = turn_at(cache[tid], r["start_char"])
            r["speaker"] = turn["speaker"] if turn else None
            r["start_ms"] = turn["start_ms"] if turn else None
    for r in rows:
        r["is_gold"] = bool(r["is_gold"])
        r["removed_at"] = r["removed_at"].isoformat() if r["removed_at"] else None
    return rows


CSV_COLUMNS = ("interview", "code", "start", "end", "quote", "gold", "coder")


def import_codings_csv(
    conn: sa.Connection, study_id: int, path: str | Path, *, create_codes: bool = False
) -> int:
    """Bulk-add codings from CSV (columns: interview, code, and start+end or quote; optional gold,
    coder). All rows or none: the first bad row raises an error naming the file and line."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = {"interview", "code"} - set(header)
            if missing or not ({"quote"} <= set(header) or {"start", "end"} <= set(header)):
                raise InputError(
                    "CSV needs columns interview, code and either quote or start,end (found: {header})",
                    file=path,
                    line=1,
                    header=", ".join(header) or "none",
                )
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text ({reason})", file=path, reason=exc.reason) from exc
    except csv.Error as exc:
        raise InputError("malformed CSV: {exc}", file=path, exc=exc) from exc
    items: list[dict[str, Any]] = []
    transcripts: dict[str, tuple[int, str]] = {}
    for lineno, row in enumerate(rows, start=2):
        try:
            interview = (row.get("interview") or "").strip()
            code = (row.get("code") or "").strip()
            if not interview or not code:
                raise InputError("interview and code must not be empty")
            if create_codes:
                try:
                    code_id(conn, study_id, code)
                except NotFoundError:
                    from kvali.codes.service import create_code

                    create_code(conn, study_id, name=code)
            gold = (row.get("gold") or "").strip().lower() in ("1", "true", "yes", "ja", "x")
            coder = (row.get("coder") or "").strip() or None
            if interview not in transcripts:
                tid = transcript_id_for(conn, study_id, interview)
                transcripts[interview] = (tid, get_text(conn, tid))
            tid, text = transcripts[interview]
            if (row.get("start") or "").strip():
                try:
                    start, end = int(row["start"]), int(row["end"])
                except (TypeError, ValueError) as exc:
                    raise InputError("start and end must be whole numbers") from exc
            else:
                start, end = find_quote(
                    text, row.get("quote") or "", source=f"interview {interview!r}"
                )
        except KvaliError as exc:
            raise InputError.at(exc, file=path, line=lineno) from exc
        items.append(
            {
                "transcript_id": tid,
                "code": code,
                "start": start,
                "end": end,
                "coder": coder,
                "gold": gold,
                "line": lineno,
            }
        )
    add_codings(conn, study_id, items, source=path)
    return len(items)


def get_coding(
    conn: sa.Connection, study_id: int, coding_id: int, *, viewer: str | None = None
) -> dict[str, Any]:
    """One coding with its code, coder, cycle, quoted text and speaker (the browser's detail view).

    A coding hidden from ``viewer`` (``codings.visible``) is not found, as if it did not exist.
    Reads only the turns the span touches, so it stays fast on very long transcripts.
    """
    c, codes = t.codings, t.codes
    q = (
        _codings_query(
            c.c.created_at,
            codes.c.id.label("code_id"),
            codes.c.name.label("code"),
            codes.c.color,
            t.users.c.name.label("coder"),
            t.cycles.c.number.label("cycle"),
            t.interviews.c.study_id,
            t.interviews.c.id.label("interview_id"),
            t.interviews.c.label.label("interview"),
        )
        .join(t.cycles, t.cycles.c.id == c.c.cycle_id)
        .where(c.c.id == coding_id)
    )
    row = conn.execute(only_visible(conn, study_id, q, viewer)).mappings().first()
    if row is None or row["study_id"] != study_id:
        raise NotFoundError("no coding {coding_id}", coding_id=coding_id)
    out = dict(row)
    tu = t.turns
    turns = conn.execute(
        sa.select(tu.c.start_char, tu.c.end_char, tu.c.text, tu.c.speaker, tu.c.start_ms)
        .where(
            tu.c.transcript_id == row["transcript_id"],
            tu.c.end_char >= row["start_char"],
            tu.c.start_char < row["end_char"],
        )
        .order_by(tu.c.position)
    ).all()
    text = "\n".join(r.text for r in turns)
    base = turns[0].start_char if turns else 0
    out["text"] = text[row["start_char"] - base : row["end_char"] - base]
    out["speaker"] = turns[0].speaker if turns else None
    out["start_ms"] = turns[0].start_ms if turns else None
    out["is_gold"] = bool(out["is_gold"])
    out["removed_at"] = out["removed_at"].isoformat() if out["removed_at"] else None
    out["created_at"] = out["created_at"].isoformat()
    return out


def recode(
    conn: sa.Connection,
    study_id: int,
    coding_id: int,
    *,
    code: str | int,
    viewer: str | None = None,
) -> int:
    """Give a coding another code: the old row is closed ("recoded"), a new one takes its span,
    gold flag and coder. Returns the new coding's id."""
    old = _live(conn, study_id, coding_id, viewer)
    coder = None
    if old["coder_id"] is not None:
        coder = conn.execute(
            sa.select(t.users.c.name).where(t.users.c.id == old["coder_id"])
        ).scalar()
    if code_id(conn, study_id, code) == old["code_id"]:
        return coding_id
    remove_coding(conn, study_id, coding_id, reason="recoded")
    return add_coding(
        conn,
        study_id,
        transcript_id=old["transcript_id"],
        code=code,
        start=old["start_char"],
        end=old["end_char"],
        coder=coder,
        gold=bool(old["is_gold"]),
    )
