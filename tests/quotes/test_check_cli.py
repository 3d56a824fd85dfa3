"""``kvali -p DIR quote check --jsonl IN``: the exact interface scripts rely on."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kvali.cli import cli


def run(*args: object, input: str | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def test_one_line_per_quote_with_code_point_offsets(study, tmp_path):
    project, _ = study
    lines = [
        {"id": "q1", "text": "😀 Æ veit itj ka dokker mein."},
        {"id": 2, "text": "Vi jobbet med læringsfellesskap på [skole], eh."},
        {"id": "q3", "text": "Kor mykje tid har lærarane?"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    result = run("-p", project.path, "quote", "check", "--jsonl", src)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == ["q1", 2, "q3"]
    assert out[1]["flags"] == []
    for o, src_line in zip(out, lines, strict=True):
        for f in o["flags"]:
            assert set(f) == {"start", "end", "word", "suggestion", "kind"}
            assert src_line["text"][f["start"] : f["end"]] == f["word"]
    first = {f["word"]: f for f in out[0]["flags"]}
    assert first["Æ"]["start"] == 2 and first["Æ"]["suggestion"] == "Jeg"
    assert first["itj"]["suggestion"] == "ikke" and first["itj"]["kind"] == "dialect"
    assert {f["word"]: f["suggestion"] for f in out[2]["flags"]} == {
        "Kor": "Hvor",
        "mykje": "mye",
        "lærarane": "lærerne",
    }


def test_standard_input_and_the_study_setting(study):
    project, sid = study
    from kvali.quotes.service import set_quote_settings

    line = json.dumps({"id": 1, "text": "Jeg blei glad."}) + "\n"
    out = run("-p", project.path, "quote", "check", "--jsonl", "-", input=line)
    assert json.loads(out.output)["flags"] == []
    with project.begin() as conn:
        set_quote_settings(conn, sid, conservative=True)
    out = run("-p", project.path, "quote", "check", "--jsonl", "-", input=line)
    assert json.loads(out.output)["flags"][0]["suggestion"] == "ble"


def test_nynorsk_study_checks_against_nn(project):
    from kvali.studies.service import create_study

    with project.begin() as conn:
        create_study(conn, title="Nynorsk", problem_statement="?", language="nn")
    line = json.dumps({"id": 1, "text": "Eg veit ikke kva ho meiner."}) + "\n"
    out = run("-p", project.path, "quote", "check", "--jsonl", "-", input=line)
    flags = json.loads(out.output)["flags"]
    assert [(f["word"], f["suggestion"], f["kind"]) for f in flags] == [("ikke", "ikkje", "bokmal")]


def test_malformed_line_names_its_number_and_writes_nothing(study, tmp_path):
    project, _ = study
    src = tmp_path / "bad.jsonl"
    src.write_text(
        json.dumps({"id": 1, "text": "Æ veit itj."}) + "\n\n" + '{"id": 2, "text": 5}\n', "utf-8"
    )
    result = run("-p", project.path, "quote", "check", "--jsonl", src)
    assert result.exit_code != 0
    assert "bad.jsonl:3" in result.output
    assert "itj" not in result.output  # nothing of line 1 was written
    src.write_text('{"id": 1, "text": "ok"}\nnot json\n', "utf-8")
    result = run("-p", project.path, "quote", "check", "--jsonl", src)
    assert result.exit_code == 2 and "bad.jsonl:2" in result.output
    src.write_text('{"text": "no id"}\n', "utf-8")
    result = run("-p", project.path, "--lang", "nb", "quote", "check", "--jsonl", src)
    assert result.exit_code == 2 and "bad.jsonl:1" in result.output
