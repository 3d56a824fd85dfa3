"""Routes and CLI commands are thin clients: no SQL of their own, and every reader of codings is
asked with the viewer, so the blind-coding rule (``codings.visible``) cannot be skipped.

A structural test over the source (the AST, not a regex), so it fails on the first route that
runs a query itself or a client that reads codings without saying whose view it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kvali

SRC = Path(kvali.__file__).parent
ROUTES = sorted((SRC / "web" / "routes").glob("*.py"))
CLIENTS = ROUTES + sorted((SRC / "cli").glob("*.py"))
# Service functions that read (or change through) codings a viewer may not see.
READERS = {
    "list_codings",
    "get_coding",
    "visible_codings",
    "remove_coding",
    "set_gold",
    "recode",
    "run_search",
    "search",
    "semantic_search",
    "build_report",
    "write_study_reports",
    "framework_matrix",
    "collect_sections",
}
SQL_CALLS = {"execute", "exec_driver_sql", "scalar", "scalars", "select", "insert", "update"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def sql_in(path: Path) -> list[str]:
    """``conn.execute(…)``, ``sa.select(…)``, table ``.insert()`` … and sqlalchemy imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [f"import {m}" for m in mods if m and m.split(".")[0] == "sqlalchemy"]
            if isinstance(node, ast.ImportFrom) and node.module in ("kvali.db", "kvali.db.schema"):
                found.append(f"from {node.module} import …")
        elif isinstance(node, ast.Call) and _name(node.func) in SQL_CALLS:
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            if isinstance(owner, ast.Name) and owner.id in ("conn", "sa", "connection"):
                found.append(f"{owner.id}.{_name(node.func)}(…) at line {node.lineno}")
    return found


def readers_without_viewer(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and _name(node.func) in READERS:
            if _name(node.func) == "search" and isinstance(node.func, ast.Attribute):
                continue  # re.search and the like
            if not any(k.arg == "viewer" for k in node.keywords):
                out.append(f"{_name(node.func)}(…) at line {node.lineno}")
    return out


def test_routes_run_no_sql_of_their_own():
    assert len(ROUTES) > 10
    offenders = {p.name: sql_in(p) for p in ROUTES if sql_in(p)}
    assert offenders == {}


def test_clients_read_codings_with_the_viewer():
    offenders = {p.name: readers_without_viewer(p) for p in CLIENTS if readers_without_viewer(p)}
    assert offenders == {}


def test_the_checks_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import sqlalchemy as sa\n"
        "def route(conn, sid):\n"
        "    conn.execute(sa.select(1))\n"
        "    return list_codings(conn, sid), get_coding(conn, sid, 1, viewer='A')\n",
        encoding="utf-8",
    )
    assert len(sql_in(bad)) == 3  # the import, conn.execute, sa.select
    assert readers_without_viewer(bad) == ["list_codings(…) at line 4"]
