"""Bring old-style translation tables and calls over to the gettext catalogue (docs/i18n.md).

Before the catalogue, kvali kept messages in Python dicts keyed by names: ``MESSAGES`` in
``kvali/i18n.py`` (key → {en, nb}), the workbench's ``EN``/``NB`` (or ``_EN``/``_NB``) dicts in
``web/i18n*.py``, ``LABELS`` (``{"en": {…}, "nb": {…}}``) in ``reports/labels.py`` and module
tables such as ``T`` in ``reports/sections.py``; code looked them up with ``_("key")``,
``t('key')`` in templates, ``label("key", lang)`` and ``_t("key", lang)``. A branch written
in that style merges in three steps::

    # 1. its tables (a file from the branch, e.g. git show B:src/kvali/web/i18n.py > old.py)
    python scripts/i18n_migrate.py tables old.py --namespace web
    # 2. its calls: t('key') → _('English'), _("key") → _("English"), label("key", lang) → in_lang(…)
    python scripts/i18n_migrate.py calls src/kvali/web/templates/new_screen.html src/kvali/cli/x.py
    # 3. error messages written as f-strings → a literal message with its values
    python scripts/i18n_migrate.py errors src/kvali/newarea/service.py
    # then, as for any new message:
    python scripts/i18n.py update && python scripts/i18n.py compile && python scripts/i18n.py check

``tables`` adds each entry whose key is new (or whose English changed) to ``en.po`` and
``nb.po`` and remembers key → English in ``scripts/i18n_legacy_keys.json``, which ``calls``
reads (the keys of main before the catalogue are in it already). Keys computed at run time
(``t('mode_' ~ m)``) cannot be converted: ``calls`` lists them with file and line, and they
become explicit mappings (``kvali/terms.py``). ``errors`` names each value after its
expression (``{job_id}``, ``{exc.msg}`` → ``{msg}``) and prints the ones it had to invent.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEGACY = Path(__file__).with_name("i18n_legacy_keys.json")
LOCALE = ROOT / "src" / "kvali" / "locale"
NAMESPACES = ("cli", "web", "report", "sections")
ERROR_CLASSES = ("KvaliError", "InputError", "NotFoundError", "WrongPassphrase")


# ---------------------------------------------------------------- reading old-style tables


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _is_str_dict(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def read_tables(source: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """key → (English, Bokmål) from every dict literal of a known shape; and warnings."""
    singles: dict[str, dict[str, str]] = {}
    pairs: dict[str, tuple[str, str]] = {}
    warnings: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict):
            continue
        data = _literal(value)
        if not isinstance(data, dict) or not data:
            continue
        if all(isinstance(v, dict) and {"en", "nb"} <= set(v) for v in data.values()):
            for key, v in data.items():  # key → {en, nb}
                pairs[key] = (v["en"], v["nb"])
        elif set(data) >= {"en", "nb"} and all(_is_str_dict(v) for v in data.values()):
            for key, en in data["en"].items():  # {"en": {…}, "nb": {…}}
                nb = data["nb"].get(key)
                if nb is None:
                    warnings.append(f"{key}: no Bokmål")
                pairs[key] = (en, nb or "")
        elif _is_str_dict(data) and target.id.lstrip("_").upper() in ("EN", "NB"):
            singles.setdefault(target.id.lstrip("_").lower(), {}).update(data)
    for key, en in singles.get("en", {}).items():
        nb = singles.get("nb", {}).get(key)
        if nb is None:
            warnings.append(f"{key}: no Bokmål")
        pairs[key] = (en, nb or "")
    for key in set(singles.get("nb", {})) - set(singles.get("en", {})):
        warnings.append(f"{key}: Bokmål without English; skipped")
    return pairs, warnings


# ---------------------------------------------------------------- the .po files (no Babel)


def _po_quote(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{body}"'


def _po_unquote(text: str) -> str:
    return json.loads(text) if "\\" in text else text[1:-1]


def po_entries(path: Path) -> dict[str, str]:
    """msgid → msgstr of a ``.po`` file (single-line or wrapped strings, no plurals)."""
    entries: dict[str, str] = {}
    if not path.exists():
        return entries
    msgid = msgstr = None
    current = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("msgid "):
            if msgid is not None:
                entries[msgid] = msgstr or ""
            msgid, msgstr, current = _po_unquote(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, current = _po_unquote(line[7:]), "str"
        elif line.startswith('"') and current == "id":
            msgid = (msgid or "") + _po_unquote(line)
        elif line.startswith('"') and current == "str":
            msgstr = (msgstr or "") + _po_unquote(line)
        elif not line and msgid is not None:
            entries[msgid] = msgstr or ""
            msgid = msgstr = current = None
    entries.pop("", None)
    return entries


def po_add(path: Path, msgid: str, msgstr: str, comment: str) -> None:
    """Append an entry; ``scripts/i18n.py update`` sorts and tidies the file afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n#. {comment}\nmsgid {_po_quote(msgid)}\nmsgstr {_po_quote(msgstr)}\n")


def po_set(path: Path, msgid: str, msgstr: str) -> bool:
    """Replace the msgstr of a one-line entry; False if the entry is not written that way."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(
        r"^msgid " + re.escape(_po_quote(msgid)) + r"\nmsgstr (\"(?:[^\"\\]|\\.)*\"\n)+",
        re.MULTILINE,
    )
    new, n = pattern.subn(
        lambda m: f"msgid {_po_quote(msgid)}\nmsgstr {_po_quote(msgstr)}\n", text, count=1
    )
    if n:
        path.write_text(new, encoding="utf-8")
    return bool(n)


def load_legacy(path: Path = LEGACY) -> dict[str, dict[str, str]]:
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {ns: {} for ns in NAMESPACES}


def save_legacy(legacy: dict[str, dict[str, str]], path: Path = LEGACY) -> None:
    data = {ns: dict(sorted(legacy.get(ns, {}).items())) for ns in NAMESPACES}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def add_tables(
    path: Path, namespace: str, locale: Path = LOCALE, legacy_path: Path = LEGACY
) -> list[str]:
    """Add a file's old-style entries to the catalogue; returns what it did, one line each."""
    pairs, report = read_tables(path.read_text(encoding="utf-8"))
    legacy = load_legacy(legacy_path)
    known = legacy.setdefault(namespace, {})
    en_po = locale / "en" / "LC_MESSAGES" / "kvali.po"
    nb_po = locale / "nb" / "LC_MESSAGES" / "kvali.po"
    have_en, have_nb = po_entries(en_po), po_entries(nb_po)
    for key, (en, nb) in pairs.items():
        if known.get(key) == en and en in have_nb and have_nb[en] == nb:
            continue
        old = known.get(key)
        known[key] = en
        if en in have_nb:
            if have_nb[en] != nb:
                if not po_set(nb_po, en, nb):
                    report.append(f"{key}: set the Bokmål of {en!r} to {nb!r} by hand")
                else:
                    report.append(f"{key}: Bokmål of {en!r} was {have_nb[en]!r}, now {nb!r}")
                have_nb[en] = nb
            else:
                report.append(f"{key}: {en!r} is in the catalogue already")
            continue
        if en not in have_en:
            po_add(en_po, en, "", f"{namespace}:{key}")
            have_en[en] = ""
        po_add(nb_po, en, nb, f"{namespace}:{key}")
        have_nb[en] = nb
        change = f" (was {old!r})" if old and old != en else ""
        report.append(f"{key}: added {en!r}{change}")
    save_legacy(legacy, legacy_path)
    return report


# ---------------------------------------------------------------- rewriting calls


def py_literal(text: str, quote: str = '"') -> str:
    """A Python string literal in ``quote`` (the old key's, which may sit inside an f-string)."""
    body = text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")
    return quote + body + quote


def jinja_literal(text: str) -> str:
    if "'" not in text:
        return "'" + text.replace("\\", "\\\\") + "'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_KEY = r"""(?P<q>['"])(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P=q)"""
PY_RULES = [  # (namespace, pattern, replacement builder)
    ("cli", re.compile(r"(?<![\w.])_\(\s*" + _KEY), lambda e, m: f"_({py_literal(e, m['q'])}"),
    (
        "web",
        re.compile(r"(?<![\w.])t\(\s*" + _KEY + r"\s*\)"),
        lambda e, m: f"_({py_literal(e, m['q'])})",
    ),
    (
        "report",
        re.compile(r"(?<![\w.])label\(\s*" + _KEY + r"\s*,\s*(?P<lang>[^()]+?)\s*\)"),
        lambda e, m: f"in_lang({m['lang']}, {py_literal(e, m['q'])})",
    ),
    (
        "sections",
        re.compile(r"(?<![\w.])_t\(\s*" + _KEY + r"\s*,\s*(?P<lang>[^()]+?)\s*\)"),
        lambda e, m: f"in_lang({m['lang']}, {py_literal(e, m['q'])})",
    ),
]
TEMPLATE_CALL = re.compile(r"(?<![\w.])t\(\s*" + _KEY + r"\s*\)")
LEFT_OVER = {
    ".html": re.compile(r"(?<![\w.])t\((?!\s*\))"),
    ".py": re.compile(r"(?<![\w.])(?:t|label|_t)\(\s*(?!['\"])[^)]"),
}


def rewrite_calls(path: Path, legacy: dict[str, dict[str, str]]) -> tuple[int, list[str]]:
    """Rewrite literal-key calls in one file; returns (calls rewritten, calls left, as lines)."""
    text = path.read_text(encoding="utf-8")
    count = 0
    left: list[str] = []

    def sub(namespace: str, build):  # type: ignore[no-untyped-def]
        def repl(m: re.Match[str]) -> str:
            nonlocal count
            english = legacy.get(namespace, {}).get(m["key"])
            if english is None:
                line = text.count("\n", 0, m.start()) + 1
                left.append(f"{path}:{line}: unknown {namespace} key {m['key']!r}")
                return m[0]
            count += 1
            return build(english, m)

        return repl

    if path.suffix == ".html":
        text = TEMPLATE_CALL.sub(sub("web", lambda e, m: f"_({jinja_literal(e)})"), text)
    else:
        for namespace, pattern, build in PY_RULES:
            if namespace == "cli" and "kvali.i18n import _" not in text and "import _," not in text:
                continue  # `_` means something else in this file
            text = pattern.sub(sub(namespace, build), text)
    pattern = LEFT_OVER.get(path.suffix)
    for m in pattern.finditer(text) if pattern else ():
        line = text.count("\n", 0, m.start()) + 1
        snippet = text[m.start() : text.find("\n", m.start())].strip()[:60]
        left.append(f"{path}:{line}: computed key, make it an explicit mapping: {snippet}")
    if path.suffix == ".py":
        try:
            ast.parse(text)
        except SyntaxError as exc:
            left.append(f"{path}:{exc.lineno}: the rewrite would not parse; file left unchanged")
            return 0, left
    path.write_text(text, encoding="utf-8")
    return count, left


# ---------------------------------------------------------------- f-string error messages


def _value_name(node: ast.expr) -> str | None:
    """A placeholder name for an f-string expression: ``x.attr`` → attr, ``", ".join(LEVELS)``
    → levels, ``len(rows)`` → n_rows; None when nothing fits."""
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        if isinstance(node.slice.value, str) and node.slice.value.isidentifier():
            return node.slice.value.lower()
    if isinstance(node, ast.BoolOp):
        return _value_name(node.values[0])
    if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        return _value_name(node.generators[0].iter)
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "join":
            return _value_name(node.args[0])
        name = func.id if isinstance(func, ast.Name) else None
        if name == "len":
            inner = _value_name(node.args[0])
            return f"n_{inner}" if inner else "n"
        if name in ("str", "repr", "sorted", "list", "tuple", "set"):
            return _value_name(node.args[0])
        if name == "map" and len(node.args) == 2:
            return _value_name(node.args[1])
    return None


def _convert(joined: ast.JoinedStr, taken: set[str]) -> tuple[str, list[tuple[str, str]], bool]:
    """(message, [(name, expression)], invented): the f-string as a template and its values."""
    parts: list[str] = []
    values: list[tuple[str, str]] = []
    by_expr: dict[str, str] = {}
    invented = False
    for piece in joined.values:
        if isinstance(piece, ast.Constant):
            parts.append(str(piece.value).replace("{", "{{").replace("}", "}}"))
            continue
        assert isinstance(piece, ast.FormattedValue)
        expr = ast.unparse(piece.value)
        name = by_expr.get(expr)
        if name is None:
            base = _value_name(piece.value)
            if base is None or base in ("file", "line"):
                base, invented = (base or "value"), True
            name, i = base, 2
            while name in taken:
                name, i = f"{base}{i}", i + 1
            taken.add(name)
            by_expr[expr] = name
            values.append((name, expr))
        conv = {-1: "", 115: "!s", 114: "!r", 97: "!a"}[piece.conversion]
        spec = ""
        if piece.format_spec is not None:
            spec = ":" + "".join(
                str(p.value) for p in piece.format_spec.values if isinstance(p, ast.Constant)
            )
        parts.append("{" + name + conv + spec + "}")
    return "".join(parts), values, invented


def rewrite_errors(path: Path) -> list[str]:
    """Turn ``raise InputError(f"… {x} …", file=p)`` into ``InputError("… {x} …", file=p, x=x)``."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, col: int) -> int:
        return starts[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())

    edits: list[tuple[int, int, str]] = []
    notes: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in ERROR_CLASSES or not isinstance(node.args[0], ast.JoinedStr):
            continue
        taken = {k.arg for k in node.keywords if k.arg}
        message, values, invented = _convert(node.args[0], taken)
        first = node.args[0]
        edits.append(
            (
                offset(first.lineno, first.col_offset),
                offset(first.end_lineno or first.lineno, first.end_col_offset or 0),
                py_literal(message),
            )
        )
        extra = "".join(f", {n}={e}" for n, e in values)
        end = offset(node.end_lineno or node.lineno, (node.end_col_offset or 1) - 1)
        before = source[:end].rstrip()
        if before.endswith(","):  # a trailing comma: keep the call's layout valid
            extra = extra[2:] + ","
        edits.append((end, end, extra))
        if invented:
            notes.append(f"{path}:{node.lineno}: check the value names in {message!r}")
    for start, stop, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[stop:]
    path.write_text(source, encoding="utf-8")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tables", help="add old-style dict entries to en.po / nb.po")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--namespace", choices=NAMESPACES, required=True)
    p.add_argument("--locale", type=Path, default=LOCALE, help="the catalogue folder")
    p.add_argument("--legacy", type=Path, default=LEGACY, help="the key → English map")
    p = sub.add_parser("calls", help="rewrite key lookups into catalogue calls")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--legacy", type=Path, default=LEGACY, help="the key → English map")
    p = sub.add_parser("errors", help="rewrite f-string error messages into message + values")
    p.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    if args.command == "tables":
        for f in args.files:
            for line in add_tables(f, args.namespace, args.locale, args.legacy):
                print(f"{f}: {line}")
    elif args.command == "calls":
        legacy = load_legacy(args.legacy)
        for f in args.files:
            n, left = rewrite_calls(f, legacy)
            print(f"{f}: {n} calls rewritten")
            for line in left:
                print(line)
                status = 1
    else:
        for f in args.files:
            for line in rewrite_errors(f):
                print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
