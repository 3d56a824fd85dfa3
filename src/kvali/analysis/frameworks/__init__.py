"""Theory frameworks: the shipped REFI-QDA codebooks and loading one into a study.

Shipped (each ``KEY.en.qdc`` and ``KEY.nb.qdc`` in this folder): ``irgens``, ``hord_sommers``,
``dufour_marzano``, ``dickinson``, ``klev_levin`` and ``network_cycle`` (../shared/DOMAIN.md). A
study can also import any ``.qdc`` or write one item by item (:func:`add_item`).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.analysis.qdc import read_qdc, write_qdc
from kvali.analysis.tables import analysis_framework_items as items_t
from kvali.analysis.tables import analysis_frameworks as fw_t
from kvali.codes.service import code_id, code_paths, create_code
from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import insert_logged, log_event
from kvali.util import new_guid

SHIPPED = ("irgens", "hord_sommers", "dufour_marzano", "dickinson", "klev_levin", "network_cycle")
LANGUAGES = ("en", "nb")


def shipped_file(key: str, language: str = "nb") -> Path:
    if key not in SHIPPED:
        raise NotFoundError(
            "no shipped framework {key!r} (shipped: {shipped})", key=key, shipped=", ".join(SHIPPED)
        )
    lang = language if language in LANGUAGES else "en"
    return Path(str(resources.files(__name__) / f"{key}.{lang}.qdc"))


def list_shipped(language: str = "nb") -> list[dict[str, Any]]:
    out = []
    for key in SHIPPED:
        fw = read_qdc(shipped_file(key, language))
        out.append({"key": key, "name": fw["name"], "items": len(fw["items"])})
    return out


def add_framework(
    conn: sa.Connection,
    study_id: int,
    *,
    key: str | None = None,
    path: str | Path | None = None,
    data: dict[str, Any] | None = None,
    language: str = "nb",
    as_codes: bool = False,
) -> int:
    """Load a framework into the study: a shipped ``key``, a ``.qdc`` ``path`` or ``data``
    (``{"name", "description", "items": [{"name", "description", "keywords"}]}``).

    ``as_codes`` also adds it to the codebook (a theme with one code per item) so passages can
    be coded with the items directly; their codings then count as explicit evidence.
    """
    if sum(x is not None for x in (key, path, data)) != 1:
        raise InputError("give one of a shipped framework key, a .qdc file or the items")
    if key is not None:
        fw = read_qdc(shipped_file(key, language))
    elif path is not None:
        fw = read_qdc(path)
        key = ""
    else:
        fw = {"description": "", **dict(data or {})}
        key = ""
    if not str(fw.get("name", "")).strip():
        raise InputError("a framework needs a name")
    exists = conn.execute(
        sa.select(fw_t.c.id).where(fw_t.c.study_id == study_id, fw_t.c.name == fw["name"])
    ).first()
    if exists:
        raise InputError("the study already has the framework {name!r}", name=fw["name"])
    fid = insert_logged(
        conn,
        fw_t,
        {
            "study_id": study_id,
            "name": fw["name"],
            "key": key or "",
            "language": language if key else "",
            "description": fw.get("description", ""),
        },
        study_id=study_id,
        entity="framework",
        payload={"name": fw["name"], "key": key, "items": len(fw.get("items") or [])},
    )
    theme = None
    if as_codes:
        theme = create_code(
            conn,
            study_id,
            name=fw["name"].replace("/", "-"),
            level="theme",
            description=fw.get("description", ""),
        )
    for item in fw.get("items") or []:
        add_item(
            conn,
            study_id,
            framework=fid,
            name=item["name"],
            description=item.get("description", ""),
            keywords=item.get("keywords") or [],
            theme=theme,
        )
    return fid


def framework_id(conn: sa.Connection, study_id: int, ref: str | int) -> int:
    """A study's framework by id, shipped key or name."""
    q = sa.select(fw_t.c.id, fw_t.c.key, fw_t.c.name).where(fw_t.c.study_id == study_id)
    rows = conn.execute(q).all()
    for r in rows:
        if str(r.id) == str(ref) or r.key == ref or r.name == ref:
            return r.id
    raise NotFoundError("no framework {ref!r} in this study", ref=ref)


def add_item(
    conn: sa.Connection,
    study_id: int,
    *,
    framework: str | int,
    name: str,
    description: str = "",
    keywords: Sequence[str] = (),
    theme: int | None = None,
) -> int:
    """Add an item to a framework (how a researcher writes their own framework)."""
    fid = framework_id(conn, study_id, framework)
    if not name.strip():
        raise InputError("a framework item needs a name")
    pos = conn.execute(sa.select(sa.func.count()).where(items_t.c.framework_id == fid)).scalar()
    codes = []
    if theme is not None:
        codes.append(
            create_code(
                conn,
                study_id,
                name=name.replace("/", "-"),
                parent=theme,
                level="code",
                description=description,
            )
        )
    return conn.execute(
        items_t.insert().values(
            guid=new_guid(),
            framework_id=fid,
            position=pos,
            name=name.strip(),
            description=description,
            keywords=list(keywords),
            code_ids=codes,
        )
    ).inserted_primary_key[0]


def item_id(conn: sa.Connection, study_id: int, framework: str | int, ref: str | int) -> int:
    """An item by id, 1-based position or name."""
    fid = framework_id(conn, study_id, framework)
    rows = conn.execute(
        sa.select(items_t.c.id, items_t.c.name, items_t.c.position)
        .where(items_t.c.framework_id == fid)
        .order_by(items_t.c.position)
    ).all()
    for r in rows:
        if r.name == ref or (isinstance(ref, int) and r.id == ref):
            return r.id
    if str(ref).isdigit() and 1 <= int(ref) <= len(rows):
        return rows[int(ref) - 1].id
    raise NotFoundError("no item {ref!r} in this framework", ref=ref)


def link_codes(
    conn: sa.Connection,
    study_id: int,
    *,
    framework: str | int,
    item: str | int,
    codes: Sequence[str | int],
) -> list[int]:
    """Map study codes to a framework item: their codings become explicit evidence for it."""
    iid = item_id(conn, study_id, framework, item)
    ids = [code_id(conn, study_id, c) for c in codes]
    old = conn.execute(sa.select(items_t.c.code_ids).where(items_t.c.id == iid)).scalar() or []
    merged = list(dict.fromkeys([*old, *ids]))
    conn.execute(items_t.update().where(items_t.c.id == iid).values(code_ids=merged))
    log_event(
        conn,
        study_id=study_id,
        action="link_codes",
        entity="framework_item",
        entity_id=iid,
        payload={"code_ids": ids},
    )
    return merged


def get_framework(conn: sa.Connection, study_id: int, ref: str | int) -> dict[str, Any]:
    fid = framework_id(conn, study_id, ref)
    fw = dict(conn.execute(sa.select(fw_t).where(fw_t.c.id == fid)).mappings().one())
    paths = code_paths(
        [
            dict(r)
            for r in conn.execute(
                sa.select(t.codes).where(t.codes.c.study_id == study_id)
            ).mappings()
        ]
    )
    items = [
        {**dict(r), "codes": [paths.get(c, str(c)) for c in r["code_ids"]]}
        for r in conn.execute(
            sa.select(items_t).where(items_t.c.framework_id == fid).order_by(items_t.c.position)
        ).mappings()
    ]
    fw["created_at"] = fw["created_at"].isoformat()
    fw["items"] = items
    return fw


def list_frameworks(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(fw_t.c.id, fw_t.c.key, fw_t.c.name, fw_t.c.language)
        .where(fw_t.c.study_id == study_id)
        .order_by(fw_t.c.id)
    ).all()
    return [
        {**dict(r._mapping), "items": len(get_framework(conn, study_id, r.id)["items"])}
        for r in rows
    ]


def export_framework(conn: sa.Connection, study_id: int, ref: str | int) -> bytes:
    """A study's framework (with items written in the UI) as a ``.qdc`` codebook."""
    fw = get_framework(conn, study_id, ref)
    return write_qdc(fw, language=fw["language"] or "en")
