"""The numbers behind the workbench's charts: how far each interview is coded, the theme ×
interview heatmap and the code frequencies, from the codings ``viewer`` may see.

Light on purpose (codings without their text, the codebook, the interviews): the overview
and the Analysis stage draw these on every visit, unlike the full report (``reports.build``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.codes.service import list_codes
from kvali.codings.cycles import current_cycle_id
from kvali.codings.service import list_codings
from kvali.codings.visible import only_visible
from kvali.db import schema as t
from kvali.interviews.service import list_interviews

LOW, HIGH = (255, 255, 255), (91, 155, 213)  # heatmap scale; dark text stays readable on both


def coded_chars(conn: sa.Connection, study_id: int, viewer: str | None) -> dict[int, int]:
    """Per transcript id, how many characters at least one live coding of the current cycle
    covers (overlaps counted once)."""
    cycle = current_cycle_id(conn, study_id, create=False)
    if cycle is None:
        return {}
    c = t.codings
    q = (
        sa.select(c.c.transcript_id, c.c.start_char, c.c.end_char)
        .join(t.transcripts, t.transcripts.c.id == c.c.transcript_id)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(t.interviews.c.study_id == study_id, c.c.cycle_id == cycle, c.c.removed_at.is_(None))
        .order_by(c.c.transcript_id, c.c.start_char)
    )
    out: dict[int, int] = {}
    tid_now, end_now = None, 0
    for tid, s, e in conn.execute(only_visible(conn, study_id, q, viewer)):
        if tid != tid_now:
            tid_now, end_now = tid, 0
        if e > end_now:
            out[tid] = out.get(tid, 0) + e - max(s, end_now)
            end_now = e
    return out


def coding_progress(conn: sa.Connection, study_id: int, viewer: str | None) -> list[dict[str, Any]]:
    """Per interview with a transcript: characters, characters coded and the share coded."""
    covered = coded_chars(conn, study_id, viewer)
    out = []
    for iv in list_interviews(conn, study_id):
        if iv["transcript_id"] is None:
            continue
        chars, coded = iv["char_count"] or 0, covered.get(iv["transcript_id"], 0)
        out.append(
            {
                "interview_id": iv["id"],
                "label": iv["label"],
                "chars": chars,
                "coded_chars": coded,
                "share": round(coded / chars, 4) if chars else 0.0,
            }
        )
    return out


def _shade(value: int, top: int) -> str:
    f = value / top if top else 0.0
    return "#" + "".join(
        f"{round(lo + (hi - lo) * f):02x}" for lo, hi in zip(LOW, HIGH, strict=True)
    )


def analysis_charts(conn: sa.Connection, study_id: int, viewer: str | None) -> dict[str, Any]:
    """The theme × interview heatmap (codings under each theme per interview, with a colour
    per cell) and the code frequencies (codings per code, most used first)."""
    codes = list_codes(conn, study_id)
    by_id = {c["id"]: c for c in codes}

    def theme_of(cid: int) -> int:
        while by_id[cid]["parent_id"] in by_id:
            cid = by_id[cid]["parent_id"]
        return cid

    interviews = [iv for iv in list_interviews(conn, study_id) if iv["transcript_id"] is not None]
    column = {iv["transcript_id"]: n for n, iv in enumerate(interviews)}
    themes = [c for c in codes if c["parent_id"] not in by_id]
    row = {c["id"]: n for n, c in enumerate(themes)}
    counts = [[0] * len(interviews) for _ in themes]
    freq: dict[int, int] = {}
    for r in list_codings(conn, study_id, with_text=False, viewer=viewer):
        if r["code_id"] not in by_id or r["transcript_id"] not in column:
            continue
        counts[row[theme_of(r["code_id"])]][column[r["transcript_id"]]] += 1
        freq[r["code_id"]] = freq.get(r["code_id"], 0) + 1
    top = max((n for line in counts for n in line), default=0)
    heat = [
        {
            "theme_id": th["id"],
            "theme": th["name"],
            "total": sum(counts[i]),
            "cells": [{"count": n, "color": _shade(n, top)} for n in counts[i]],
        }
        for i, th in enumerate(themes)
    ]
    most = max(freq.values(), default=0)
    frequencies = [
        {
            "code_id": cid,
            "path": by_id[cid]["path"],
            "color": by_id[cid]["color"],
            "count": n,
            "share": round(n / most, 4) if most else 0.0,
        }
        for cid, n in sorted(freq.items(), key=lambda x: (-x[1], by_id[x[0]]["path"]))
    ]
    return {
        "interviews": [{"id": iv["id"], "label": iv["label"]} for iv in interviews],
        "heatmap": heat,
        "max": top,
        "frequencies": frequencies,
    }
