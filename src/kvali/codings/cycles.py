"""Coding cycles (Saldaña's re-coding): a new cycle starts from a copy of the current codings,
so the earlier cycle stays intact as history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import NotFoundError
from kvali.events.service import insert_logged
from kvali.util import new_guid, now


def current_cycle_id(conn: sa.Connection, study_id: int, *, create: bool = True) -> int | None:
    cid = conn.execute(
        sa.select(t.cycles.c.id)
        .where(t.cycles.c.study_id == study_id)
        .order_by(t.cycles.c.number.desc())
        .limit(1)
    ).scalar()
    if cid is None and create:
        cid = insert_logged(
            conn,
            t.cycles,
            {"study_id": study_id, "number": 1, "name": "", "started_at": now()},
            study_id=study_id,
            entity="cycle",
            action="start_cycle",
            payload={"number": 1},
        )
    return cid


def cycle_id_by_number(conn: sa.Connection, study_id: int, number: int) -> int:
    error = NotFoundError("no coding cycle {number}", number=number)
    match = {"study_id": study_id, "number": number}
    return get_or_404(conn, t.cycles, match=match, error=error)["id"]


def cycle_number(conn: sa.Connection, cycle_id: int) -> int:
    return conn.execute(sa.select(t.cycles.c.number).where(t.cycles.c.id == cycle_id)).scalar_one()


def start_cycle(conn: sa.Connection, study_id: int, *, name: str = "") -> int:
    """Open cycle n+1 with a copy of cycle n's live codings (each linked to its original)."""
    prev = current_cycle_id(conn, study_id)
    number = cycle_number(conn, prev) + 1
    c = t.codings
    rows = conn.execute(
        sa.select(
            c.c.id,
            c.c.transcript_id,
            c.c.code_id,
            c.c.coder_id,
            c.c.start_char,
            c.c.end_char,
            c.c.is_gold,
        )
        .where(c.c.cycle_id == prev, c.c.removed_at.is_(None))
        .order_by(c.c.id)
    ).all()
    cid = insert_logged(
        conn,
        t.cycles,
        {"study_id": study_id, "number": number, "name": name, "started_at": now()},
        study_id=study_id,
        entity="cycle",
        action="start_cycle",
        payload={"number": number, "carried_codings": len(rows)},
    )
    created = now()
    if rows:
        conn.execute(
            c.insert(),
            [
                {
                    "guid": new_guid(),
                    "transcript_id": r.transcript_id,
                    "code_id": r.code_id,
                    "cycle_id": cid,
                    "coder_id": r.coder_id,
                    "start_char": r.start_char,
                    "end_char": r.end_char,
                    "is_gold": r.is_gold,
                    "derived_from_id": r.id,
                    "created_at": created,
                }
                for r in rows
            ],
        )

    return number


def list_cycles(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    c = t.codings
    live = sa.func.sum(sa.case((c.c.removed_at.is_(None), 1), else_=0))
    q = (
        sa.select(
            t.cycles.c.number,
            t.cycles.c.name,
            t.cycles.c.started_at,
            sa.func.count(c.c.id).label("codings_total"),
            live.label("codings_live"),
        )
        .select_from(t.cycles.outerjoin(c, c.c.cycle_id == t.cycles.c.id))
        .where(t.cycles.c.study_id == study_id)
        .group_by(t.cycles.c.id, t.cycles.c.number, t.cycles.c.name, t.cycles.c.started_at)
        .order_by(t.cycles.c.number)
    )
    return [
        {
            "number": r.number,
            "name": r.name,
            "started_at": r.started_at.isoformat(),
            "codings": int(r.codings_live or 0),
            "codings_removed": int(r.codings_total - (r.codings_live or 0)),
        }
        for r in conn.execute(q)
    ]
