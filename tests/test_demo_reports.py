"""The demo study (the seed thesis) and the three tables built from it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner


def test_demo_study_has_the_thesis_shape(demo_project):
    from kvali.codes.service import list_codes
    from kvali.guides.service import get_guide
    from kvali.interviews.service import list_interviews
    from kvali.participants.service import list_participants
    from kvali.studies.service import default_study_id, get_study, stats
    from kvali.transcripts.service import get_turns

    with demo_project.begin() as conn:
        sid = default_study_id(conn)
        study = get_study(conn, sid)
        counts = stats(conn, sid)
        interviews = list_interviews(conn, sid)
        people = list_participants(conn, sid)
        codes = list_codes(conn, sid)
        guide = get_guide(conn, sid)
        words = [
            sum(len(t["text"].split()) for t in get_turns(conn, iv["transcript_id"]))
            for iv in interviews
        ]
    assert "PLF" in study["title"] and len(study["research_questions"]) == 2
    assert [iv["mode"] for iv in interviews] == ["in_person", "hybrid", "digital"]
    assert all(2500 <= w <= 4000 for w in words), words
    assert len(people) == 3 and all(p["attributes"].get("skoletype") for p in people)
    assert [c["name"] for c in codes if c["level"] == "theme"] == [
        "Samskaping",
        "Distribuert ledelse",
        "Nettverk",
    ]
    assert counts["cycles"] == 2 and counts["codings"] > 100
    assert len(guide["topics"]) >= 3 and any(
        q["keywords"] for t in guide["topics"] for q in t["questions"]
    )


def test_analysis_model_theme_matrix_condensation(demo_project):
    from kvali.codings.service import list_codings
    from kvali.reports.build import build_report
    from kvali.studies.service import default_study_id

    with demo_project.begin() as conn:
        sid = default_study_id(conn)
        report = build_report(conn, sid)
        live = list_codings(conn, sid, with_text=False)
        cycle1 = build_report(conn, sid, cycle=1)
    assert report.cycle == 2 and cycle1.cycle == 1
    assert [m.interview for m in report.analysis_models] == [
        "Intervju 1",
        "Intervju 2",
        "Intervju 3",
    ]
    for model in report.analysis_models:
        assert model.gold_quotes and all(
            q.gold and q.text and q.start_ms is not None for q in model.gold_quotes
        )
        assert model.recurring_codes and all(rc.count >= 2 for rc in model.recurring_codes)
        assert model.recurring_words and model.categories and model.findings
    matrix = report.theme_matrix
    assert [r.theme for r in matrix.rows] == ["Samskaping", "Distribuert ledelse", "Nettverk"]
    assert sum(r.total for r in matrix.rows) == len(live)
    assert all(cell.quote is not None for r in matrix.rows for cell in r.cells if cell.count)
    assert sum(sum(row) for row in report.code_frequency.counts) == len(live)
    assert len(report.condensations) == 2
    for c in report.condensations:
        assert c.themes and c.condensed_meaning and c.quotes
        assert all(q.interview and q.start_ms is not None for q in c.quotes)


def test_demo_command_runs_offline_and_writes_every_report(tmp_path):
    """What the demo writes; how long it takes is bench/demo.py's (phases against a baseline)."""
    from docx import Document
    from openpyxl import load_workbook

    from kvali.cli import cli

    result = CliRunner().invoke(
        cli, ["demo", str(tmp_path / "demo"), "--lang", "nb"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    exports = tmp_path / "demo" / "exports"
    for name in (
        "report.md",
        "report.html",
        "report.docx",
        "report.xlsx",
        "report.json",
        "analysis_model.csv",
        "theme_matrix.csv",
        "condensation.csv",
        "code_frequency.csv",
    ):
        assert (exports / name).stat().st_size > 0, name
    md = (exports / "report.md").read_text(encoding="utf-8")
    assert "Gullet" in md and "Samskaping" in md
    html = (exports / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 2
    doc_text = "\n".join(p.text for p in Document(exports / "report.docx").paragraphs)
    assert "Analysemodell" in doc_text
    assert len(load_workbook(exports / "report.xlsx").sheetnames) >= 4
    data = json.loads((exports / "report.json").read_text(encoding="utf-8"))
    import importlib.util
    import shutil

    speech = importlib.util.find_spec("faster_whisper") is not None and shutil.which("espeak-ng")
    # the three interviews, and the synthesised recording where speech support is installed
    assert len(data["analysis_models"]) == (4 if speech else 3)
    for heading in (
        "Samtalestatistikk",
        "Samsvar mellom kodere",
        "Teorirammeverk",
        "Dekning av intervjuguiden",
    ):
        assert f"## {heading}" in md and heading in doc_text
    sections = {s["key"]: s for s in data["sections"]}
    by_mode = {row[0]: row[5] for row in sections["talk_statistics"]["tables"][0]["rows"]}
    assert by_mode["fysisk"] > by_mode["hybrid"] > by_mode["digitalt"]  # backchannels per minute
    irgens = sections["framework_matrix"]["tables"][0]
    critical = next(r for r in irgens["rows"] if "kritisk" in r[0].lower())
    assert all(cell.startswith("○") for cell in critical[1:])  # not evidenced, as in the thesis
    assert html.count("<svg") >= 4
    again = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo")])
    assert again.exit_code != 0 and "--force" in again.output


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_report_headings_follow_language(demo_project, tmp_path, lang):
    from kvali.reports.service import write_study_reports

    paths = write_study_reports(demo_project, formats=["md"], lang=lang, out_dir=tmp_path / lang)
    text = paths[0].read_text(encoding="utf-8")
    assert ("Analysemodell" in text) == (lang == "nb")
    assert ("Analysis model" in text) == (lang == "en")
