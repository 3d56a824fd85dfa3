"""One message catalogue: complete in English and Bokmål, in step with the code, errors translated."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvali.cli import cli
from kvali.errors import InputError, NotFoundError
from kvali.i18n import LANGUAGES, _, in_lang, language
from kvali.terms import TERMS, term

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):  # type: ignore[no-untyped-def]
    """A module from scripts/ (they are tools, not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


tool = _script("i18n")
migrate = _script("i18n_migrate")


def test_catalogue_matches_the_code_in_both_languages() -> None:
    """Every message in src/ and the templates is in en.po and nb.po, translated, with the same
    placeholders, the .mo files are compiled from the .po files, and no message hides from
    extraction (an f-string error, a computed template key)."""
    problems = tool.check()
    assert problems == [], "\n".join(problems[:40])


def _tree(tmp: Path, code: str, template: str, nb: dict[str, str]) -> Path:
    src = tmp / "src"
    (src / "kvali" / "web" / "templates").mkdir(parents=True)
    (src / "kvali" / "mod.py").write_text(code, encoding="utf-8")
    (src / "kvali" / "web" / "templates" / "page.html").write_text(template, encoding="utf-8")
    from babel.messages.catalog import Catalog

    for lang in LANGUAGES:
        catalog = Catalog(locale=lang, domain="kvali")
        for msgid, msgstr in nb.items():
            catalog.add(msgid, msgstr if lang == "nb" else "")
        tool.write(catalog, lang, src)
    return src


def test_check_fails_on_missing_mismatched_stale_and_hidden_messages(tmp_path: Path) -> None:
    code = (
        "from kvali.errors import InputError\nfrom kvali.i18n import _\n\n"
        "def f(x, n):\n"
        "    print(_('Hello {name}', name=x))\n"
        "    print(_('{n} codes', n=n))\n"
        "    raise InputError(f'bad {x}')\n"
    )
    src = _tree(
        tmp_path, code, "<p>{{ _('Save') }} {{ _(key) }}</p>", {"Hello {name}": "Hei {navn}"}
    )
    problems = "\n".join(tool.check(src))
    assert "missing '{n} codes'" in problems  # in neither catalogue
    assert "nb: missing 'Save'" in problems and "en: missing 'Save'" in problems
    assert "placeholders differ in 'Hello {name}'" in problems
    assert "kvali.mo is stale" in problems
    assert "kvali/mod.py:7: InputError() needs a string literal message" in problems
    assert "page.html:1: _() needs a string literal message" in problems

    (src / "kvali" / "mod.py").write_text(
        code.replace("f'bad {x}')", "'bad {x}', x=x)"), encoding="utf-8"
    )
    (src / "kvali" / "web" / "templates" / "page.html").write_text("{{ _('Save') }}")
    tool.update(src)
    catalog = tool.read("nb", src)
    for msgid, msgstr in {
        "Hello {name}": "Hei {name}",
        "{n} codes": "{n} koder",
        "Save": "Lagre",
        "bad {x}": "feil {x}",
    }.items():
        catalog.get(msgid).string = msgstr
    tool.write(catalog, "nb", src)
    assert any("stale" in p for p in tool.check(src))
    tool.compile_all(src)
    assert tool.check(src) == []


def test_values_must_match_placeholders(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "from kvali.errors import InputError\n"
        "raise InputError('no job {job_id}', file='x', id=3)\n",
        encoding="utf-8",
    )
    (problem,) = list(tool.lint_calls(tmp_path))
    assert "placeholders ['job_id'] but values ['id']" in problem


def test_lookup_translates_formats_and_falls_back() -> None:
    assert in_lang("nb", "participant {code} added", code="R1") == "deltaker R1 lagt til"
    assert in_lang("en", "participant {code} added", code="R1") == "participant R1 added"
    assert in_lang("nb", "not a message kvali has") == "not a message kvali has"
    with language("nb"):
        assert _("Codebook") == "Kodebok"
        with language("en"):
            assert _("Codebook") == "Codebook"
        assert _("Codebook") == "Kodebok"
    with pytest.raises(InputError):
        in_lang("sv", "Codebook")


def test_errors_are_told_in_the_current_language_with_file_and_line() -> None:
    err = InputError("cue ends before it starts", file="a.vtt", line=4)
    no_job = NotFoundError("no job {job_id}", job_id=7)
    with language("nb"):
        assert str(err) == "a.vtt:4: tekstbiten slutter før den begynner"
        assert str(no_job) == "ingen jobb 7"
    with language("en"):
        assert str(err) == "a.vtt:4: cue ends before it starts"
    assert no_job.text("nb") == "ingen jobb 7" and no_job.text("en") == "no job 7"
    moved = InputError.at(no_job, file="jobs.csv", line=2)
    assert moved.text("nb") == "jobs.csv:2: ingen jobb 7"


def test_service_error_in_bokmal_under_lang_nb(project) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    args = ["-p", str(project.path), "study", "create", "--title", "PLF"]
    assert runner.invoke(cli, args).exit_code == 0
    show = ["transcript", "show", "Intervju 9"]
    nb = runner.invoke(cli, ["--lang", "nb", "-p", str(project.path), *show])
    en = runner.invoke(cli, ["--lang", "en", "-p", str(project.path), *show])
    assert nb.exit_code == en.exit_code == 3
    assert nb.output.strip() == "feil: ikke noe intervju 'Intervju 9'"
    assert en.output.strip() == "error: no interview 'Intervju 9'"


def test_terms_cover_the_stored_values() -> None:
    """Every value the data model can store has words (else a screen would show the raw key)."""
    from kvali.codes.service import LEVELS
    from kvali.memos.service import KINDS, TARGETS
    from kvali.participants.service import MEMBER_CHECK_STATUSES

    assert set(TERMS["code_level"]) == set(LEVELS)
    assert set(TERMS["memo_kind"]) == set(KINDS)
    assert set(TERMS["memo_target"]) == set(TARGETS)
    assert set(TERMS["member_check"]) == set(MEMBER_CHECK_STATUSES)
    assert term("mode", "in_person", "nb") == "fysisk"
    assert term("mode", "telefon", "nb") == "telefon"  # a value kvali has no word for


def test_migrate_brings_old_style_tables_and_calls_over(tmp_path: Path) -> None:
    """An old-style block (as other branches add them) and its calls become catalogue entries
    and message calls; a computed key is listed for a person to map."""
    locale = tmp_path / "locale"
    legacy = tmp_path / "legacy.json"
    legacy.write_text(json.dumps({"web": {"save": "Save"}}), encoding="utf-8")
    for lang in LANGUAGES:
        (locale / lang / "LC_MESSAGES").mkdir(parents=True)
        (locale / lang / "LC_MESSAGES" / "kvali.po").write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
            'msgid "Save"\nmsgstr "' + ("Lagre" if lang == "nb" else "") + '"\n',
            encoding="utf-8",
        )
    old = tmp_path / "i18n_speech.py"
    old.write_text(
        "EN = {\n    'save': 'Save',\n    # --- speech ---\n"
        "    'st_title': \"Speaker's turns\",\n    'st_n': 'Turns: {n}',\n}\n"
        "NB = {\n    'save': 'Lagre',\n    # --- speech ---\n"
        "    'st_title': 'Talerens ytringer',\n    'st_n': 'Ytringer: {n}',\n}\n",
        encoding="utf-8",
    )
    report = migrate.add_tables(old, "web", locale, legacy)
    assert any("st_title: added" in r for r in report)
    nb = migrate.po_entries(locale / "nb" / "LC_MESSAGES" / "kvali.po")
    assert nb == {
        "Save": "Lagre",
        "Speaker's turns": "Talerens ytringer",
        "Turns: {n}": "Ytringer: {n}",
    }
    assert set(migrate.po_entries(locale / "en" / "LC_MESSAGES" / "kvali.po")) == set(nb)

    page = tmp_path / "speech.html"
    page.write_text(
        "<h1>{{ t('st_title') }}</h1><button>{{ t(\"save\") }}</button>{{ t('st_' ~ kind) }}",
        encoding="utf-8",
    )
    code = tmp_path / "speech.py"
    code.write_text(
        "from kvali.errors import InputError\n\n\ndef f(job_id, rows):\n"
        '    raise InputError(f"job {job_id} has {len(rows)} rows", file="x.csv")\n',
        encoding="utf-8",
    )
    n, left = migrate.rewrite_calls(page, migrate.load_legacy(legacy))
    assert n == 2
    assert page.read_text(encoding="utf-8").startswith(
        "<h1>{{ _(\"Speaker's turns\") }}</h1><button>{{ _('Save') }}</button>"
    )
    assert len(left) == 1 and "computed key" in left[0] and ":1:" in left[0]
    assert migrate.rewrite_errors(code) == []
    assert (
        'InputError("job {job_id} has {n_rows} rows", file="x.csv", job_id=job_id, '
        "n_rows=len(rows))"
    ) in code.read_text(encoding="utf-8")
    assert list(tool.lint_calls(tmp_path)) == []


def test_migrate_script_runs_from_the_command_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n_migrate.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "tables" in out.stdout and "calls" in out.stdout and "errors" in out.stdout


def _english_literals(node: ast.AST) -> list[str]:
    """Literal text of an echoed expression that holds a word (two letters or more).

    Only text that would be printed counts: string constants, the literal parts of f-strings,
    both sides of `+` and both branches of `a if c else b`; a `_()` call is the catalogue.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if re.search(r"[A-Za-z]{2,}", node.value) else []
    if isinstance(node, ast.JoinedStr):
        return [t for v in node.values for t in _english_literals(v)]
    if isinstance(node, ast.BinOp):
        return _english_literals(node.left) + _english_literals(node.right)
    if isinstance(node, ast.IfExp):
        return _english_literals(node.body) + _english_literals(node.orelse)
    return []


def test_cli_prints_no_english_outside_the_catalogue() -> None:
    """Every line the CLI echoes with words in it goes through `_`, so `--lang nb` reaches it."""
    offenders = []
    for path in sorted((ROOT / "src" / "kvali" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in {"echo", "secho", "confirm", "prompt"}:
                continue
            for arg in node.args[:1]:
                for text in _english_literals(arg):
                    offenders.append(f"{path.name}:{node.lineno}: {text!r}")
    assert offenders == []


def test_cli_output_in_bokmal(project) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--lang", "nb", "-p", str(project.path)]
    assert runner.invoke(cli, [*base, "study", "create", "--title", "PLF"]).exit_code == 0
    out = runner.invoke(cli, [*base, "pseudonymize", "term", "add", "Nordby", "--label", "LOC"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("term ") and "lagt til" in out.output
