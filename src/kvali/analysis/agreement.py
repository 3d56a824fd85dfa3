"""Inter-coder agreement between two coders (users) per code, per transcript and overall.

Units are characters, speaker turns or sentences of the transcript text. A coder «applied» a code
to a turn or sentence when one of their codings of it overlaps that unit by at least a character.
With ``include_uncoded=False`` the units neither coder coded with any code are left out, so long
stretches of uncoded talk do not inflate percent agreement (the QualCoder users' request); for
alpha_u the same stretches are cut out of the continuum.

alpha_u is always computed over characters (it is a measure of unitizing, not of units). Overall
figures pool the per-code 2×2 tables (each unit × code is one binary decision); ``mean_kappa`` is
the unweighted mean of the per-code kappas, as NVivo reports it.

By default a transcript under blind mode is compared as it stood when the comparison opened
(:mod:`kvali.analysis.blind`), so resolving disagreements later does not change the figure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from kvali.analysis.stats import (
    Span,
    Table2,
    UnitizedResult,
    alpha_binary,
    alpha_u,
    alpha_u_pooled,
    cohen_kappa,
    merge_spans,
    percent_agreement,
    squeeze,
)
from kvali.codings.cycles import current_cycle_id, cycle_id_by_number, cycle_number
from kvali.db import schema as t
from kvali.errors import InputError
from kvali.interviews.service import user_id

LEVELS = ("char", "turn", "sentence")
CodeSpans = dict[int, list[Span]]
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”’)]*\s+")


def utc(dt: datetime | None) -> datetime | None:
    """Naive UTC for comparisons: SQLite returns naive datetimes, PostgreSQL aware ones."""
    if dt is None or dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


def live_at(row: Any, as_of: datetime | None) -> bool:
    """Was the coding live at ``as_of`` (now when ``None``)?"""
    if as_of is None:
        return row.removed_at is None
    return utc(row.created_at) <= as_of and (row.removed_at is None or utc(row.removed_at) > as_of)


def coder_spans(
    conn: sa.Connection,
    transcript_id: int,
    coder_id: int,
    *,
    cycle_id: int,
    as_of: datetime | None = None,
) -> CodeSpans:
    """One coder's spans per code id on a transcript, as they stood at ``as_of``."""
    c = t.codings
    rows = conn.execute(
        sa.select(c.c.code_id, c.c.start_char, c.c.end_char, c.c.created_at, c.c.removed_at).where(
            c.c.transcript_id == transcript_id,
            c.c.coder_id == coder_id,
            c.c.cycle_id == cycle_id,
        )
    )
    out: CodeSpans = {}
    for r in rows:
        if live_at(r, utc(as_of)):
            out.setdefault(r.code_id, []).append((r.start_char, r.end_char))
    return {k: merge_spans(v) for k, v in out.items()}


def turn_units(turns: Sequence[dict[str, Any]]) -> list[Span]:
    return [(tr["start_char"], tr["end_char"]) for tr in turns if tr["end_char"] > tr["start_char"]]


def sentence_units(turns: Sequence[dict[str, Any]]) -> list[Span]:
    """Sentences inside each turn: split after . ! ? … (and closing quotes) before whitespace."""
    out: list[Span] = []
    for tr in turns:
        base, text, pos = tr["start_char"], tr["text"], 0
        for m in _SENTENCE_END.finditer(text):
            if text[pos : m.start()].strip():
                out.append((base + pos, base + m.start()))
            pos = m.end()
        if text[pos:].strip():
            out.append((base + pos, base + len(text.rstrip())))
    return out


def _length(spans: list[Span]) -> int:
    return sum(e - s for s, e in spans)


def _intersection(a: list[Span], b: list[Span]) -> int:
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _hits(units: list[Span], spans: list[Span]) -> list[bool]:
    """Which units a sorted list of spans overlaps."""
    out, j = [], 0
    for s, e in units:
        while j < len(spans) and spans[j][1] <= s:
            j += 1
        k, hit = j, False
        while k < len(spans) and spans[k][0] < e:
            if spans[k][1] > s:
                hit = True
                break
            k += 1
        out.append(hit)
    return out


def compare(
    a: CodeSpans,
    b: CodeSpans,
    *,
    length: int,
    units: list[Span] | None = None,
    include_uncoded: bool = True,
) -> dict[int, tuple[Table2, UnitizedResult | None]]:
    """Per code id: the 2×2 table over the units (``None`` = characters) and alpha_u."""
    codes = sorted(set(a) | set(b))
    coded = merge_spans(
        [s for spans in (*a.values(), *b.values()) for s in spans], join_touching=True
    )
    out: dict[int, tuple[Table2, UnitizedResult | None]] = {}
    if units is not None and not include_uncoded:
        any_hit = _hits(units, coded)
        units = [u for u, h in zip(units, any_hit, strict=True) if h]
    for code in codes:
        sa_, sb = a.get(code, []), b.get(code, [])
        if units is None:
            n = length if include_uncoded else _length(coded)
            both = _intersection(sa_, sb)
            la, lb = _length(sa_), _length(sb)
            table = Table2(both, la - both, lb - both, n - la - lb + both)
        else:
            ha, hb = _hits(units, sa_), _hits(units, sb)
            pairs = Counter(zip(ha, hb, strict=True))
            table = Table2(
                pairs[(True, True)],
                pairs[(True, False)],
                pairs[(False, True)],
                pairs[(False, False)],
            )
        if include_uncoded:
            au = alpha_u([sa_, sb], begin=0, length=length)
        else:
            au = alpha_u([squeeze(sa_, coded), squeeze(sb, coded)], begin=0, length=_length(coded))
        out[code] = (table, au)
    return out


def summarize(table: Table2, au: UnitizedResult | None = None) -> dict[str, Any]:
    """JSON-ready figures of one 2×2 table (plus alpha_u when given)."""
    return {
        "units": table.n,
        "both": table.both,
        "only_a": table.only_a,
        "only_b": table.only_b,
        "neither": table.neither,
        "percent": percent_agreement(table),
        "kappa": cohen_kappa(table),
        "alpha": alpha_binary(table),
        "alpha_u": None if au is None else au.alpha,
    }


def _overall(
    tables: list[Table2], unitized: list[UnitizedResult | None], kappas: list[float | None]
) -> dict[str, Any]:
    pooled = sum(tables, Table2())
    out = summarize(pooled)
    out["alpha_u"] = alpha_u_pooled(unitized)
    ks = [k for k in kappas if k is not None]
    out["mean_kappa"] = sum(ks) / len(ks) if ks else None
    return out


def default_coders(conn: sa.Connection, study_id: int, cycle_id: int) -> list[str]:
    """The two users with the most live codings in the cycle."""
    c = t.codings
    rows = conn.execute(
        sa.select(t.users.c.name, sa.func.count())
        .select_from(c.join(t.users, t.users.c.id == c.c.coder_id))
        .join(t.transcripts, t.transcripts.c.id == c.c.transcript_id)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(t.interviews.c.study_id == study_id, c.c.cycle_id == cycle_id)
        .group_by(t.users.c.name)
        .order_by(sa.func.count().desc(), t.users.c.name)
    ).all()
    return [r[0] for r in rows[:2]]


def agreement(
    conn: sa.Connection,
    study_id: int,
    *,
    coders: Sequence[str] | None = None,
    interview: str | int | None = None,
    level: str = "char",
    include_uncoded: bool = True,
    cycle: int | None = None,
    frozen: bool = True,
    blind_only: bool | None = None,
) -> dict[str, Any]:
    """Agreement of two coders: per transcript (with per-code rows), per code and overall.

    ``frozen``: compare blind-mode transcripts as they stood when the comparison opened.
    ``blind_only``: only transcripts whose blind comparison has opened (double-coded ones);
    ``None`` means «if there are any», so work split between coders is not taken for disagreement.
    """
    from kvali.analysis.blind import opened_at
    from kvali.analysis.tables import analysis_blind
    from kvali.codes.service import code_paths
    from kvali.codings.visible import open_rounds
    from kvali.transcripts.service import get_turns, transcript_id_for

    if level not in LEVELS:
        raise InputError("level must be one of {levels}", levels=", ".join(LEVELS))
    cycle_id = (
        cycle_id_by_number(conn, study_id, cycle) if cycle else current_cycle_id(conn, study_id)
    )
    assert cycle_id is not None
    names = list(coders) if coders else default_coders(conn, study_id, cycle_id)
    if len(names) != 2 or names[0] == names[1]:
        raise InputError("agreement needs exactly two different coders (--coder A --coder B)")
    ids = [user_id(conn, n, create=False) for n in names]
    iv, tr = t.interviews, t.transcripts
    q = (
        sa.select(tr.c.id, tr.c.char_count, iv.c.label)
        .join(iv, iv.c.id == tr.c.interview_id)
        .where(iv.c.study_id == study_id)
        .order_by(iv.c.id)
    )
    if interview is not None:
        q = q.where(tr.c.id == transcript_id_for(conn, study_id, interview))
    opened = sa.select(analysis_blind.c.transcript_id).where(
        analysis_blind.c.study_id == study_id, analysis_blind.c.opened_at.is_not(None)
    )
    if blind_only is None:
        blind_only = interview is None and conn.execute(opened.limit(1)).first() is not None
    if blind_only:
        q = q.where(tr.c.id.in_(opened))
    # A blind round still open is nobody's to compare: its coders' work stays unseen until all
    # are done (the blind rule, kvali.codings.visible), so agreement leaves it out and says so.
    still_blind = open_rounds(study_id)
    held_back = list(
        conn.execute(q.with_only_columns(iv.c.label).where(tr.c.id.in_(still_blind))).scalars()
    )
    q = q.where(tr.c.id.not_in(still_blind))
    paths = code_paths(
        [
            dict(r)
            for r in conn.execute(
                sa.select(t.codes).where(t.codes.c.study_id == study_id)
            ).mappings()
        ]
    )
    per_transcript: list[dict[str, Any]] = []
    per_code: dict[int, list[Table2]] = {}
    corpus: dict[int, tuple[list[Span], list[Span]]] = {}
    all_tables: list[Table2] = []
    offset = 0
    for row in conn.execute(q).all():
        as_of = utc(opened_at(conn, row.id, coders=names)) if frozen else None
        a = coder_spans(conn, row.id, ids[0], cycle_id=cycle_id, as_of=as_of)
        b = coder_spans(conn, row.id, ids[1], cycle_id=cycle_id, as_of=as_of)
        if not a or not b:
            continue  # only transcripts both coders coded
        units = None
        if level != "char":
            turns = get_turns(conn, row.id)
            units = turn_units(turns) if level == "turn" else sentence_units(turns)
        result = compare(a, b, length=row.char_count, units=units, include_uncoded=include_uncoded)
        rows = []
        for code, (table, au) in result.items():
            rows.append(
                {"code_id": code, "code": paths.get(code, str(code)), **summarize(table, au)}
            )
            per_code.setdefault(code, []).append(table)
            all_tables.append(table)
        # The corpus continuum for alpha_u per code: transcripts (or their coded parts) in a row.
        coded = merge_spans(
            [s for sp in (*a.values(), *b.values()) for s in sp], join_touching=True
        )
        for code in result:
            for side, spans in zip(corpus.setdefault(code, ([], [])), (a, b), strict=True):
                own = spans.get(code, [])
                own = own if include_uncoded else squeeze(own, coded)
                side.extend((s + offset, e + offset) for s, e in own)
        per_transcript.append(
            {
                "interview": row.label,
                "transcript_id": row.id,
                "frozen_at": as_of.isoformat() if as_of else None,
                "codes": rows,
                "overall": _overall(
                    [table for table, _ in result.values()],
                    [au for _, au in result.values()],
                    [r["kappa"] for r in rows],
                ),
            }
        )
        offset += row.char_count if include_uncoded else _length(coded)
    codes_out, unitized = [], []
    for code, tables in sorted(per_code.items(), key=lambda kv: paths.get(kv[0], "")):
        table = sum(tables, Table2())
        au = alpha_u(list(corpus[code]), begin=0, length=offset)
        unitized.append(au)
        codes_out.append(
            {"code_id": code, "code": paths.get(code, str(code)), **summarize(table, au)}
        )
    return {
        "coders": names,
        "level": level,
        "include_uncoded": include_uncoded,
        "cycle": cycle_number(conn, cycle_id),
        "blind_only": blind_only,
        "held_back": held_back,
        "transcripts": per_transcript,
        "codes": codes_out,
        "overall": _overall(all_tables, unitized, [c["kappa"] for c in codes_out]),
    }
