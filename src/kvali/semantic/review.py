"""Suggestions stored for review: run, list, accept (which codes the span) or reject.

Nothing here writes a coding except :func:`accept_suggestion`, and only for one suggestion the
researcher named; every decision goes into the event log with who made it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.codings.cycles import current_cycle_id
from kvali.codings.service import add_coding
from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, NotFoundError
from kvali.events.service import current_actor, log_event
from kvali.interviews.service import interview_id
from kvali.semantic.models import load_embedder
from kvali.semantic.service import index_for, open_store, segment_query
from kvali.semantic.tables import code_suggestions as cs
from kvali.semantic.training import study_model
from kvali.util import now


def suggest_for_study(
    conn: sa.Connection,
    study_id: int,
    *,
    project_path: Path,
    model: str | None = None,
    interview: str | int | None = None,
    threshold: float | None = None,
    top: int = 3,
    role: str | None = "participant",
    include_coded: bool = False,
    level: str = "code",
    learn: bool | None = None,
) -> dict[str, Any]:
    """Store pending suggestions for indexed segments (update the index first).

    The suggester is learned from the study's codings at ``level`` when there are enough, unless
    zero-shot measured clearly better on them (``learn=None``; False: zero-shot from the
    codebook; see ``semantic.training.study_model``).
    Segments already carrying a live coding are skipped unless ``include_coded``; a span never
    gets the same code suggested twice (a rejection stands). Pending suggestions on transcripts
    edited since are marked ``stale``. Returns counts and the suggester's summary (mode,
    held-out agreement with the researcher's codings).
    """
    emb = load_embedder(model)
    index_id = index_for(conn, emb.info, create=False)
    if index_id is None:
        raise InputError("no semantic index yet: run 'kvali semantic index'")
    suggester = study_model(
        conn,
        study_id,
        project_path=project_path,
        level=level,
        embedder=emb,
        threshold=threshold,
        top=top,
        learn=learn,
    )
    source = "learned" if suggester.learned else "deductive"
    tr = t.transcripts
    stale = (
        cs.update()
        .where(
            cs.c.study_id == study_id,
            cs.c.status == "pending",
            cs.c.transcript_version
            != sa.select(tr.c.version).where(tr.c.id == cs.c.transcript_id).scalar_subquery(),
        )
        .values(status="stale")
    )
    n_stale = conn.execute(stale).rowcount
    q = segment_query(conn, study_id, index_id)
    if interview is not None:
        q = q.where(t.interviews.c.id == interview_id(conn, study_id, interview))
    if role:
        q = q.where(t.turns.c.role == role)
    segs = [dict(r) for r in conn.execute(q.order_by("transcript_id", "start_char")).mappings()]
    cycle = current_cycle_id(conn, study_id, create=False) or -1
    coded = _coded_spans(conn, cycle, {s["transcript_id"] for s in segs})
    seen = {
        (r.transcript_id, r.start_char, r.end_char, r.code_id)
        for r in conn.execute(
            sa.select(cs.c.transcript_id, cs.c.start_char, cs.c.end_char, cs.c.code_id).where(
                cs.c.study_id == study_id, cs.c.status != "stale"
            )
        )
    }
    versions = dict(conn.execute(sa.select(tr.c.id, tr.c.version)).all())
    if not include_coded:
        segs = [s for s in segs if not _overlaps(coded.get(s["transcript_id"], []), s)]
    store = open_store(project_path, emb.info)
    rows: list[dict[str, Any]] = []
    for i in range(0, len(segs), 512):
        chunk = segs[i : i + 512]
        sims = suggester.scores(store.get([s["row"] for s in chunk]))
        for seg, row in zip(chunk, sims, strict=True):
            for rank, (code, score) in enumerate(suggester.rank(row), start=1):
                key = (seg["transcript_id"], seg["start_char"], seg["end_char"], code.id)
                if key in seen:
                    continue
                seen.add(key)
                rows.append(
                    {
                        "study_id": study_id,
                        "transcript_id": seg["transcript_id"],
                        "code_id": code.id,
                        "transcript_version": versions[seg["transcript_id"]],
                        "start_char": seg["start_char"],
                        "end_char": seg["end_char"],
                        "score": round(score, 4),
                        "rank": rank,
                        "source": source,
                        "model_sha256": emb.info.sha256,
                        "status": "pending",
                        "created_at": now(),
                    }
                )
    if rows:
        conn.execute(cs.insert(), rows)
    summary = suggester.summary()
    evaluation = summary["evaluation"] or {}
    log_event(
        conn,
        study_id=study_id,
        action="suggest",
        entity="code_suggestion",
        payload={
            "created": len(rows),
            "segments": len(segs),
            "stale": n_stale,
            "level": level,
            "mode": suggester.mode,
            "codings": evaluation.get("codings", 0),
            "kappa": (evaluation.get("learned") or {}).get("kappa"),
        },
    )
    return {"segments": len(segs), "created": len(rows), "stale": n_stale, "model": summary}


def _coded_spans(
    conn: sa.Connection, cycle: int, transcript_ids: set[int]
) -> dict[int, list[tuple[int, int]]]:
    c = t.codings
    out: dict[int, list[tuple[int, int]]] = {}
    if not transcript_ids:
        return out
    for r in conn.execute(
        sa.select(c.c.transcript_id, c.c.start_char, c.c.end_char).where(
            c.c.cycle_id == cycle,
            c.c.removed_at.is_(None),
            c.c.transcript_id.in_(sorted(transcript_ids)),
        )
    ):
        out.setdefault(r.transcript_id, []).append((r.start_char, r.end_char))
    return out


def _overlaps(spans: list[tuple[int, int]], seg: dict[str, Any]) -> bool:
    return any(a < seg["end_char"] and b > seg["start_char"] for a, b in spans)


def list_suggestions(
    conn: sa.Connection,
    study_id: int,
    *,
    status: str | None = "pending",
    interview: str | int | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    tu, tr, iv, c = t.turns, t.transcripts, t.interviews, t.codes
    q = (
        sa.select(
            cs.c.id,
            cs.c.status,
            cs.c.score,
            cs.c.rank,
            cs.c.source,
            cs.c.transcript_id,
            cs.c.start_char,
            cs.c.end_char,
            c.c.name.label("code"),
            iv.c.label.label("interview"),
            tu.c.speaker,
            tu.c.start_char.label("turn_start"),
            tu.c.text.label("turn_text"),
        )
        .join(c, c.c.id == cs.c.code_id)
        .join(tr, tr.c.id == cs.c.transcript_id)
        .join(iv, iv.c.id == tr.c.interview_id)
        .join(
            tu,
            sa.and_(
                tu.c.transcript_id == cs.c.transcript_id,
                tu.c.start_char <= cs.c.start_char,
                tu.c.end_char >= cs.c.end_char,
            ),
            isouter=True,
        )
        .where(cs.c.study_id == study_id)
        .order_by(cs.c.transcript_id, cs.c.start_char, cs.c.rank)
        .limit(limit)
    )
    if status:
        q = q.where(cs.c.status == status)
    if interview is not None:
        q = q.where(iv.c.id == interview_id(conn, study_id, interview))
    out = []
    for r in conn.execute(q).mappings():
        row = dict(r)
        text, start = row.pop("turn_text"), row.pop("turn_start")
        row["quote"] = (
            text[row["start_char"] - start : row["end_char"] - start] if text is not None else ""
        )
        out.append(row)
    return out


def _pending(conn: sa.Connection, study_id: int, suggestion_id: int) -> Any:
    error = NotFoundError("no suggestion {suggestion_id}", suggestion_id=suggestion_id)
    row = get_or_404(conn, cs, suggestion_id, study_id=study_id, error=error)
    if row["status"] != "pending":
        raise InputError(
            "suggestion {suggestion_id} is {status}, not pending",
            suggestion_id=suggestion_id,
            status=row["status"],
        )
    return row


def accept_suggestion(
    conn: sa.Connection, study_id: int, suggestion_id: int, *, coder: str | None = None
) -> int:
    """Code the suggested span with the suggested code (current cycle); returns the coding id."""
    row = _pending(conn, study_id, suggestion_id)
    version = conn.execute(
        sa.select(t.transcripts.c.version).where(t.transcripts.c.id == row["transcript_id"])
    ).scalar()
    if version != row["transcript_version"]:
        conn.execute(cs.update().where(cs.c.id == row["id"]).values(status="stale"))
        raise InputError(
            "the transcript changed after suggestion {suggestion_id} was made; run 'kvali suggest run' again",
            suggestion_id=suggestion_id,
        )
    coding = add_coding(
        conn,
        study_id,
        transcript_id=row["transcript_id"],
        code=row["code_id"],
        start=row["start_char"],
        end=row["end_char"],
        coder=coder or current_actor(),
    )
    _decide(conn, study_id, row["id"], "accepted", coding_id=coding)
    return coding


def reject_suggestion(conn: sa.Connection, study_id: int, suggestion_id: int) -> None:
    row = _pending(conn, study_id, suggestion_id)
    _decide(conn, study_id, row["id"], "rejected")


def _decide(
    conn: sa.Connection, study_id: int, sid: int, status: str, *, coding_id: int | None = None
) -> None:
    conn.execute(
        cs.update()
        .where(cs.c.id == sid)
        .values(status=status, coding_id=coding_id, decided_at=now(), decided_by=current_actor())
    )
    log_event(
        conn,
        study_id=study_id,
        action="accept" if status == "accepted" else "reject",
        entity="code_suggestion",
        entity_id=sid,
        payload={"coding_id": coding_id} if coding_id else {},
    )
