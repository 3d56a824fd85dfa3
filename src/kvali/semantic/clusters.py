"""Inductive suggestions: candidate categories from uncoded or first-cycle segments.

Spherical k-means over segment vectors groups what participants said alike; each group gets
representative quotes (nearest its centre) and a provisional label of its most characteristic
words (class-based TF-IDF: frequent in this group, rare in the others). The researcher names,
merges or rejects candidates; naming one may create a code, whose codings are then only
*suggested*, never applied.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.codes.service import create_code as _create_code
from kvali.codings.cycles import current_cycle_id, cycle_id_by_number
from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, NotFoundError
from kvali.events.service import log_event
from kvali.semantic.models import load_embedder
from kvali.semantic.service import index_for, open_store, segment_query
from kvali.semantic.tables import code_suggestions as cs
from kvali.semantic.tables import semantic_cluster_members as scm
from kvali.semantic.tables import semantic_clusters as sc
from kvali.util import now

_WORD = re.compile(r"[^\W\d_]{3,}")
STOPWORDS = set(
    """og det som er jeg vi har til på med for ikke at den de en et av så var men om kan
    seg meg oss dere deg han hun man må skal vil blir ble være vært har hadde eller fra etter
    når hva hvor hvordan hvorfor noe noen alle mye mer mest litt veldig bare også jo nå der her
    sånn slik eller liksom egentlig ganske altså ja nei nok fordi dette disse denne sin sitt sine
    våre vår vårt min mitt mine din ditt the and that this with for are was were have has had not
    but they them their what when where which who how you your our ours all some very just also
    then than from into about there here would could should been being its it's i'm we're don't
    like really think thing things yes well hvis tror selv bli igjen ved ett enn andre annen
    annet får fikk gjør gjøre gjort går gikk kom komme sier sagt tenker tenke synes mener helt
    alltid aldri både hele hver hvert egen eget egne over under mellom uten inn opp ned mange
    flere første sånt sånne kanskje faktisk klart vel nettopp dem deres hans hennes ingen
    ingenting mens måtte kunne skulle ville burde sitter står gang""".split()
)


def kmeans(x: Any, k: int, *, iters: int = 30, seed: int = 0) -> tuple[Any, Any]:
    """Spherical k-means with k-means++ seeding (deterministic); returns labels and centres."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d = 1 - np.max(x @ np.array(centres).T, axis=1)
        d = np.clip(d, 0, None) ** 2
        centres.append(x[rng.choice(len(x), p=d / d.sum())] if d.sum() > 0 else x[0])
    c = np.array(centres)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iters):
        new = np.argmax(x @ c.T, axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                m = members.sum(0)
                c[j] = m / (np.linalg.norm(m) or 1)
    return labels, c


def ctfidf_labels(docs_by_cluster: list[list[str]], top: int = 3) -> list[list[str]]:
    """Most characteristic words per cluster: tf in the cluster × log(1 + avg words / df)."""
    counts = [Counter(w for d in docs for w in _words(d)) for docs in docs_by_cluster]
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    avg = sum(total.values()) / max(len(counts), 1)
    out = []
    for c in counts:
        n = sum(c.values()) or 1
        scored = {w: (f / n) * math.log(1 + avg / total[w]) for w, f in c.items() if f > 1}
        out.append([w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top]])
    return out


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def propose_clusters(
    conn: sa.Connection,
    study_id: int,
    *,
    project_path: Path,
    model: str | None = None,
    source: str = "uncoded",
    k: int | None = None,
    quotes: int = 3,
) -> list[dict[str, Any]]:
    """Replace the study's open candidates with fresh ones; returns them with quotes."""
    import numpy as np

    if source not in ("uncoded", "first_cycle"):
        raise InputError("source must be 'uncoded' or 'first_cycle'")
    emb = load_embedder(model)
    index_id = index_for(conn, emb.info, create=False)
    if index_id is None:
        raise InputError("no semantic index yet: run 'kvali semantic index'")
    segs = [
        dict(r)
        for r in conn.execute(
            segment_query(conn, study_id, index_id).where(t.turns.c.role == "participant")
        ).mappings()
    ]
    c = t.codings
    if source == "uncoded":
        cycle = current_cycle_id(conn, study_id, create=False) or -1
    else:
        cycle = cycle_id_by_number(conn, study_id, 1)
    spans: dict[int, list[tuple[int, int]]] = {}
    for r in conn.execute(
        sa.select(c.c.transcript_id, c.c.start_char, c.c.end_char).where(
            c.c.cycle_id == cycle, c.c.removed_at.is_(None)
        )
    ):
        spans.setdefault(r.transcript_id, []).append((r.start_char, r.end_char))

    def coded(s: dict[str, Any]) -> bool:
        return any(
            a < s["end_char"] and b > s["start_char"] for a, b in spans.get(s["transcript_id"], [])
        )

    segs = [s for s in segs if coded(s) == (source == "first_cycle")]
    if len(segs) < 4:
        raise InputError(
            "too few {source} segments to cluster ({n_segs})",
            source=source.replace("_", "-"),
            n_segs=len(segs),
        )
    k = k or max(2, min(12, round(math.sqrt(len(segs) / 2))))
    k = min(k, len(segs) // 2)
    x = open_store(project_path, emb.info).get([s["row"] for s in segs])
    labels, centres = kmeans(x, k)
    sims = np.sum(x * centres[labels], axis=1)
    texts = [
        s["turn_text"][s["start_char"] - s["turn_start"] : s["end_char"] - s["turn_start"]]
        for s in segs
    ]
    groups = [[i for i in range(len(segs)) if labels[i] == j] for j in range(k)]
    groups = [g for g in groups if g]
    words = ctfidf_labels([[texts[i] for i in g] for g in groups])
    conn.execute(sc.delete().where(sc.c.study_id == study_id, sc.c.status == "candidate"))
    out = []
    for g, label in sorted(zip(groups, words, strict=True), key=lambda gw: -len(gw[0])):
        order = sorted(g, key=lambda i: -sims[i])
        cid = conn.execute(
            sc.insert()
            .values(
                study_id=study_id,
                label=" · ".join(label) or "(no label)",
                status="candidate",
                source=source,
                size=len(g),
                created_at=now(),
            )
            .returning(sc.c.id)
        ).scalar_one()
        conn.execute(
            scm.insert(),
            [
                {
                    "cluster_id": cid,
                    "segment_id": segs[i]["segment_id"],
                    "score": round(float(sims[i]), 4),
                    "representative": n < quotes,
                }
                for n, i in enumerate(order)
            ],
        )
        out.append(
            {
                "id": cid,
                "label": " · ".join(label),
                "size": len(g),
                "quotes": [
                    {"interview": segs[i]["interview"], "text": texts[i]} for i in order[:quotes]
                ],
            }
        )
    log_event(
        conn,
        study_id=study_id,
        action="propose",
        entity="semantic_cluster",
        payload={"clusters": len(out), "segments": len(segs), "source": source},
    )
    return out


def list_clusters(conn: sa.Connection, study_id: int, *, quotes: int = 3) -> list[dict[str, Any]]:
    ss = t.turns
    from kvali.semantic.tables import semantic_segments as seg

    out = []
    for cl in conn.execute(
        sa.select(sc).where(sc.c.study_id == study_id).order_by(sc.c.size.desc(), sc.c.id)
    ).mappings():
        q = (
            sa.select(seg.c.start_char, seg.c.end_char, ss.c.start_char.label("ts"), ss.c.text)
            .select_from(scm.join(seg, seg.c.id == scm.c.segment_id))
            .join(ss, ss.c.id == seg.c.turn_id)
            .where(scm.c.cluster_id == cl["id"])
            .order_by(scm.c.score.desc())
            .limit(quotes)
        )
        members = conn.execute(
            sa.select(sa.func.count()).where(scm.c.cluster_id == cl["id"])
        ).scalar_one()
        out.append(
            dict(cl)
            | {
                "members": members,
                "quotes": [
                    r.text[r.start_char - r.ts : r.end_char - r.ts] for r in conn.execute(q)
                ],
            }
        )
    return out


def _cluster(conn: sa.Connection, study_id: int, cluster_id: int) -> Any:
    error = NotFoundError("no candidate category {cluster_id}", cluster_id=cluster_id)
    return get_or_404(conn, sc, cluster_id, study_id=study_id, error=error)


def name_cluster(
    conn: sa.Connection,
    study_id: int,
    cluster_id: int,
    name: str,
    *,
    create_code: bool = False,
    parent: str | int | None = None,
    model_sha256: str = "",
) -> dict[str, Any]:
    """Name a candidate; with ``create_code`` also make it a code and *suggest* (not apply) it
    for the members' spans."""
    row = _cluster(conn, study_id, cluster_id)
    if row["status"] in ("merged", "rejected"):
        raise InputError(
            "candidate {cluster_id} was {status}", cluster_id=cluster_id, status=row["status"]
        )
    values: dict[str, Any] = {"name": name.strip(), "status": "named"}
    created = 0
    if create_code:
        from kvali.semantic.tables import semantic_segments as seg

        code = _create_code(conn, study_id, name=name, parent=parent)
        values["code_id"] = code
        tr = t.transcripts
        members = conn.execute(
            sa.select(
                seg.c.transcript_id, seg.c.start_char, seg.c.end_char, scm.c.score, tr.c.version
            )
            .select_from(scm.join(seg, seg.c.id == scm.c.segment_id))
            .join(tr, tr.c.id == seg.c.transcript_id)
            .where(scm.c.cluster_id == cluster_id)
        ).all()
        if members:
            conn.execute(
                cs.insert(),
                [
                    {
                        "study_id": study_id,
                        "transcript_id": m.transcript_id,
                        "code_id": code,
                        "transcript_version": m.version,
                        "start_char": m.start_char,
                        "end_char": m.end_char,
                        "score": m.score,
                        "rank": 1,
                        "source": "cluster",
                        "model_sha256": model_sha256,
                        "status": "pending",
                        "created_at": now(),
                    }
                    for m in members
                ],
            )
        created = len(members)
    conn.execute(sc.update().where(sc.c.id == cluster_id).values(**values))
    log_event(
        conn,
        study_id=study_id,
        action="name",
        entity="semantic_cluster",
        entity_id=cluster_id,
        payload={"code_id": values.get("code_id"), "suggestions": created},
    )
    return {
        "id": cluster_id,
        "name": values["name"],
        "code_id": values.get("code_id"),
        "suggestions": created,
    }


def merge_clusters(conn: sa.Connection, study_id: int, ids: list[int], *, into: int) -> int:
    """Move the members of ``ids`` into candidate ``into``; returns its new size."""
    target = _cluster(conn, study_id, into)
    for cid in ids:
        if cid == into:
            continue
        _cluster(conn, study_id, cid)
        moved = conn.execute(
            sa.select(scm.c.segment_id, scm.c.score).where(scm.c.cluster_id == cid)
        ).all()
        have = {
            s for (s,) in conn.execute(sa.select(scm.c.segment_id).where(scm.c.cluster_id == into))
        }
        new = [
            {"cluster_id": into, "segment_id": s, "score": sc_, "representative": False}
            for s, sc_ in moved
            if s not in have
        ]
        if new:
            conn.execute(scm.insert(), new)
        conn.execute(scm.delete().where(scm.c.cluster_id == cid))
        conn.execute(
            sc.update().where(sc.c.id == cid).values(status="merged", merged_into_id=into, size=0)
        )
    size = conn.execute(sa.select(sa.func.count()).where(scm.c.cluster_id == into)).scalar_one()
    conn.execute(sc.update().where(sc.c.id == target["id"]).values(size=size))
    log_event(
        conn,
        study_id=study_id,
        action="merge",
        entity="semantic_cluster",
        entity_id=into,
        payload={"from": ids},
    )
    return size


def reject_cluster(conn: sa.Connection, study_id: int, cluster_id: int) -> None:
    _cluster(conn, study_id, cluster_id)
    conn.execute(sc.update().where(sc.c.id == cluster_id).values(status="rejected"))
    log_event(
        conn, study_id=study_id, action="reject", entity="semantic_cluster", entity_id=cluster_id
    )
