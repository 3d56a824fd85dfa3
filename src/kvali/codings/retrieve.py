"""Retrieval: every coded passage of a code, category or theme, with where it was said.

For a code and everything under it in the codebook, the live codings of the current cycle as
the ``viewer`` may see them (the blind-coding rule, through ``list_codings``'s one read path),
each with its interview, mode, participants, speaker, time, coder and a little of the text
around it, filtered by participant attributes, interview mode and coder; and the exports a
researcher takes to a supervisor or an analysis meeting (CSV, DOCX). The counts rolled up the
codebook tree are ``codes.service.list_codes``' ``total``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from kvali.codes.service import code_id, list_codes
from kvali.codings.service import list_codings
from kvali.db import schema as t
from kvali.i18n import in_lang
from kvali.interviews.service import list_interviews
from kvali.terms import term
from kvali.transcripts.offsets import SEP
from kvali.transcripts.service import turn_at
from kvali.util import format_ms

CONTEXT = 120  # characters of context each side, within the passage's turn


def descendants(codes: list[dict[str, Any]], root: int) -> list[int]:
    """``root`` and every code under it (``codes`` as ``list_codes`` gives them)."""
    children: dict[int | None, list[int]] = {}
    for c in codes:
        children.setdefault(c["parent_id"], []).append(c["id"])
    out, todo = [], [root]
    while todo:
        cid = todo.pop()
        out.append(cid)
        todo.extend(children.get(cid, []))
    return out


def filter_options(conn: sa.Connection, study_id: int) -> dict[str, Any]:
    """What the filters can choose from: participant attributes and their values, interview
    modes and coders in the study."""
    pa, p = t.participant_attributes, t.participants
    attrs: dict[str, list[str]] = {}
    for name, value in conn.execute(
        sa.select(pa.c.name, pa.c.value)
        .join(p, p.c.id == pa.c.participant_id)
        .where(p.c.study_id == study_id, p.c.withdrawn_at.is_(None))
        .distinct()
        .order_by(pa.c.name, pa.c.value)
    ):
        attrs.setdefault(name, []).append(value)
    modes = sorted({iv["mode"] for iv in list_interviews(conn, study_id)})
    c, tr, iv = t.codings, t.transcripts, t.interviews
    coders = list(
        conn.execute(
            sa.select(t.users.c.name)
            .join(c, c.c.coder_id == t.users.c.id)
            .join(tr, tr.c.id == c.c.transcript_id)
            .join(iv, iv.c.id == tr.c.interview_id)
            .where(iv.c.study_id == study_id)
            .distinct()
            .order_by(t.users.c.name)
        ).scalars()
    )
    return {"attributes": attrs, "modes": modes, "coders": coders}


def _interviews_matching(
    conn: sa.Connection, study_id: int, attributes: Mapping[str, str], mode: str | None
) -> list[dict[str, Any]]:
    """The study's interviews of ``mode`` with a participant having every attribute given."""
    rows = [iv for iv in list_interviews(conn, study_id) if not mode or iv["mode"] == mode]
    if not attributes:
        return rows
    pa, ip = t.participant_attributes, t.interview_participants
    keep: set[int] | None = None
    for name, value in attributes.items():
        ids = set(
            conn.execute(
                sa.select(ip.c.interview_id)
                .join(pa, pa.c.participant_id == ip.c.participant_id)
                .where(pa.c.name == name, pa.c.value == value)
            ).scalars()
        )
        keep = ids if keep is None else keep & ids
    return [iv for iv in rows if iv["id"] in (keep or set())]


def _context(turns: list[dict[str, Any]], text: str, start: int, end: int) -> tuple[str, str]:
    """Up to ``CONTEXT`` characters before and after the passage, inside its turns, cut at a
    word boundary."""
    first, last = turn_at(turns, start), turn_at(turns, max(start, end - 1))
    lo = max(first["start_char"] if first else 0, start - CONTEXT)
    hi = min(last["end_char"] if last else len(text), end + CONTEXT)
    before, after = text[lo:start], text[end:hi]
    if lo > (first["start_char"] if first else 0) and " " in before:
        before = "…" + before.split(" ", 1)[1]
    if hi < (last["end_char"] if last else len(text)) and " " in after:
        after = after.rsplit(" ", 1)[0] + "…"
    return before, after


def retrieve(
    conn: sa.Connection,
    study_id: int,
    code: str | int,
    *,
    viewer: str | None,
    attributes: Mapping[str, str] | None = None,
    mode: str | None = None,
    coder: str | None = None,
) -> dict[str, Any]:
    """Every passage coded with ``code`` or a code under it, as ``viewer`` may see it.

    ``attributes`` (participant attribute → value), ``mode`` and ``coder`` narrow the
    passages; the answer also has the counts per interview and per code."""
    root = code_id(conn, study_id, code)
    codes = list_codes(conn, study_id, include_inactive=True)
    by_id = {c["id"]: c for c in codes}
    ids = descendants(codes, root)
    interviews = _interviews_matching(conn, study_id, attributes or {}, mode)
    iv_by_id = {iv["id"]: iv for iv in interviews}
    iv_by_transcript = {iv["transcript_id"]: iv for iv in interviews}
    cache: dict[int, list[dict[str, Any]]] = {}
    rows = list_codings(
        conn,
        study_id,
        code_ids=ids,
        interview_ids=list(iv_by_id),
        turns=cache,
        viewer=viewer,
    )
    if coder:
        rows = [r for r in rows if r["coder"] == coder]
    texts: dict[int, str] = {}
    passages = []
    for r in rows:
        tid = r["transcript_id"]
        if tid not in texts:
            texts[tid] = SEP.join(x["text"] for x in cache[tid])
        before, after = _context(cache[tid], texts[tid], r["start_char"], r["end_char"])
        iv = iv_by_transcript[tid]
        passages.append(
            {
                "coding_id": r["id"],
                "code_id": r["code_id"],
                "code": r["code"],
                "path": by_id[r["code_id"]]["path"],
                "interview_id": iv["id"],
                "interview": iv["label"],
                "mode": iv["mode"],
                "date": iv["date"],
                "participants": iv["participants"],
                "speaker": r["speaker"],
                "start_ms": r["start_ms"],
                "time": format_ms(r["start_ms"]),
                "coder": r["coder"],
                "gold": r["is_gold"],
                "start": r["start_char"],
                "end": r["end_char"],
                "before": before,
                "text": r["text"],
                "after": after,
                "link": f"/interviews/{iv['id']}/transcript#at={r['start_char']}-{r['end_char']}",
            }
        )
    per_interview: dict[str, int] = {}
    per_code: dict[str, int] = {}
    for p in passages:
        per_interview[p["interview"]] = per_interview.get(p["interview"], 0) + 1
        per_code[p["path"]] = per_code.get(p["path"], 0) + 1
    root_row = by_id[root]
    return {
        "code": {
            "id": root,
            "name": root_row["name"],
            "path": root_row["path"],
            "level": root_row["level"],
        },
        "code_ids": ids,
        "filters": {"attributes": dict(attributes or {}), "mode": mode, "coder": coder},
        "passages": passages,
        "counts": {
            "passages": len(passages),
            "interviews": len(per_interview),
            "per_interview": per_interview,
            "per_code": per_code,
        },
    }


CSV_FIELDS = (
    "interview", "mode", "participants", "speaker", "time", "path", "coder", "gold",
    "before", "text", "after", "start", "end",
)  # fmt: skip


def to_csv(result: dict[str, Any]) -> str:
    """The passages as CSV (UTF-8, one row each; participants joined by ``; ``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for p in result["passages"]:
        writer.writerow(p | {"participants": "; ".join(p["participants"]), "gold": int(p["gold"])})
    return out.getvalue()


def to_docx(result: dict[str, Any], lang: str) -> bytes:
    """The passages as a Word document: per interview, each passage with its speaker, time,
    code and coder, the coded words in bold between their context."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    doc = Document()
    doc.add_heading(in_lang(lang, "Coded passages: {code}", code=result["code"]["path"]), 1)
    f = result["filters"]
    bits = [f"{k} = {v}" for k, v in f["attributes"].items()]
    if f["mode"]:
        bits.append(term("mode", f["mode"], lang))
    if f["coder"]:
        bits.append(in_lang(lang, "Coder") + ": " + f["coder"])
    n = result["counts"]
    summary = in_lang(lang, "{n} passages in {k} interviews", n=n["passages"], k=n["interviews"])
    doc.add_paragraph(summary + (" · " + " · ".join(bits) if bits else ""))
    grey = RGBColor(0x54, 0x5B, 0x64)
    current = None
    for p in result["passages"]:
        if p["interview"] != current:
            current = p["interview"]
            doc.add_heading(current, 2)
        meta = " · ".join(
            x
            for x in (p["speaker"], p["time"], p["path"], p["coder"], "★" if p["gold"] else "")
            if x
        )
        m = doc.add_paragraph()
        run = m.add_run(meta)
        run.font.size, run.font.color.rgb = Pt(9), grey
        q = doc.add_paragraph()
        for piece, bold in ((p["before"], False), (p["text"], True), (p["after"], False)):
            if piece:
                r = q.add_run(piece)
                r.bold = bold
                if not bold:
                    r.font.color.rgb = grey
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
