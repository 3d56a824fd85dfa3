"""Codebooks to suggest from: the study's own, a REFI-QDA ``.qdc`` file, or JSON/YAML.

The QDC reader is deliberately small (codes with name, description and nesting), so suggestions
work without the full REFI-QDA importer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from kvali.db import schema as t
from kvali.errors import InputError


@dataclass
class CodeDef:
    name: str
    description: str = ""
    path: list[str] = field(default_factory=list)  # ancestors' names, outermost first
    id: int | None = None  # the study's code id, when it comes from the study
    leaf: bool = True

    def text(self) -> str:
        """What is embedded: the name and what the code means (the description carries most)."""
        return f"{self.name}: {self.description}" if self.description else self.name


def study_codebook(conn: sa.Connection, study_id: int) -> list[CodeDef]:
    c = t.codes
    rows = conn.execute(
        sa.select(c.c.id, c.c.parent_id, c.c.name, c.c.description, c.c.level)
        .where(c.c.study_id == study_id, c.c.status == "active")
        .order_by(c.c.position, c.c.id)
    ).all()
    by_id = {r.id: r for r in rows}
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    out = []
    for r in rows:
        path, p = [], r.parent_id
        while p is not None and p in by_id:
            path.insert(0, by_id[p].name)
            p = by_id[p].parent_id
        out.append(CodeDef(r.name, r.description or "", path, r.id, r.id not in parents))
    return out


def read_codebook(path: str | Path) -> list[CodeDef]:
    """Codes of a ``.qdc`` (REFI-QDA Codebook), ``.json`` or ``.yaml`` file."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=path)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        return _read_qdc(path)
    try:
        data = (
            json.loads(path.read_text(encoding="utf-8"))
            if suffix == ".json"
            else yaml.safe_load(path.read_text(encoding="utf-8"))
        )
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError("cannot read the codebook: {exc}", file=path, exc=exc) from exc
    out: list[CodeDef] = []
    _walk(data, [], out, path)
    if not out:
        raise InputError("the codebook has no codes", file=path)
    return out


_CHILD_KEYS = ("codes", "children", "categories", "themes")


def _walk(node: Any, path: list[str], out: list[CodeDef], source: Path) -> None:
    """JSON/YAML: a list of codes or ``{"codes": [...]}``; a code is ``{"name", "description",
    "codes"|"children"|"categories": [...]}`` (kvali's own codebook.yaml reads too)."""
    if isinstance(node, list):
        for item in node:
            _walk(item, path, out, source)
        return
    if not isinstance(node, dict):
        raise InputError("expected a code object, got {node!r}", file=source, node=node)
    kids = [k for k in _CHILD_KEYS if isinstance(node.get(k), list)]
    if "name" not in node:
        for k in kids:
            _walk(node[k], path, out, source)
        return
    code = CodeDef(str(node["name"]), str(node.get("description") or ""), list(path))
    code.leaf = not any(node[k] for k in kids)
    out.append(code)
    for k in kids:
        _walk(node[k], [*path, code.name], out, source)


def _read_qdc(path: Path) -> list[CodeDef]:
    from lxml import etree

    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InputError("not a REFI-QDA codebook: {exc}", file=path, exc=exc) from exc
    out: list[CodeDef] = []

    def local(el: Any) -> str:
        return etree.QName(el).localname if isinstance(el.tag, str) else ""

    def visit(el: Any, trail: list[str]) -> None:
        for child in el:
            if local(child) != "Code":
                continue
            desc = next((d.text or "" for d in child if local(d) == "Description"), "")
            code = CodeDef(child.get("name", ""), desc.strip(), list(trail))
            code.leaf = not any(local(k) == "Code" for k in child)
            out.append(code)
            visit(child, [*trail, code.name])

    for codes in root.iter():
        if local(codes) == "Codes":
            visit(codes, [])
            break
    if not out:
        raise InputError("the codebook has no <Code> elements", file=path)
    return out
