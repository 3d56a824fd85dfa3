"""Codebook files in YAML: ``themes: [{name, description, color, categories: [{…, codes: […]}]}]``,
or a flat/nested ``codes: [{name, children: […]}]`` list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from kvali.codes.service import create_code, list_codes
from kvali.errors import InputError
from kvali.events.service import log_event


def read_codebook(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(
            "invalid YAML: {problem}",
            file=path,
            line=line + 1 if line is not None else None,
            problem=getattr(exc, "problem", exc),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cannot read codebook: {exc}", file=path, exc=exc) from exc
    if not isinstance(data, dict) or not ("themes" in data or "codes" in data):
        raise InputError("a codebook file needs a top-level 'themes' or 'codes' list", file=path)
    return data


def import_codebook(conn: sa.Connection, study_id: int, data: dict[str, Any]) -> int:
    """Create the codes of a codebook; returns how many were created."""
    n = 0

    def add(
        item: Any, parent: int | None, level: str | None, children_keys: tuple[str, ...], where: str
    ) -> None:
        nonlocal n
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise InputError("{where}: each entry needs a name", where=where)
        cid = create_code(
            conn,
            study_id,
            name=str(item["name"]),
            parent=parent,
            level=level,
            description=str(item.get("description") or ""),
            color=item.get("color"),
        )
        n += 1
        for key in children_keys:
            for i, child in enumerate(item.get(key) or [], start=1):
                next_level = {"categories": "category", "codes": "code"}.get(key)
                add(
                    child,
                    cid,
                    next_level,
                    ("codes", "children") if key == "categories" else ("children", "codes"),
                    f"{where} › {item['name']} › {key}[{i}]",
                )

    for i, theme in enumerate(data.get("themes") or [], start=1):
        add(theme, None, "theme", ("categories", "codes"), f"themes[{i}]")
    for i, code in enumerate(data.get("codes") or [], start=1):
        add(
            code,
            None,
            code.get("level") if isinstance(code, dict) else None,
            ("children", "codes"),
            f"codes[{i}]",
        )
    log_event(
        conn,
        study_id=study_id,
        action="import",
        entity="codebook",
        entity_id=study_id,
        payload={"codes": n},
    )
    return n


def export_codebook(conn: sa.Connection, study_id: int) -> dict[str, Any]:
    rows = list_codes(conn, study_id)
    nodes = {
        r["id"]: {
            "name": r["name"],
            "level": r["level"],
            "description": r["description"],
            "color": r["color"],
            "children": [],
        }
        for r in rows
    }
    roots = []
    for r in rows:
        (nodes[r["parent_id"]]["children"] if r["parent_id"] in nodes else roots).append(
            nodes[r["id"]]
        )
    return {"codes": roots}


def codebook_yaml(conn: sa.Connection, study_id: int) -> str:
    return yaml.safe_dump(
        export_codebook(conn, study_id), allow_unicode=True, sort_keys=False, width=100
    )
