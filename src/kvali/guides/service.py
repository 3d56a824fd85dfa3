"""The interview guide as a tree: topic → questions → prompt keywords (DOMAIN step 2)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, NotFoundError
from kvali.events.service import insert_logged, log_event, update_logged

KIND_BELOW = {None: "topic", "topic": "question", "question": "keyword"}


def add_node(conn: sa.Connection, study_id: int, *, text: str, parent_id: int | None = None) -> int:
    """Add a topic (no parent), a question (under a topic) or a keyword (under a question)."""
    text = text.strip()
    if not text:
        raise InputError("a guide entry needs text")
    parent_kind = None
    if parent_id is not None:
        parent_kind = conn.execute(
            sa.select(t.guide_nodes.c.kind).where(
                t.guide_nodes.c.id == parent_id, t.guide_nodes.c.study_id == study_id
            )
        ).scalar()
        if parent_kind is None:
            raise InputError("no guide entry {parent_id}", parent_id=parent_id)
    kind = KIND_BELOW.get(parent_kind)
    if kind is None:
        raise InputError("prompt keywords cannot have children")
    pos = conn.execute(
        sa.select(sa.func.count())
        .select_from(t.guide_nodes)
        .where(
            t.guide_nodes.c.study_id == study_id,
            t.guide_nodes.c.parent_id.is_(None)
            if parent_id is None
            else t.guide_nodes.c.parent_id == parent_id,
        )
    ).scalar()
    return insert_logged(
        conn,
        t.guide_nodes,
        {"study_id": study_id, "parent_id": parent_id, "kind": kind, "position": pos, "text": text},
        study_id=study_id,
        entity="guide_node",
        payload={"kind": kind},
    )


def get_guide(conn: sa.Connection, study_id: int) -> dict[str, Any]:
    """``{"introduction": str, "topics": [{"id", "text", "questions": [{"id", "text", "keywords": [...]}]}]}``"""
    rows = [
        dict(r)
        for r in conn.execute(
            sa.select(t.guide_nodes)
            .where(t.guide_nodes.c.study_id == study_id)
            .order_by(t.guide_nodes.c.position, t.guide_nodes.c.id)
        ).mappings()
    ]
    kids: dict[int | None, list[dict[str, Any]]] = {}
    for r in rows:
        kids.setdefault(r["parent_id"], []).append(r)
    intro = (
        conn.execute(
            sa.select(t.studies.c.guide_introduction).where(t.studies.c.id == study_id)
        ).scalar()
        or ""
    )
    return {
        "introduction": intro,
        "topics": [
            {
                "id": tp["id"],
                "text": tp["text"],
                "questions": [
                    {
                        "id": q["id"],
                        "text": q["text"],
                        "keywords": [k["text"] for k in kids.get(q["id"], [])],
                    }
                    for q in kids.get(tp["id"], [])
                ],
            }
            for tp in kids.get(None, [])
        ],
    }


def replace_guide(conn: sa.Connection, study_id: int, guide: dict[str, Any]) -> dict[str, int]:
    """Replace the whole guide (import from YAML/Markdown) in the caller's transaction."""
    topics = guide.get("topics")
    if not isinstance(topics, list):
        raise InputError("a guide needs a list of topics")
    # Delete deepest first so the self-referencing foreign key never blocks.
    for kind in ("keyword", "question", "topic"):
        conn.execute(
            t.guide_nodes.delete().where(
                t.guide_nodes.c.study_id == study_id, t.guide_nodes.c.kind == kind
            )
        )
    counts = {"topics": 0, "questions": 0, "keywords": 0}
    for i, topic in enumerate(topics, start=1):
        if not isinstance(topic, dict) or not str(topic.get("text", "")).strip():
            raise InputError("topic {i} needs text", i=i)
        tid = add_node(conn, study_id, text=str(topic["text"]))
        counts["topics"] += 1
        for j, q in enumerate(topic.get("questions") or [], start=1):
            if isinstance(q, str):
                q = {"text": q}
            if not isinstance(q, dict) or not str(q.get("text", "")).strip():
                raise InputError("topic {i}, question {j} needs text", i=i, j=j)
            qid = add_node(conn, study_id, text=str(q["text"]), parent_id=tid)
            counts["questions"] += 1
            for kw in q.get("keywords") or []:
                add_node(conn, study_id, text=str(kw), parent_id=qid)
                counts["keywords"] += 1
    intro = str(guide.get("introduction") or "").strip()
    conn.execute(
        t.studies.update().where(t.studies.c.id == study_id).values(guide_introduction=intro)
    )
    log_event(
        conn,
        study_id=study_id,
        action="replace",
        entity="guide",
        entity_id=study_id,
        payload=counts,
    )
    return counts


def list_nodes(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    """Every guide entry as a flat row (id, parent_id, kind, position, text): what an editor of
    single entries needs, since ``get_guide`` gives keywords as bare text."""
    gn = t.guide_nodes
    return [
        dict(r)
        for r in conn.execute(
            sa.select(gn.c.id, gn.c.parent_id, gn.c.kind, gn.c.position, gn.c.text)
            .where(gn.c.study_id == study_id)
            .order_by(gn.c.position, gn.c.id)
        ).mappings()
    ]


def _node(conn: sa.Connection, study_id: int, node_id: int) -> Any:
    return get_or_404(
        conn,
        t.guide_nodes,
        node_id,
        study_id=study_id,
        error=NotFoundError("no guide entry {node_id}", node_id=node_id),
    )


def update_node(conn: sa.Connection, study_id: int, node_id: int, *, text: str) -> None:
    """Reword one topic, question or keyword; its place in the tree stays."""
    text = text.strip()
    if not text:
        raise InputError("a guide entry needs text")
    row = _node(conn, study_id, node_id)
    update_logged(
        conn,
        t.guide_nodes,
        node_id,
        {"text": text},
        study_id=study_id,
        entity="guide_node",
        payload={"kind": row["kind"], "old": row["text"], "new": text},
    )


def delete_node(conn: sa.Connection, study_id: int, node_id: int) -> dict[str, int]:
    """Delete one entry with everything below it (a question takes its keywords, a topic its
    questions and their keywords: an orphaned keyword means nothing). The siblings that follow
    move up, so positions stay 0..n-1 and a new entry lands last. Returns what was deleted."""
    row = _node(conn, study_id, node_id)
    gn = t.guide_nodes
    levels = [[node_id]]
    while levels[-1]:
        levels.append(
            list(conn.execute(sa.select(gn.c.id).where(gn.c.parent_id.in_(levels[-1]))).scalars())
        )
    counts = {"topics": 0, "questions": 0, "keywords": 0}
    for ids in reversed(levels):  # deepest first: the parent foreign key never blocks
        if ids:
            for kind in conn.execute(sa.select(gn.c.kind).where(gn.c.id.in_(ids))).scalars():
                counts[f"{kind}s"] += 1
            conn.execute(gn.delete().where(gn.c.id.in_(ids)))
    siblings = (
        gn.c.parent_id.is_(None) if row["parent_id"] is None else gn.c.parent_id == row["parent_id"]
    )
    conn.execute(
        gn.update()
        .where(gn.c.study_id == study_id, siblings, gn.c.position > row["position"])
        .values(position=gn.c.position - 1)
    )
    log_event(
        conn,
        study_id=study_id,
        action="delete",
        entity="guide_node",
        entity_id=node_id,
        payload={"kind": row["kind"], "text": row["text"], **counts},
    )
    return counts
