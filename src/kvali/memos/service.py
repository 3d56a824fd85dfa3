"""Memos: analytic notes, the reflexivity journal, condensed meanings per research question."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import current_actor, insert_logged, update_logged
from kvali.util import now

TARGETS = ("study", "interview", "participant", "code", "coding", "research_question")
KINDS = ("analytic", "reflexivity", "condensation")


def add_memo(
    conn: sa.Connection,
    study_id: int,
    *,
    text: str,
    target_type: str = "study",
    target_id: int | None = None,
    kind: str = "analytic",
    title: str = "",
) -> int:
    if target_type not in TARGETS:
        raise InputError("memo target must be one of {targets}", targets=", ".join(TARGETS))
    if kind not in KINDS:
        raise InputError("memo kind must be one of {kinds}", kinds=", ".join(KINDS))
    if not text.strip():
        raise InputError("a memo needs text")
    target_id = study_id if target_type == "study" else target_id
    if target_id is None:
        raise InputError("a memo on a {target_type} needs its id", target_type=target_type)
    stamp = now()
    return insert_logged(
        conn,
        t.memos,
        {
            "study_id": study_id,
            "target_type": target_type,
            "target_id": target_id,
            "kind": kind,
            "title": title,
            "text": text.strip(),
            "author": current_actor(),
            "created_at": stamp,
            "updated_at": stamp,
        },
        study_id=study_id,
        entity="memo",
        payload={"target_type": target_type, "target_id": target_id, "kind": kind},
    )


def update_memo(
    conn: sa.Connection,
    study_id: int,
    memo_id: int,
    *,
    text: str | None = None,
    title: str | None = None,
) -> None:
    values: dict[str, Any] = {
        k: v for k, v in {"text": text, "title": title}.items() if v is not None
    }
    if not values:
        return
    changed = update_logged(
        conn,
        t.memos,
        memo_id,
        {**values, "updated_at": now()},
        study_id=study_id,
        entity="memo",
        payload={"fields": sorted(values)},
        where=[t.memos.c.study_id == study_id],
    )
    if not changed:
        raise NotFoundError("no memo {memo_id}", memo_id=memo_id)


def list_memos(
    conn: sa.Connection,
    study_id: int,
    *,
    target_type: str | None = None,
    target_id: int | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    m = t.memos
    q = sa.select(m).where(m.c.study_id == study_id).order_by(m.c.created_at, m.c.id)
    if target_type:
        q = q.where(m.c.target_type == target_type)
    if target_id is not None:
        q = q.where(m.c.target_id == target_id)
    if kind:
        q = q.where(m.c.kind == kind)
    out = []
    for r in conn.execute(q).mappings():
        d = dict(r)
        d["created_at"] = d["created_at"].isoformat()
        d["updated_at"] = d["updated_at"].isoformat()
        out.append(d)
    return out
