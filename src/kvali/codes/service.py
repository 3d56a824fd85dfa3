"""The codebook: a hierarchy theme › category › code, and how it changes between cycles.

Renames, moves, merges and splits are recorded in ``code_changes`` against the current cycle;
codings of earlier cycles keep pointing at the codes they were made with.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.codings.cycles import current_cycle_id
from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import current_actor, insert_logged, log_event, update_logged
from kvali.terms import term
from kvali.util import new_guid, now, numeric_id

LEVELS = ("theme", "category", "code")
_CHILD_LEVEL = {"theme": "category", "category": "code", "code": "code"}
PALETTE = ("#2a9d8f", "#e76f51", "#264653", "#f4a261", "#8ab17d", "#6d597a", "#e9c46a", "#457b9d")


def _rows(conn: sa.Connection, study_id: int, *, active_only: bool = True) -> list[dict[str, Any]]:
    q = (
        sa.select(t.codes)
        .where(t.codes.c.study_id == study_id)
        .order_by(t.codes.c.position, t.codes.c.id)
    )
    if active_only:
        q = q.where(t.codes.c.status == "active")
    return [dict(r) for r in conn.execute(q).mappings()]


def code_paths(rows: list[dict[str, Any]]) -> dict[int, str]:
    """``Theme/Category/Code`` for each code id."""
    by_id = {r["id"]: r for r in rows}
    paths: dict[int, str] = {}

    def path(cid: int, depth: int = 0) -> str:
        if cid in paths:
            return paths[cid]
        r = by_id[cid]
        parent = r["parent_id"]
        p = (
            r["name"]
            if parent is None or parent not in by_id or depth > 50
            else f"{path(parent, depth + 1)}/{r['name']}"
        )
        paths[cid] = p
        return p

    for cid in by_id:
        path(cid)
    return paths


def code_id(conn: sa.Connection, study_id: int, ref: str | int) -> int:
    """Resolve an active code by id, name, or ``Theme/Category/Code`` path."""
    if (num := numeric_id(ref)) is not None:
        # One indexed lookup: coding many spans by id must not load the codebook each time.
        cid = conn.execute(
            sa.select(t.codes.c.id).where(
                t.codes.c.id == num,
                t.codes.c.study_id == study_id,
                t.codes.c.status == "active",
            )
        ).scalar()
        if cid is not None:
            return cid
    rows = _rows(conn, study_id)
    ref = str(ref).strip()
    if "/" in ref:
        for cid, p in code_paths(rows).items():
            if p == ref:
                return cid
    matches = [r["id"] for r in rows if r["name"] == ref] or [
        r["id"] for r in rows if r["name"].casefold() == ref.casefold()
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        paths = code_paths(rows)
        raise InputError(
            "code name {ref!r} is ambiguous: {paths}",
            ref=ref,
            paths="; ".join(paths[m] for m in matches),
        )
    retired = [
        r
        for r in _rows(conn, study_id, active_only=False)
        if r["name"] == ref and r["status"] != "active"
    ]
    if retired:
        raise InputError(
            "code {ref!r} was {status} and cannot take new codings (see `kvali code history`)",
            ref=ref,
            status=retired[0]["status"],
        )
    raise NotFoundError("unknown code {ref!r}", ref=ref)


def create_code(
    conn: sa.Connection,
    study_id: int,
    *,
    name: str,
    parent: str | int | None = None,
    level: str | None = None,
    description: str = "",
    color: str | None = None,
) -> int:
    name = name.strip()
    if not name or "/" in name:
        raise InputError("invalid code name {name!r} (empty, or contains '/')", name=name)
    parent_id = code_id(conn, study_id, parent) if parent is not None else None
    siblings = [r for r in _rows(conn, study_id) if r["parent_id"] == parent_id]
    if any(r["name"] == name for r in siblings):
        raise InputError("a code named {name!r} already exists there", name=name)
    if parent_id is not None:
        parent_row = (
            conn.execute(sa.select(t.codes).where(t.codes.c.id == parent_id)).mappings().one()
        )
        level = level or _CHILD_LEVEL[parent_row["level"]]
        color = color or parent_row["color"]
        if LEVELS.index(level) < LEVELS.index(parent_row["level"]):
            raise InputError(
                "a {level} cannot sit under a {parent_level}",
                level=term("code_level", level),
                parent_level=term("code_level", parent_row["level"]),
            )
    level = level or "code"
    if level not in LEVELS:
        raise InputError("level must be one of {levels}", levels=", ".join(LEVELS))
    color = color or PALETTE[len(siblings) % len(PALETTE)]
    return insert_logged(
        conn,
        t.codes,
        {
            "study_id": study_id,
            "parent_id": parent_id,
            "level": level,
            "name": name,
            "description": description,
            "color": color,
            "position": len(siblings),
        },
        study_id=study_id,
        entity="code",
        payload={"name": name, "level": level, "parent_id": parent_id},
    )


def update_code(
    conn: sa.Connection,
    study_id: int,
    ref: str | int,
    *,
    description: str | None = None,
    color: str | None = None,
) -> None:
    cid = code_id(conn, study_id, ref)
    values = {
        k: v for k, v in {"description": description, "color": color}.items() if v is not None
    }
    update_logged(conn, t.codes, cid, values, study_id=study_id, entity="code")


def _record(
    conn: sa.Connection,
    study_id: int,
    kind: str,
    from_ids: list[int],
    to_ids: list[int],
    old_name: str | None = None,
    new_name: str | None = None,
) -> None:
    cycle = current_cycle_id(conn, study_id)
    conn.execute(
        t.code_changes.insert().values(
            study_id=study_id,
            cycle_id=cycle,
            kind=kind,
            from_code_ids=from_ids,
            to_code_ids=to_ids,
            old_name=old_name,
            new_name=new_name,
            actor=current_actor(),
            created_at=now(),
        )
    )
    log_event(
        conn,
        study_id=study_id,
        action=kind,
        entity="code",
        entity_id=(to_ids or from_ids or [None])[0],
        payload={"from": from_ids, "to": to_ids, "old_name": old_name, "new_name": new_name},
    )


def rename_code(conn: sa.Connection, study_id: int, ref: str | int, new_name: str) -> int:
    cid = code_id(conn, study_id, ref)
    new_name = new_name.strip()
    if not new_name or "/" in new_name:
        raise InputError("invalid code name {new_name!r}", new_name=new_name)
    row = conn.execute(sa.select(t.codes).where(t.codes.c.id == cid)).mappings().one()
    if any(
        r["name"] == new_name and r["id"] != cid
        for r in _rows(conn, study_id)
        if r["parent_id"] == row["parent_id"]
    ):
        raise InputError("a code named {new_name!r} already exists there", new_name=new_name)
    conn.execute(t.codes.update().where(t.codes.c.id == cid).values(name=new_name))
    _record(conn, study_id, "rename", [cid], [cid], row["name"], new_name)
    return cid


def move_code(
    conn: sa.Connection, study_id: int, ref: str | int, new_parent: str | int | None
) -> int:
    cid = code_id(conn, study_id, ref)
    pid = code_id(conn, study_id, new_parent) if new_parent not in (None, "") else None
    node = pid
    while node is not None:  # refuse cycles in the tree
        if node == cid:
            raise InputError("a code cannot be moved under itself")
        node = conn.execute(sa.select(t.codes.c.parent_id).where(t.codes.c.id == node)).scalar()
    conn.execute(t.codes.update().where(t.codes.c.id == cid).values(parent_id=pid))
    _record(conn, study_id, "move", [cid], [cid])
    return cid


def _reassign(
    conn: sa.Connection, cycle: int, coding_ids: list[int], target: int, reason: str
) -> int:
    """Move live codings of the current cycle to ``target``: the old rows are closed, new rows
    point back at them (history is appended, not overwritten). Exact duplicates are folded."""
    c = t.codings
    rows = (
        conn.execute(sa.select(c).where(c.c.id.in_(coding_ids or [-1]), c.c.removed_at.is_(None)))
        .mappings()
        .all()
    )
    existing = {
        (r.transcript_id, r.start_char, r.end_char, r.coder_id)
        for r in conn.execute(
            sa.select(c.c.transcript_id, c.c.start_char, c.c.end_char, c.c.coder_id).where(
                c.c.code_id == target, c.c.cycle_id == cycle, c.c.removed_at.is_(None)
            )
        )
    }
    stamp = now()
    new_rows = []
    for r in rows:
        key = (r["transcript_id"], r["start_char"], r["end_char"], r["coder_id"])
        if key not in existing:  # the same coder's identical span is folded, another coder's kept
            existing.add(key)
            new_rows.append(
                {
                    "guid": new_guid(),
                    "transcript_id": r["transcript_id"],
                    "code_id": target,
                    "cycle_id": cycle,
                    "coder_id": r["coder_id"],
                    "start_char": r["start_char"],
                    "end_char": r["end_char"],
                    "is_gold": r["is_gold"],
                    "derived_from_id": r["id"],
                    "created_at": stamp,
                }
            )
    if rows:
        conn.execute(
            c.update()
            .where(c.c.id.in_([r["id"] for r in rows]))
            .values(removed_at=stamp, removed_reason=reason)
        )
    if new_rows:
        conn.execute(c.insert(), new_rows)
    return len(rows)


def _live_codings(conn: sa.Connection, cycle: int, code: int) -> list[int]:
    c = t.codings
    return list(
        conn.execute(
            sa.select(c.c.id).where(
                c.c.code_id == code, c.c.cycle_id == cycle, c.c.removed_at.is_(None)
            )
        ).scalars()
    )


def merge_codes(
    conn: sa.Connection, study_id: int, sources: list[str | int], target: str | int
) -> dict[str, int]:
    """Merge codes into ``target``: their current-cycle codings and sub-codes move there."""
    tid = code_id(conn, study_id, target)
    sids = [code_id(conn, study_id, s) for s in sources]
    if tid in sids or not sids:
        raise InputError("merge needs one or more source codes different from the target")
    cycle = current_cycle_id(conn, study_id)
    moved = 0
    for sid in sids:
        moved += _reassign(conn, cycle, _live_codings(conn, cycle, sid), tid, "merged")
        conn.execute(t.codes.update().where(t.codes.c.parent_id == sid).values(parent_id=tid))
        conn.execute(t.codes.update().where(t.codes.c.id == sid).values(status="merged"))
    _record(conn, study_id, "merge", sids, [tid])
    return {"codings_moved": moved}


def split_code(
    conn: sa.Connection,
    study_id: int,
    ref: str | int,
    into: list[str],
    *,
    assign: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Split a code into new sibling codes. ``assign`` maps coding ids to one of the new names;
    codings not mentioned go to the first new code."""
    if len(into) < 2 or len(set(into)) != len(into):
        raise InputError("split needs two or more distinct new code names")
    sid = code_id(conn, study_id, ref)
    row = conn.execute(sa.select(t.codes).where(t.codes.c.id == sid)).mappings().one()
    new_ids = {
        name: create_code(
            conn,
            study_id,
            name=name,
            parent=row["parent_id"],
            level=row["level"],
            description=f"Split from «{row['name']}»",
            color=row["color"],
        )
        for name in into
    }
    cycle = current_cycle_id(conn, study_id)
    live = _live_codings(conn, cycle, sid)
    assign = assign or {}
    unknown = set(assign) - set(live)
    if unknown:
        raise InputError(
            "codings {unknown} are not live codings of {name!r}",
            unknown=sorted(unknown),
            name=row["name"],
        )
    bad = {n for n in assign.values() if n not in new_ids}
    if bad:
        raise InputError(
            "assignments name codes that are not among the new ones: {bad}", bad=sorted(bad)
        )
    groups: dict[str, list[int]] = {name: [] for name in into}
    for coding in live:
        groups[assign.get(coding, into[0])].append(coding)
    for name, ids in groups.items():
        _reassign(conn, cycle, ids, new_ids[name], "split")
    conn.execute(
        t.codes.update().where(t.codes.c.parent_id == sid).values(parent_id=new_ids[into[0]])
    )
    conn.execute(t.codes.update().where(t.codes.c.id == sid).values(status="split"))
    _record(conn, study_id, "split", [sid], list(new_ids.values()))
    return {"codes": new_ids, "codings": {n: len(v) for n, v in groups.items()}}


def list_codes(
    conn: sa.Connection, study_id: int, *, include_inactive: bool = False
) -> list[dict[str, Any]]:
    """Codes in tree order with path, depth and live coding counts in the current cycle."""
    rows = _rows(conn, study_id, active_only=not include_inactive)
    paths = code_paths(rows)
    cycle = current_cycle_id(conn, study_id, create=False)
    counts: dict[int, int] = {}
    if cycle is not None:
        c = t.codings
        counts = dict(
            conn.execute(
                sa.select(c.c.code_id, sa.func.count())
                .where(c.c.cycle_id == cycle, c.c.removed_at.is_(None))
                .group_by(c.c.code_id)
            ).all()
        )
    children: dict[int | None, list[dict[str, Any]]] = {}
    ids = {r["id"] for r in rows}
    for r in rows:
        children.setdefault(r["parent_id"] if r["parent_id"] in ids else None, []).append(r)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for r in children.get(parent, []):
            out.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "level": r["level"],
                    "parent_id": r["parent_id"],
                    "path": paths[r["id"]],
                    "depth": depth,
                    "description": r["description"],
                    "color": r["color"],
                    "status": r["status"],
                    "codings": counts.get(r["id"], 0),
                }
            )
            walk(r["id"], depth + 1)

    walk(None, 0)
    return out


def code_history(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    """Which codes became which, per cycle (renames, moves, merges, splits)."""
    names = {r["id"]: r["name"] for r in _rows(conn, study_id, active_only=False)}
    q = (
        sa.select(t.code_changes, t.cycles.c.number)
        .join(t.cycles, t.cycles.c.id == t.code_changes.c.cycle_id)
        .where(t.code_changes.c.study_id == study_id)
        .order_by(t.code_changes.c.id)
    )
    out = []
    for r in conn.execute(q).mappings():
        out.append(
            {
                "cycle": r["number"],
                "kind": r["kind"],
                "from": [r["old_name"] or names.get(i, str(i)) for i in r["from_code_ids"]]
                if r["kind"] == "rename"
                else [names.get(i, str(i)) for i in r["from_code_ids"]],
                "to": [names.get(i, str(i)) for i in r["to_code_ids"]],
                "actor": r["actor"],
                "at": r["created_at"].isoformat(),
            }
        )
    return out


def ancestors(rows_by_id: dict[int, dict[str, Any]], cid: int) -> dict[str, str | None]:
    """The theme and category above a code (None where the tree has no such level)."""
    out: dict[str, str | None] = {"theme": None, "category": None, "code": None}
    node: int | None = cid
    seen = 0
    while node is not None and node in rows_by_id and seen < 50:
        r = rows_by_id[node]
        out.setdefault(r["level"], None)
        if out.get(r["level"]) is None:
            out[r["level"]] = r["name"]
        node = r["parent_id"]
        seen += 1
    return out
