"""The append-only event log: every change records who, when and what (ids and names only)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa

from kvali.db.schema import events
from kvali.util import new_guid, now

_actor: ContextVar[str | None] = ContextVar("kvali_actor", default=None)

REDACTED = {"redacted": "withdrawal"}


def current_actor() -> str:
    """The researcher acting now: set by the CLI/web, else $KVALI_USER, else the OS user."""
    actor = _actor.get() or os.environ.get("KVALI_USER")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database in some containers
        return "unknown"


def set_actor(name: str | None) -> None:
    _actor.set(name)


def log_event(
    conn: sa.Connection,
    *,
    study_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    log_events(conn, study_id=study_id, action=action, entity=entity, items=[(entity_id, payload)])


def log_events(
    conn: sa.Connection,
    *,
    study_id: int | None,
    action: str,
    entity: str,
    items: list[tuple[int | None, dict[str, Any] | None]],
) -> None:
    """Append one event per (entity_id, payload) in a single round trip (bulk operations)."""
    if not items:
        return
    stamp, actor = now(), current_actor()
    conn.execute(
        events.insert(),
        [
            {
                "study_id": study_id,
                "created_at": stamp,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": eid,
                "payload": payload or {},
            }
            for eid, payload in items
        ],
    )


def insert_logged(
    conn: sa.Connection,
    table: sa.Table,
    values: dict[str, Any],
    *,
    study_id: int | None,
    entity: str,
    action: str = "create",
    payload: dict[str, Any] | None = None,
) -> int:
    """Insert one row and append its event in the same transaction; returns the row's id.

    ``guid`` and ``created_at`` are filled in when the table has them and ``values`` does not,
    so a new row is never written without its event."""
    row = dict(values)
    if "guid" in table.c and "guid" not in row:
        row["guid"] = new_guid()
    if "created_at" in table.c and "created_at" not in row:
        row["created_at"] = now()
    row_id = conn.execute(table.insert().values(**row)).inserted_primary_key[0]
    log_event(
        conn, study_id=study_id, action=action, entity=entity, entity_id=row_id, payload=payload
    )
    return row_id


def update_logged(
    conn: sa.Connection,
    table: sa.Table,
    row_id: int,
    values: dict[str, Any],
    *,
    study_id: int | None,
    entity: str,
    action: str = "update",
    payload: dict[str, Any] | None = None,
    where: Iterable[sa.ColumnElement[bool]] = (),
) -> int:
    """Update the row with this id (matching ``where``) and append its event, payload
    ``{"fields": [...]}`` unless given; returns the rows changed. Nothing changed (no values,
    no such row): no event, 0."""
    if not values:
        return 0
    n = conn.execute(table.update().where(table.c.id == row_id, *where).values(**values)).rowcount
    if n:
        log_event(
            conn,
            study_id=study_id,
            action=action,
            entity=entity,
            entity_id=row_id,
            payload={"fields": sorted(values)} if payload is None else payload,
        )
    return n


def delete_logged(
    conn: sa.Connection,
    table: sa.Table,
    row_id: int,
    *,
    study_id: int | None,
    entity: str,
    action: str = "delete",
    payload: dict[str, Any] | None = None,
    where: Iterable[sa.ColumnElement[bool]] = (),
) -> int:
    """Delete the row with this id (matching ``where``) and append its event; returns the rows
    deleted. No such row: no event, 0."""
    n = conn.execute(table.delete().where(table.c.id == row_id, *where)).rowcount
    if n:
        log_event(
            conn, study_id=study_id, action=action, entity=entity, entity_id=row_id, payload=payload
        )
    return n


def list_events(
    conn: sa.Connection,
    *,
    study_id: int | None = None,
    entity: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    q = sa.select(events).order_by(events.c.id.desc()).limit(limit)
    if study_id is not None:
        q = q.where(events.c.study_id == study_id)
    if entity:
        q = q.where(events.c.entity == entity)
    rows = []
    for r in conn.execute(q).mappings():
        d = dict(r)
        d["created_at"] = d["created_at"].isoformat() if d["created_at"] else None
        rows.append(d)
    return rows


def redact_events(conn: sa.Connection, *, entity: str, entity_ids: list[int]) -> int:
    """Blank the payloads of events about erased entities (the only update the log permits)."""
    if not entity_ids:
        return 0
    n = 0
    for chunk in _chunks(entity_ids, 500):
        n += conn.execute(
            events.update()
            .where(events.c.entity == entity, events.c.entity_id.in_(chunk))
            .values(payload=REDACTED)
        ).rowcount
    return n


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def latest_event_id(conn: sa.Connection, *, study_id: int | None = None) -> int:
    """The newest event's id: a cheap change marker that open browser tabs poll."""
    q = sa.select(sa.func.max(events.c.id))
    if study_id is not None:
        q = q.where(events.c.study_id == study_id)
    return conn.execute(q).scalar() or 0
