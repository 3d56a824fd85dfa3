"""The semantic index of a project: build and update it incrementally, search it, forget data.

Only changed segments are embedded again: a transcript whose ``version`` is unchanged is
skipped; otherwise its turns are re-segmented and a segment whose text hash is already indexed
keeps its vector (only its offsets move). Vectors of different models live in different files
and are looked up through ``semantic_indexes`` by the sha256 of the model's weights.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError
from kvali.events.service import log_event
from kvali.search.service import filter_passages
from kvali.semantic.models import Embedder, ModelInfo, load_embedder
from kvali.semantic.segments import segment_turns
from kvali.semantic.tables import semantic_indexes as si
from kvali.semantic.tables import semantic_segments as ss
from kvali.util import normalize_text, now

BATCH = 64


def index_for(conn: sa.Connection, info: ModelInfo, *, create: bool = True) -> int | None:
    """The index id of this model (by weights sha256), created on first use."""
    iid = conn.execute(sa.select(si.c.id).where(si.c.model_sha256 == info.sha256)).scalar()
    if iid is None and create:
        iid = conn.execute(
            si.insert()
            .values(
                model_id=info.id,
                model_version=info.version,
                model_sha256=info.sha256,
                dim=info.dim,
                folder=info.folder,
                created_at=now(),
            )
            .returning(si.c.id)
        ).scalar_one()
    return iid


def open_store(project_path: Path, info: ModelInfo) -> Any:
    from kvali.semantic.store import VectorStore

    return VectorStore.for_model(project_path, info)


def _study_transcripts(conn: sa.Connection, study_id: int) -> list[tuple[int, int]]:
    tr, iv = t.transcripts, t.interviews
    q = (
        sa.select(tr.c.id, tr.c.version)
        .join(iv, iv.c.id == tr.c.interview_id)
        .where(iv.c.study_id == study_id)
        .order_by(tr.c.id)
    )
    return [(r.id, r.version) for r in conn.execute(q)]


def update_index(
    conn: sa.Connection,
    study_id: int,
    *,
    project_path: Path,
    model: str | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Bring the study's index up to date; returns counts (embedded, reused, removed)."""
    emb = embedder or load_embedder(model)
    index_id = index_for(conn, emb.info)
    store = open_store(project_path, emb.info)
    stats = {"transcripts": 0, "updated": 0, "embedded": 0, "reused": 0, "removed": 0}
    for tid, version in _study_transcripts(conn, study_id):
        stats["transcripts"] += 1
        old = conn.execute(
            sa.select(ss.c.id, ss.c.transcript_version, ss.c.text_hash, ss.c.row).where(
                ss.c.index_id == index_id, ss.c.transcript_id == tid
            )
        ).all()
        if old and all(r.transcript_version == version for r in old):
            continue
        turns = conn.execute(
            sa.select(t.turns.c.id, t.turns.c.start_char, t.turns.c.text)
            .where(t.turns.c.transcript_id == tid)
            .order_by(t.turns.c.position)
        ).mappings()
        segments = segment_turns(turns)
        pool: dict[str, list[Any]] = defaultdict(list)
        for r in old:
            pool[r.text_hash].append(r)
        fresh = []
        for seg in segments:
            if pool.get(seg.text_hash):
                r = pool[seg.text_hash].pop()
                conn.execute(
                    ss.update()
                    .where(ss.c.id == r.id)
                    .values(
                        turn_id=seg.turn_id,
                        start_char=seg.start_char,
                        end_char=seg.end_char,
                        transcript_version=version,
                    )
                )
                stats["reused"] += 1
            else:
                fresh.append(seg)
        gone = [r for rows in pool.values() for r in rows]
        if gone:
            conn.execute(ss.delete().where(ss.c.id.in_([r.id for r in gone])))
            store.zero([r.row for r in gone])
            stats["removed"] += len(gone)
        for i in range(0, len(fresh), BATCH):
            batch = fresh[i : i + BATCH]
            rows = store.append(emb.passages([s.text for s in batch]))
            conn.execute(
                ss.insert(),
                [
                    {
                        "index_id": index_id,
                        "transcript_id": tid,
                        "turn_id": s.turn_id,
                        "transcript_version": version,
                        "start_char": s.start_char,
                        "end_char": s.end_char,
                        "text_hash": s.text_hash,
                        "row": row,
                    }
                    for s, row in zip(batch, rows, strict=True)
                ],
            )
            if progress:
                progress(f"transcript {tid}: {min(i + BATCH, len(fresh))}/{len(fresh)} embedded")
        stats["embedded"] += len(fresh)
        stats["updated"] += 1
    if stats["updated"]:
        log_event(
            conn,
            study_id=study_id,
            action="update_index",
            entity="semantic_index",
            entity_id=index_id,
            payload={k: v for k, v in stats.items()} | {"model_sha256": emb.info.sha256},
        )
    return stats | {"model": emb.info.id, "model_sha256": emb.info.sha256}


def index_status(conn: sa.Connection, study_id: int, *, info: ModelInfo) -> dict[str, Any]:
    """How many transcripts are indexed, stale (edited since) or missing for this model."""
    index_id = index_for(conn, info, create=False)
    versions = dict(
        conn.execute(
            sa.select(ss.c.transcript_id, sa.func.min(ss.c.transcript_version))
            .where(ss.c.index_id == (index_id or -1))
            .group_by(ss.c.transcript_id)
        ).all()
    )
    out = {"indexed": 0, "stale": 0, "missing": 0, "segments": 0}
    for tid, version in _study_transcripts(conn, study_id):
        if tid not in versions:
            out["missing"] += 1
        elif versions[tid] != version:
            out["stale"] += 1
        else:
            out["indexed"] += 1
    out["segments"] = conn.execute(
        sa.select(sa.func.count()).where(ss.c.index_id == (index_id or -1))
    ).scalar_one()
    return out


def segment_query(conn: sa.Connection, study_id: int, index_id: int) -> sa.Select:
    """Segments of one index in one study, with the columns search hits and reports need."""
    tu, tr, iv = t.turns, t.transcripts, t.interviews
    return (
        sa.select(
            ss.c.id.label("segment_id"),
            ss.c.row,
            ss.c.transcript_id,
            ss.c.turn_id,
            ss.c.start_char,
            ss.c.end_char,
            tu.c.start_char.label("turn_start"),
            tu.c.text.label("turn_text"),
            tu.c.speaker,
            tu.c.role,
            tu.c.start_ms,
            tu.c.participant_id,
            iv.c.id.label("interview_id"),
            iv.c.label.label("interview"),
            iv.c.mode,
        )
        .select_from(ss.join(tu, tu.c.id == ss.c.turn_id))
        .join(tr, tr.c.id == ss.c.transcript_id)
        .join(iv, iv.c.id == tr.c.interview_id)
        .where(ss.c.index_id == index_id, iv.c.study_id == study_id)
    )


def _filtered(
    conn: sa.Connection,
    study_id: int,
    q: sa.Select,
    *,
    code: str | int | None,
    attribute: tuple[str, str] | None,
    mode: str | None,
    interview: str | int | None,
    role: str | None,
    viewer: str | None,
) -> sa.Select:
    """The filters of full-text search, on segments (a code must overlap the segment with a
    coding ``viewer`` may see)."""
    return filter_passages(
        conn, study_id, q, span=(ss.c.transcript_id, ss.c.start_char, ss.c.end_char),
        code=code, attribute=attribute, mode=mode, interview=interview, role=role, viewer=viewer,
    )  # fmt: skip


def hit(row: dict[str, Any], score: float) -> dict[str, Any]:
    """A search hit shaped like full-text hits (interview, speaker, snippet, matches) + score."""
    a, b = row["start_char"] - row["turn_start"], row["end_char"] - row["turn_start"]
    text = row["turn_text"][a:b]
    return {
        "segment_id": row["segment_id"],
        "turn_id": row["turn_id"],
        "transcript_id": row["transcript_id"],
        "interview": row["interview"],
        "mode": row["mode"],
        "speaker": row["speaker"],
        "role": row["role"],
        "start_ms": row["start_ms"],
        "start_char": row["start_char"],
        "end_char": row["end_char"],
        "text": text,
        "snippet": text if len(text) <= 240 else text[:239] + "…",
        "matches": [(row["start_char"], row["end_char"])],
        "score": round(float(score), 4),
    }


def semantic_search(
    conn: sa.Connection,
    study_id: int,
    query: str,
    *,
    project_path: Path,
    model: str | None = None,
    code: str | int | None = None,
    attribute: tuple[str, str] | None = None,
    mode: str | None = None,
    interview: str | int | None = None,
    role: str | None = None,
    limit: int = 20,
    min_score: float | None = None,
    viewer: str | None = None,
) -> list[dict[str, Any]]:
    """Segments nearest in meaning to ``query`` (any language), best first, with filters (the
    code filter as ``viewer`` may see the codings)."""
    query = normalize_text(query).strip()
    if not query:
        raise InputError("the search query is empty")
    emb = load_embedder(model)
    index_id = index_for(conn, emb.info, create=False)
    if index_id is None:
        raise InputError(
            "no semantic index for model {id!r} yet: run 'kvali semantic index'", id=emb.info.id
        )
    store = open_store(project_path, emb.info)
    qv = emb.queries([query])[0]
    base = _filtered(
        conn,
        study_id,
        segment_query(conn, study_id, index_id),
        code=code,
        attribute=attribute,
        mode=mode,
        interview=interview,
        role=role,
        viewer=viewer,
    )
    # Fast path: the best rows of the whole matrix, then the filters on those few in SQL.
    rows, scores = store.top(qv, max(limit * 5, 50))
    found = _rows_meta(conn, base, rows)
    hits = [
        hit(found[r], s) for r, s in zip(rows.tolist(), scores.tolist(), strict=True) if r in found
    ]
    if len(hits) < limit and len(rows) < store.rows:
        # Filters kept too few: score exactly the rows that pass them.
        meta = {r["row"]: r for r in conn.execute(base).mappings()}
        allowed = sorted(meta)
        rows, scores = store.top(qv, limit, rows=allowed) if allowed else ([], [])
        hits = [hit(meta[r], s) for r, s in zip(list(rows), list(scores), strict=True)]
    if min_score is not None:
        hits = [h for h in hits if h["score"] >= min_score]
    return [h for h in hits if h["score"] > 0][:limit]


def _rows_meta(conn: sa.Connection, base: sa.Select, rows: Any) -> dict[int, dict[str, Any]]:
    rows = [int(r) for r in rows]
    if not rows:
        return {}
    return {r["row"]: dict(r) for r in conn.execute(base.where(ss.c.row.in_(rows))).mappings()}


def forget_transcripts(project: Any, transcript_ids: list[int]) -> int:
    """Erase the vectors of these transcripts (a withdrawn participant) from every index file.

    Deletes their segments and overwrites, in place, every vector row no segment refers to any
    more (rows of segments that foreign keys already cascaded away included), and deletes the
    learned suggesters' caches (vectors of coded text, evaluations). Opens its own transaction;
    call it after the withdrawal has committed. Returns the rows zeroed.
    """
    from kvali.semantic.store import VectorStore
    from kvali.semantic.tables import semantic_cluster_members as scm
    from kvali.semantic.tables import semantic_clusters as sc

    zeroed = 0
    with project.begin() as conn:
        if transcript_ids:
            conn.execute(ss.delete().where(ss.c.transcript_id.in_(list(transcript_ids))))
        # Candidate labels are words of the members' text: drop candidates that lost members,
        # and blank the label of named ones (the researcher's name stays).
        members = sa.select(sa.func.count()).where(scm.c.cluster_id == sc.c.id).scalar_subquery()
        conn.execute(sc.delete().where(sc.c.status == "candidate", members < sc.c.size))
        conn.execute(sc.update().where(members < sc.c.size).values(label="", size=members))
        for idx in conn.execute(sa.select(si)).mappings():
            store = VectorStore(project.path, idx["folder"], idx["dim"])
            live = {
                r for (r,) in conn.execute(sa.select(ss.c.row).where(ss.c.index_id == idx["id"]))
            }
            dead = [r for r in range(store.rows) if r not in live]
            store.zero(dead)
            zeroed += len(dead)
    from kvali.semantic.training import forget_learned

    forget_learned(project.path)
    return zeroed
