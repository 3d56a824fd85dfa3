"""Full-text search over transcript turns: SQLite FTS5 or PostgreSQL tsvector, same results.

Queries are words (all must occur), ``"exact phrases"`` and ``prefix*``; hits come with
code-point offsets into the transcript text so a client can highlight them.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import sqlalchemy as sa

from kvali.codes.service import code_id
from kvali.codings.cycles import current_cycle_id
from kvali.codings.visible import only_visible
from kvali.db import schema as t
from kvali.errors import InputError
from kvali.interviews.service import interview_id, normalize_mode
from kvali.util import normalize_text

_WORD = re.compile(r"\w+", re.UNICODE)


def parse_query(query: str) -> list[tuple[list[str], bool]]:
    """Split a query into terms: (words of the term, is_prefix). A phrase is a multi-word term."""
    query = normalize_text(query).strip()
    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.replace('"', " ").split()
    terms = []
    for part in parts:
        words = _WORD.findall(part.lower())
        if words:
            terms.append((words, part.endswith("*")))
    if not terms:
        raise InputError("the search query has no words")
    return terms


def _fts5(terms: list[tuple[list[str], bool]]) -> str:
    out = []
    for words, prefix in terms:
        phrase = '"' + " ".join(words) + '"'
        out.append(phrase + ("*" if prefix else ""))
    return " AND ".join(out)


def _tsquery(terms: list[tuple[list[str], bool]], *, joiner: str = " <-> ") -> str:
    """The terms as a tsquery; ``joiner=" & "`` gives the words of each phrase in any order."""
    out = []
    for words, prefix in terms:
        parts = [f"'{w}'" for w in words]
        if prefix:
            parts[-1] += ":*"
        out.append("(" + joiner.join(parts) + ")")
    return " & ".join(out)


def search(
    conn: sa.Connection,
    study_id: int,
    query: str,
    *,
    code: str | int | None = None,
    attribute: tuple[str, str] | None = None,
    mode: str | None = None,
    interview: str | int | None = None,
    role: str | None = None,
    limit: int = 50,
    offset: int = 0,
    viewer: str | None = None,
) -> list[dict[str, Any]]:
    """Turns matching ``query``; the code filter counts only codings ``viewer`` may see."""
    terms = parse_query(query)
    tu, tr, iv = t.turns, t.transcripts, t.interviews
    cols = [
        tu.c.id,
        tu.c.transcript_id,
        tu.c.speaker,
        tu.c.role,
        tu.c.start_ms,
        tu.c.start_char,
        tu.c.text,
        iv.c.label.label("interview"),
        iv.c.mode,
    ]
    fallback = None
    if conn.dialect.name == "sqlite":
        fts = sa.table("turns_fts", sa.column("rowid"))
        # FTS5 yields rowids in order: ordering by its rowid lets LIMIT stop the scan early
        # instead of sorting every match of a common word.
        order = fts.c.rowid
        q = (
            sa.select(*cols)
            .select_from(fts.join(tu, tu.c.id == fts.c.rowid))
            .where(sa.text("turns_fts MATCH :fts").bindparams(fts=_fts5(terms)))
        )
    else:
        order = tu.c.id
        match = sa.text("turns.tsv @@ to_tsquery('simple', :tsq)").bindparams(tsq=_tsquery(terms))
        q = sa.select(*cols).select_from(tu).where(match)
        if any(len(words) > 1 for words, _ in terms):
            # The same words in any order: a redundant condition PostgreSQL can estimate from
            # its word statistics (after ANALYZE), so a phrase of rare words is looked up in the
            # GIN index instead of walking the primary key (200 → 20 ms at 500 interviews).
            words_only = _tsquery(terms, joiner=" & ")
            match = sa.and_(
                match,
                sa.text("turns.tsv @@ to_tsquery('simple', :tsw)").bindparams(tsw=words_only),
            )
            q = sa.select(*cols).select_from(tu).where(match)
            # PostgreSQL cannot estimate how rare a phrase is: it may walk the primary key and
            # filter every row. Collecting the GIN matches first is the safe plan for rare
            # phrases, the primary-key walk the fast one for common ones; try the fast one briefly.
            found = (
                sa.select(tu.c.id.label("id"))
                .where(match)
                .cte("phrase_hits")
                .prefix_with("MATERIALIZED")
            )
            fallback = sa.select(*cols).select_from(tu.join(found, found.c.id == tu.c.id))

    def finish(q: sa.Select) -> sa.Select:
        q = (
            q.join(tr, tr.c.id == tu.c.transcript_id)
            .join(iv, iv.c.id == tr.c.interview_id)
            .where(iv.c.study_id == study_id)
            .order_by(order)
            .limit(limit)
            .offset(offset)
        )
        return filter_passages(
            conn, study_id, q, span=(tu.c.transcript_id, tu.c.start_char, tu.c.end_char),
            code=code, attribute=attribute, mode=mode, interview=interview, role=role,
            viewer=viewer,
        )  # fmt: skip

    if fallback is None:
        rows = conn.execute(finish(q)).mappings().all()
    else:
        rows = _with_fallback(conn, finish(q), finish(fallback))
    return [_hit(dict(r), terms) for r in rows]


def filter_passages(
    conn: sa.Connection,
    study_id: int,
    q: sa.Select,
    *,
    span: tuple[sa.ColumnElement[int], sa.ColumnElement[int], sa.ColumnElement[int]],
    code: str | int | None = None,
    attribute: tuple[str, str] | None = None,
    mode: str | None = None,
    interview: str | int | None = None,
    role: str | None = None,
    viewer: str | None = None,
) -> sa.Select:
    """The search filters, shared by full-text and semantic search. ``q`` must already join
    turns and interviews; ``span`` is the (transcript_id, start_char, end_char) of each hit, which
    a code filter needs to overlap with a coding ``viewer`` may see (``codings.visible``)."""
    tu, iv = t.turns, t.interviews
    if mode:
        q = q.where(iv.c.mode == normalize_mode(mode))
    if interview is not None:
        q = q.where(iv.c.id == interview_id(conn, study_id, interview))
    if role:
        q = q.where(tu.c.role == role)
    if attribute:
        ip, pa = t.interview_participants, t.participant_attributes
        q = q.where(
            sa.exists(
                sa.select(1)
                .select_from(ip.join(pa, pa.c.participant_id == ip.c.participant_id))
                .where(
                    ip.c.interview_id == iv.c.id,
                    pa.c.name == attribute[0],
                    pa.c.value == attribute[1],
                )
            )
        )
    if code is not None:
        c = t.codings
        cid = code_id(conn, study_id, code)
        cycle = current_cycle_id(conn, study_id, create=False) or -1
        transcript, start, end = span
        coded = sa.select(1).where(
            c.c.transcript_id == transcript,
            c.c.code_id == cid,
            c.c.cycle_id == cycle,
            c.c.removed_at.is_(None),
            c.c.start_char < end,
            c.c.end_char > start,
        )
        q = q.where(sa.exists(only_visible(conn, study_id, coded, viewer)))
    return q


def _with_fallback(
    conn: sa.Connection, fast: sa.Select, safe: sa.Select, *, budget_ms: int = 50
) -> list[Any]:
    """Run ``fast`` under a statement timeout; if it runs out, run ``safe`` (same rows)."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(budget_ms)}")
            rows = conn.execute(fast).mappings().all()
            conn.exec_driver_sql("SET LOCAL statement_timeout = DEFAULT")
            return rows
    except sa.exc.OperationalError as exc:
        if "statement timeout" not in str(exc) and "canceling statement" not in str(exc):
            raise
    return conn.execute(safe).mappings().all()


def _hit(row: dict[str, Any], terms: list[tuple[list[str], bool]]) -> dict[str, Any]:
    text = row.pop("text")
    low = text.lower()
    matches = []
    for words, prefix in terms:
        pattern = r"\b" + r"\W+".join(re.escape(w) for w in words) + (r"\w*" if prefix else r"\b")
        matches += [m.span() for m in re.finditer(pattern, low)]
    matches.sort()
    first = matches[0][0] if matches else 0
    a, b = max(0, first - 80), min(len(text), first + 160)
    row["snippet"] = ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")
    row["matches"] = [(row["start_char"] + s, row["start_char"] + e) for s, e in matches]
    row["turn_id"] = row.pop("id")
    return row
