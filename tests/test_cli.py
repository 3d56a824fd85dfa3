"""The kvali command end to end: thin over the services, JSON for scripts, errors → exit ≠ 0."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kvali.cli import cli
from tests.conftest import snapshot
from tests.helpers import TRANSCRIPT_1, TRANSCRIPT_2, write


def run(*args, ok=True, input=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def cli_project(project, tmp_path):
    """A project set up entirely through the CLI."""
    p = project.path
    run("-p", p, "study", "create", "--title", "PLF", "--problem", "Hvordan forstår rektorer PLF?")
    run("-p", p, "rq", "add", "Hvordan forstår rektorer begrepet?")
    run(
        "-p",
        p,
        "participant",
        "add",
        "R1",
        "--attr",
        "skoletype=barneskole",
        "--consent-date",
        "2022-03-28",
    )
    run("-p", p, "participant", "add", "R2", "--attr", "skoletype=ungdomsskole")
    run(
        "-p",
        p,
        "interview",
        "add",
        "Intervju 1",
        "--participant",
        "R1",
        "--interviewer",
        "Intervjuer",
        "--date",
        "2022-04-26",
        "--mode",
        "in-person",
        "--duration",
        "55",
    )
    run("-p", p, "interview", "add", "Intervju 2", "--participant", "R2", "--mode", "digital")
    run("-p", p, "transcript", "import", "Intervju 1", write(tmp_path, "i1.txt", TRANSCRIPT_1))
    run("-p", p, "transcript", "import", "Intervju 2", write(tmp_path, "i2.md", TRANSCRIPT_2))
    run("-p", p, "code", "add", "Samskaping", "--level", "theme")
    run("-p", p, "code", "add", "Tid", "--parent", "Samskaping", "--description", "Tid som ressurs")
    run("-p", p, "code", "add", "Deling", "--parent", "Samskaping")
    return p


def test_init_and_stats_json(tmp_path):
    run("init", tmp_path / "ny", "--title", "Min studie")
    out = json.loads(run("-p", tmp_path / "ny", "stats", "--json").output)
    assert out["participants"] == 0 and out["cycles"] == 1
    assert set(out) >= {
        "participants",
        "interviews",
        "transcripts",
        "turns",
        "codes",
        "codings",
        "memos",
        "cycles",
    }


def test_project_from_environment(tmp_path, monkeypatch):
    run("init", tmp_path / "env", "--title", "Env")
    monkeypatch.setenv("KVALI_PROJECT", str(tmp_path / "env"))
    assert json.loads(run("stats", "--json").output)["interviews"] == 0


def test_full_flow_json_outputs(cli_project):
    p = cli_project
    run(
        "-p",
        p,
        "coding",
        "add",
        "Intervju 1",
        "Tid",
        "--quote",
        "Tid er alt.",
        "--gold",
        "--coder",
        "Forsker A",
    )
    run("-p", p, "coding", "add", "Intervju 1", "Deling", "--start", 0, "--end", 3)
    codings = json.loads(run("-p", p, "coding", "list", "--json").output)
    assert [(c["code"], c["text"], c["is_gold"]) for c in codings] == [
        ("Deling", "Hva", False),
        ("Tid", "Tid er alt.", True),
    ]
    run("-p", p, "cycle", "start", "--name", "Andre runde")
    run("-p", p, "code", "rename", "Tid", "Tid og rom")
    history = json.loads(run("-p", p, "code", "history", "--json").output)
    assert (
        history[0]["from"] == ["Tid"]
        and history[0]["to"] == ["Tid og rom"]
        and history[0]["cycle"] == 2
    )
    run("-p", p, "memo", "add", "Vi er selv rektorer.", "--kind", "reflexivity")
    run("-p", p, "memo", "add", "Tid går igjen.", "--on", "code:Tid og rom")
    hits = json.loads(run("-p", p, "search", "erfaringer", "--json").output)
    assert {h["interview"] for h in hits} == {"Intervju 1", "Intervju 2"}
    hits = json.loads(
        run("-p", p, "search", "tid", "--attr", "skoletype=ungdomsskole", "--json").output
    )
    assert {h["interview"] for h in hits} == {"Intervju 2"}
    stats = json.loads(run("-p", p, "stats", "--json").output)
    assert (stats["participants"], stats["interviews"], stats["transcripts"], stats["turns"]) == (
        2,
        2,
        2,
        10,
    )
    assert (stats["codes"], stats["codings"], stats["memos"], stats["cycles"]) == (3, 2, 2, 2)
    for cmd in (
        ["participant", "list"],
        ["interview", "list"],
        ["code", "list"],
        ["cycle", "list"],
        ["memo", "list"],
        ["events"],
        ["rq", "list"],
        ["guide", "show"],
        ["study", "show"],
    ):
        json.loads(run("-p", p, *cmd, "--json").output)
    events = json.loads(
        run("-p", p, "--user", "Forsker B", "events", "--json", "--limit", "500").output
    )
    assert {"create", "rename", "start_cycle"} <= {e["action"] for e in events}


def test_reports_in_every_format_and_language(cli_project, tmp_path):
    p = cli_project
    run("-p", p, "coding", "add", "Intervju 1", "Tid", "--quote", "Tid er alt.", "--gold")
    out = json.loads(
        run("-p", p, "report", "--lang", "nb", "--out", tmp_path / "r", "--json").output
    )
    names = {n.rsplit("/", 1)[-1] for n in out}
    assert {"report.md", "report.html", "report.docx", "report.xlsx", "report.json"} <= names
    assert "Tid er alt." in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["coding", "add", "Intervju 1", "Ukjent", "--quote", "Tid er alt."], 3, "unknown code"),
        (["coding", "add", "Intervju 1", "Tid", "--start", 0, "--end", 99999], 2, "outside"),
        (["coding", "add", "Intervju 9", "Tid", "--quote", "x"], 3, "no interview"),
        (["interview", "add", "X", "--mode", "telepathy"], 2, "mode"),
        (["participant", "add", "R1"], 2, "already exists"),
    ],
)
def test_bad_input_exits_nonzero_with_clear_message_and_writes_nothing(
    cli_project, project, args, code, message
):
    before = snapshot(project)
    result = run("-p", cli_project, *args, ok=False)
    assert result.exit_code == code
    assert message in result.output
    assert snapshot(project) == before


def test_bad_transcript_file_names_file_and_line(cli_project, project, tmp_path):
    bad = write(
        tmp_path, "bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nR: hei\n\n2\nnot a time\nR: x\n"
    )
    run("-p", cli_project, "interview", "add", "Intervju 3")
    before = snapshot(project)
    result = run("-p", cli_project, "transcript", "import", "Intervju 3", bad, ok=False)
    assert result.exit_code == 2 and "bad.srt:6" in result.output
    assert snapshot(project) == before


def test_withdraw_through_cli_reports_what_it_removed(cli_project):
    p = cli_project
    run("-p", p, "coding", "add", "Intervju 1", "Tid", "--quote", "Tid er alt.")
    aborted = run("-p", p, "participant", "withdraw", "R1", input="n\n", ok=False)
    assert aborted.exit_code == 1 and "Intervju 1" in aborted.output
    out = json.loads(run("-p", p, "participant", "withdraw", "R1", "--yes", "--json").output)
    assert out["interviews_deleted"] == ["Intervju 1"] and out["codings"] == 1 and out["turns"] == 6
    assert json.loads(run("-p", p, "stats", "--json").output)["withdrawn"] == 1


def test_guide_and_codebook_files_round_trip(cli_project, tmp_path):
    p = cli_project
    md = write(
        tmp_path,
        "guide.md",
        "# Intervjuguide\n\n## Begrepsforståelse\n\n- Hva legger du i PLF?\n  - Felles forståelse\n",
    )
    assert "1 topics, 1 questions, 1 keywords" in run("-p", p, "guide", "import", md).output
    run("-p", p, "guide", "export", "--format", "yaml", "-o", tmp_path / "g.yaml")
    assert "Felles forståelse" in (tmp_path / "g.yaml").read_text(encoding="utf-8")
    run("-p", p, "code", "export", "-o", tmp_path / "codes.yaml")
    run("init", tmp_path / "other", "--title", "Other")
    assert (
        "3 codes created"
        in run("-p", tmp_path / "other", "code", "import", tmp_path / "codes.yaml").output
    )


def test_transcript_edit_find_and_export(cli_project, tmp_path):
    p = cli_project
    run("-p", p, "coding", "add", "Intervju 1", "Tid", "--quote", "Tid er alt.")
    out = json.loads(
        run(
            "-p",
            p,
            "transcript",
            "edit",
            "Intervju 1",
            "--find",
            "Ingrid Berg",
            "--text",
            "xxx (navn på ansatt)",
            "--json",
        ).output
    )
    assert out["version"] == 2
    run("-p", p, "transcript", "export", "Intervju 1", "--format", "txt", "-o", tmp_path / "t.txt")
    assert "xxx (navn på ansatt)" in (tmp_path / "t.txt").read_text(encoding="utf-8")
    run("-p", p, "transcript", "speaker", "Intervju 1", "Kari", "--rename", "R1")
    assert "R1:" in run("-p", p, "transcript", "show", "Intervju 1").output


def test_interface_speaks_bokmal_and_english(cli_project):
    nb = run("-p", cli_project, "--lang", "nb", "participant", "add", "R7")
    en = run("-p", cli_project, "--lang", "en", "participant", "add", "R8")
    assert nb.output.strip() == "deltaker R7 lagt til"
    assert en.output.strip() == "participant R8 added"
    bad = run("-p", cli_project, "--lang", "nb", "participant", "add", "R7", ok=False)
    assert bad.output.startswith("feil:")
