"""Keep kvali's message catalogue: extract, update, compile and check (docs/i18n.md).

    python scripts/i18n.py update    # extract messages from src/ and templates into en.po, nb.po
    python scripts/i18n.py compile   # write the .mo files kvali reads
    python scripts/i18n.py check     # what tests/test_i18n.py asserts: nothing missing or stale

Needs Babel (in the ``test`` extra). Messages are English msgids found by Babel's Python and
Jinja extractors: ``_()``, ``N_()``, ``in_lang(lang, …)`` and the first argument of kvali's error
classes. ``.po`` files list source files without line numbers, sorted by msgid, so parallel
branches that add messages rarely touch the same lines.
"""

from __future__ import annotations

import ast
import io
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "kvali"
LANGUAGES = ("en", "nb")
DOMAIN = "kvali"

ERROR_CLASSES = (
    "KvaliError",
    "InputError",
    "NotFoundError",
    "ConflictError",
    "WrongPassphrase",
    "PermissionDenied",
    "CheckUnavailable",
)
"""Their first argument is a catalogue message (kvali/errors.py)."""
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "N_": None,
    "unfilled": None,
    "in_lang": (2,),
    **{name: None for name in ERROR_CLASSES},
}
METHODS = [
    ("kvali/**.py", "python"),
    ("kvali/web/templates/**.html", "jinja2.ext:babel_extract"),
]
NOT_VALUES = {"InputError": {"file", "line"}}
"""Keyword arguments that are not placeholder values."""


def po_path(lang: str, src: Path = SRC) -> Path:
    return src / "kvali" / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str, src: Path = SRC) -> Path:
    return po_path(lang, src).with_suffix(".mo")


def _rel(path: Path, src: Path) -> str:
    return str(path.relative_to(src.parent))


def extract(src: Path = SRC) -> Catalog:
    """Every message in the code and templates, with the files that use it."""
    template = Catalog(domain=DOMAIN, project="kvali", charset="utf-8")
    for filename, _lineno, message, comments, context in extract_from_dir(
        src, METHODS, {"kvali/web/templates/**.html": {}}, KEYWORDS
    ):
        if isinstance(message, tuple):
            message = message[0]
        if message:
            template.add(message, None, [(filename, None)], auto_comments=comments, context=context)
    return template


def read(lang: str, src: Path = SRC) -> Catalog:
    path = po_path(lang, src)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="kvali", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def write(catalog: Catalog, lang: str, src: Path = SRC) -> None:
    path = po_path(lang, src)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)
    path.write_bytes(buf.getvalue())


def update(src: Path = SRC) -> dict[str, int]:
    """Merge the extracted messages into each ``.po``; returns how many nb entries are missing."""
    template = extract(src)
    missing = {}
    for lang in LANGUAGES:
        catalog = read(lang, src)
        template.creation_date = catalog.creation_date  # no date churn in the header
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        write(catalog, lang, src)
        missing[lang] = sum(1 for m in catalog if m.id and not m.string)
    return missing


def compiled(lang: str, src: Path = SRC) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, read(lang, src))
    return buf.getvalue()


def compile_all(src: Path = SRC) -> None:
    for lang in LANGUAGES:
        mo_path(lang, src).write_bytes(compiled(lang, src))


def fields(text: str) -> set[str]:
    """The ``{name!conv}`` placeholders of a message (format specs may differ by language)."""
    out = set()
    for _, name, _spec, conv in string.Formatter().parse(text):
        if name is not None:
            out.add(name + (f"!{conv}" if conv else ""))
    return out


def _mo_entries(data: bytes) -> dict[str, str]:
    from gettext import GNUTranslations

    return dict(GNUTranslations(io.BytesIO(data))._catalog)  # type: ignore[attr-defined]


def check(src: Path = SRC) -> list[str]:
    """Everything that is wrong with the catalogue, one line each; empty when all is well."""
    problems = list(lint_calls(src / "kvali")) + list(lint_shadowing_and_click(src / "kvali"))
    used = {m.id for m in extract(src) if m.id}
    for lang in LANGUAGES:
        catalog = read(lang, src)
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(used - set(have)):
            problems.append(f"{lang}: missing {msgid!r} (run python scripts/i18n.py update)")
        for msgid in sorted(set(have) - used):
            problems.append(f"{lang}: {msgid!r} is in the catalogue but no code uses it")
        for msgid, m in have.items():
            if lang != "en" and (not m.string or m.fuzzy):
                problems.append(f"{lang}: no translation for {msgid!r}")
            elif m.string and fields(m.string) != fields(msgid):
                problems.append(
                    f"{lang}: placeholders differ in {msgid!r}: "
                    f"{sorted(fields(msgid))} vs {sorted(fields(m.string))}"
                )
        path = mo_path(lang, src)
        if not path.exists() or _mo_entries(path.read_bytes()) != _mo_entries(compiled(lang, src)):
            problems.append(f"{_rel(path, src)} is stale: run python scripts/i18n.py compile")
    problems += lint_templates(src / "kvali")
    return problems


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


TRANSLATABLE = (ast.Name, ast.Attribute, ast.Subscript)
"""What ``_``/``in_lang`` may take besides a literal: a message marked with ``N_`` elsewhere."""


def lint_calls(root: Path = PACKAGE) -> Iterator[str]:
    """Calls whose message the extractor cannot see, or whose values miss a placeholder.

    An error's message must be a string literal, and ``_()``/``in_lang()`` take a literal or a
    variable holding an ``N_`` message: an f-string, a concatenation or ``.format`` is invisible
    to extraction, so it would stay English. The keyword values must be exactly the message's
    placeholders, so a translated message never fails to format.
    """
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in KEYWORDS or name == "N_" and not node.args:
                continue
            position = (KEYWORDS[name] or (1,))[0] - 1
            where = f"{_rel(path, root.parent)}:{node.lineno}"
            if len(node.args) <= position:
                if name in ERROR_CLASSES:
                    yield f"{where}: {name}() without a message"
                continue
            arg = node.args[position]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                if name in ERROR_CLASSES or not isinstance(arg, TRANSLATABLE):
                    yield f"{where}: {name}() needs a string literal message, not {ast.unparse(arg)}"
                continue
            if name in ("N_", "unfilled") or any(k.arg is None for k in node.keywords):
                continue  # N_ formats later; **values cannot be checked here
            given = {k.arg for k in node.keywords} - NOT_VALUES.get(name, set())
            wanted = {f.partition("!")[0].split(".")[0].split("[")[0] for f in fields(arg.value)}
            if given != wanted:
                yield (
                    f"{where}: {name}({arg.value[:50]!r}…) placeholders {sorted(wanted)} "
                    f"but values {sorted(given)}"
                )


CLICK_ERRORS = ("UsageError", "BadParameter", "ClickException")
"""click's errors print their message as given: it must be a ``_()`` call."""


def lint_shadowing_and_click(root: Path = PACKAGE) -> Iterator[str]:
    """``_`` rebound in a function that also translates (``for _, x in …``), and click errors
    given an untranslated message."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{_rel(path, root.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = list(ast.walk(node))
                bound = any(
                    isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                    for n in inner
                ) or any(a.arg == "_" for a in ast.walk(node.args) if isinstance(a, ast.arg))
                called = any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                    for n in inner
                )
                if bound and called:
                    yield f"{where}: `_` is rebound in a function that calls _(); rename it"
            elif isinstance(node, ast.Call) and _name(node.func) in CLICK_ERRORS and node.args:
                arg = node.args[0]
                if not (isinstance(arg, ast.Call) and _name(arg.func) == "_"):
                    yield f"{where}: {_name(node.func)}() needs a _() message"


_TEMPLATE_CALL = re.compile(r"\b_\(\s*([^'\"\s)])")


def lint_templates(root: Path = PACKAGE) -> list[str]:
    """``_()`` in a template must be given a literal, or extraction misses the message."""
    out = []
    for path in sorted((root / "web" / "templates").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for m in _TEMPLATE_CALL.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append(f"{_rel(path, root.parent)}:{line}: _() needs a string literal message")
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        missing = update()
        print(f"updated {', '.join(_rel(po_path(x), SRC) for x in LANGUAGES)}")
        if missing.get("nb"):
            print(f'{missing["nb"]} messages need Bokmål (msgstr "" in nb/LC_MESSAGES/kvali.po)')
        return 0
    if command == "compile":
        compile_all()
        print("compiled " + ", ".join(str(mo_path(x).relative_to(ROOT)) for x in LANGUAGES))
        return 0
    if command == "check":
        problems = check()
        for p in problems:
            print(p)
        print(f"{len(problems)} problems" if problems else "catalogue complete")
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
