"""What an extra of kvali installs: its requirements, the extras it names (``kvali[a,b]``), and
the packages pyproject's ``[tool.kvali.no-deps]`` adds to it, installed with ``--no-deps``.

    python scripts/extras.py no-deps all        # one per line: what setup.sh installs --no-deps
    python scripts/extras.py expand test        # the extras `test` pulls in

Used by scripts/setup.sh and tests/test_packaging.py.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SELF = re.compile(r"^kvali\[(?P<extras>[^\]]+)\]$")


def load(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, Any]:
    with pyproject.open("rb") as f:
        return tomllib.load(f)


def expand(names: Iterable[str], project: dict[str, Any] | None = None) -> set[str]:
    """The extras named (comma lists allowed) and every extra they include, recursively."""
    extras = (project or load())["project"]["optional-dependencies"]
    todo = [n.strip() for name in names for n in name.split(",") if n.strip()]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in extras:
            raise SystemExit(f"no extra {name!r} in pyproject.toml")
        seen.add(name)
        for req in extras[name]:
            m = SELF.match(req.replace(" ", ""))
            if m:
                todo.extend(m["extras"].split(","))
    return seen


def requirements(names: Iterable[str], project: dict[str, Any] | None = None) -> list[str]:
    """The third-party requirements of these extras (their own ``kvali[...]`` left out)."""
    project = project or load()
    extras = project["project"]["optional-dependencies"]
    out = []
    for name in sorted(expand(names, project)):
        out += [r for r in extras[name] if not SELF.match(r.replace(" ", ""))]
    return out


def no_deps(names: Iterable[str], project: dict[str, Any] | None = None) -> list[str]:
    """The ``--no-deps`` packages these extras need, in a stable order, once each."""
    project = project or load()
    table = project.get("tool", {}).get("kvali", {}).get("no-deps", {})
    out: list[str] = []
    for name in sorted(expand(names, project)):
        out += [p for p in table.get(name, []) if p not in out]
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("no-deps", "expand"):
        raise SystemExit(__doc__)
    items = no_deps([sys.argv[2]]) if sys.argv[1] == "no-deps" else sorted(expand([sys.argv[2]]))
    print("\n".join(items))
