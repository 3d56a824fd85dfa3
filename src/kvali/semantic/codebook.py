"""Codebooks to suggest from: the study's own, a REFI-QDA ``.qdc`` file, or JSON/YAML.

The QDC reader is deliberately small (codes with name, description and nesting), so suggestions
work without the full REFI-QDA importer. Every code knows its parent (an index into the list)
and its level (theme › category › code: the study's own levels, the YAML keys ``themes`` /
``categories`` / ``codes``, or else the depth in the tree), so suggestions can be made at any
level: a theme is represented by itself and everything beneath it.
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

LEVELS = ("theme", "category", "code")
_DEPTH_LEVEL = ("theme", "category")  # depth 0, 1; deeper is "code"


@dataclass
class CodeDef:
    name: str
    description: str = ""
    path: list[str] = field(default_factory=list)  # ancestors' names, outermost first
    id: int | None = None  # the study's code id, when it comes from the study
    leaf: bool = True
    level: str = ""  # theme | category | code ("" = by depth)
    parent: int | None = None  # index of the parent in the codebook list

    def text(self) -> str:
        """What is embedded: the name and what the code means (the description carries most)."""
        return f"{self.name}: {self.description}" if self.description else self.name

    def path_text(self) -> str:
        """The same with its place in the tree («Tema › Kategori › Kode: …»): context that
        tells two similar codes under different themes apart."""
        trail = " › ".join([*self.path, self.name])
        return f"{trail}: {self.description}" if self.description else trail

    def level_of(self) -> str:
        return self.level or (_DEPTH_LEVEL[len(self.path)] if len(self.path) < 2 else "code")


def labels_at(codes: list[CodeDef], level: str) -> list[int]:
    """Indices of the codes that are labels at ``level``: leaf codes for ``code``; themes
    (or roots) for ``theme``; categories (or second-level codes) for ``category``."""
    if level not in LEVELS:
        raise InputError("level must be one of {levels}", levels=", ".join(LEVELS))
    if level == "code":
        return [i for i, c in enumerate(codes) if c.leaf]
    return [i for i, c in enumerate(codes) if c.level_of() == level]


def label_map(codes: list[CodeDef], level: str) -> dict[int, int]:
    """Code index → index of its label at ``level`` (itself or the nearest ancestor that is
    one); codes above the level (a theme, when suggesting codes) have none."""
    labels = set(labels_at(codes, level))
    out: dict[int, int] = {}
    for i in range(len(codes)):
        j: int | None = i
        seen = 0
        while j is not None and j not in labels and seen < 64:
            j, seen = codes[j].parent, seen + 1
        if j is not None and j in labels:
            out[i] = j
    return out


def subtree(codes: list[CodeDef], label: int) -> list[int]:
    """The label and every code beneath it (indices), the label first."""
    kids: dict[int, list[int]] = {}
    for i, c in enumerate(codes):
        if c.parent is not None:
            kids.setdefault(c.parent, []).append(i)
    out, todo = [], [label]
    while todo:
        i = todo.pop(0)
        if i in out:
            continue
        out.append(i)
        todo.extend(kids.get(i, []))
    return out


def study_codebook(conn: sa.Connection, study_id: int) -> list[CodeDef]:
    c = t.codes
    rows = conn.execute(
        sa.select(c.c.id, c.c.parent_id, c.c.name, c.c.description, c.c.level)
        .where(c.c.study_id == study_id, c.c.status == "active")
        .order_by(c.c.position, c.c.id)
    ).all()
    by_id = {r.id: r for r in rows}
    index = {r.id: i for i, r in enumerate(rows)}
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    out = []
    for r in rows:
        path, p = [], r.parent_id
        while p is not None and p in by_id and len(path) < 64:
            path.insert(0, by_id[p].name)
            p = by_id[p].parent_id
        out.append(
            CodeDef(
                r.name,
                r.description or "",
                path,
                r.id,
                r.id not in parents,
                level=r.level or "",
                parent=index.get(r.parent_id),
            )
        )
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
_KEY_LEVEL = {"themes": "theme", "categories": "category", "codes": "code"}


def _walk(
    node: Any,
    path: list[str],
    out: list[CodeDef],
    source: Path,
    parent: int | None = None,
    level: str = "",
) -> None:
    """JSON/YAML: a list of codes or ``{"codes": [...]}``; a code is ``{"name", "description",
    "codes"|"children"|"categories": [...]}`` (kvali's own codebook.yaml reads too)."""
    if isinstance(node, list):
        for item in node:
            _walk(item, path, out, source, parent, level)
        return
    if not isinstance(node, dict):
        raise InputError("expected a code object, got {node!r}", file=source, node=node)
    kids = [k for k in _CHILD_KEYS if isinstance(node.get(k), list)]
    if "name" not in node:
        for k in kids:
            _walk(node[k], path, out, source, parent, _KEY_LEVEL.get(k, ""))
        return
    code = CodeDef(str(node["name"]), str(node.get("description") or ""), list(path))
    code.leaf = not any(node[k] for k in kids)
    code.level = str(node.get("level") or level)
    if code.level not in ("", *LEVELS):
        raise InputError(
            "{name!r}: level must be one of {levels}",
            file=source,
            name=code.name,
            levels=", ".join(LEVELS),
        )
    code.parent = parent
    out.append(code)
    me = len(out) - 1
    for k in kids:
        _walk(node[k], [*path, code.name], out, source, me, _KEY_LEVEL.get(k, ""))


def _read_qdc(path: Path) -> list[CodeDef]:
    from lxml import etree

    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InputError("not a REFI-QDA codebook: {exc}", file=path, exc=exc) from exc
    out: list[CodeDef] = []

    def local(el: Any) -> str:
        return etree.QName(el).localname if isinstance(el.tag, str) else ""

    def visit(el: Any, trail: list[str], parent: int | None) -> None:
        for child in el:
            if local(child) != "Code":
                continue
            desc = next((d.text or "" for d in child if local(d) == "Description"), "")
            code = CodeDef(child.get("name", ""), desc.strip(), list(trail), parent=parent)
            code.leaf = not any(local(k) == "Code" for k in child)
            out.append(code)
            visit(child, [*trail, code.name], len(out) - 1)

    for codes in root.iter():
        if local(codes) == "Codes":
            visit(codes, [], None)
            break
    if not out:
        raise InputError("the codebook has no <Code> elements", file=path)
    return out
