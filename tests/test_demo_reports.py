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


def test_demo_command_runs_offline_transcribes_its_recording_and_writes_every_report(
    tmp_path, monkeypatch
):
    """The test install has the stt extra, so the recording path must run: the shipped audio
    of Intervju 1 is transcribed and aligned, with no espeak-ng or ffmpeg on PATH. (Its speed
    is measured by bench/demo.py, not asserted here.)"""
    pytest.importorskip("faster_whisper", reason="the stt extra is part of the test install")
    from docx import Document
    from openpyxl import load_workbook

    from kvali.cli import cli
    from kvali.interviews.service import list_interviews
    from kvali.pipelines.stt.align import alignment_of
    from kvali.pipelines.words import get_words
    from kvali.project import Project
    from kvali.transcripts.service import transcript_id_for

    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # no espeak-ng, no ffmpeg
    monkeypatch.setenv("KVALI_LANG", "en")
    result = CliRunner().invoke(
        cli, ["demo", str(tmp_path / "demo"), "--lang", "nb"], catch_exceptions=False
    )
    monkeypatch.undo()
    assert result.exit_code == 0, result.output
    assert "recording of Intervju 1 (turns 1–3, espeak-ng)" in result.output
    assert "written words matched" in result.output and "skipped" not in result.output
    project = Project.open(tmp_path / "demo")
    with project.begin() as conn:
        interviews = list_interviews(conn, 1)
        tid = transcript_id_for(conn, 1, "Intervju 1")
        aligned = alignment_of(conn, 1, "Intervju 1")
        timed = get_words(conn, tid)
    project.close()
    assert [i["label"] for i in interviews] == ["Intervju 1", "Intervju 2", "Intervju 3"]
    audio = [i["audio_path"] for i in interviews]
    assert audio[0].startswith("media/") and audio[0].endswith(".ogg") and audio[1:] == [None, None]
    assert (tmp_path / "demo" / audio[0]).stat().st_size > 20_000
    assert aligned["turns"] == [1, 3] and aligned["turns_timed"] >= 2
    assert aligned["coverage"] >= 0.4 and aligned["machine_text"]
    assert aligned["transcription"]["model_sha256"]
    assert len(timed) == aligned["matched_words"] > 20
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
    # the recording is Intervju 1's audio: the thesis' three interviews, nothing more
    assert [m["interview"] for m in data["analysis_models"]] == [i["label"] for i in interviews]
    assert data["theme_matrix"]["interviews"] == [i["label"] for i in interviews]
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
    (agreement,) = sections["agreement"]["tables"]  # one table keyed by interview
    assert agreement["columns"][:2] == ["Intervju", "Kode"]
    assert {row[0] for row in agreement["rows"]} == {"Intervju 1"}  # the double-coded one
    assert agreement["rows"][-1][1] == "Samlet"
    assert (exports / "agreement_1.csv").exists() and not (exports / "agreement_2.csv").exists()
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


def test_heavy_sections_built_beside_are_the_same(demo_project, tmp_path, monkeypatch):
    """The framework matrices and guide coverage built in a forked child (own connection, read
    transaction beside this one's) equal those built here, on SQLite and PostgreSQL; the
    report written with them is the same report."""
    import dataclasses

    import kvali.reports.parallel as parallel
    from kvali.reports.sections import HEAVY, collect_sections, heavy_sections_beside
    from kvali.reports.service import write_study_reports
    from kvali.studies.service import default_study_id

    monkeypatch.setattr(parallel, "can_fork", lambda: True)  # threads of earlier tests aside
    with demo_project.begin() as conn:
        sid = default_study_id(conn)
        side = heavy_sections_beside(demo_project.database_url, sid, demo_project.path, "nb", None)
        here = collect_sections(conn, sid, demo_project.path, "nb", only=HEAVY)
    assert side is not None
    ok, built = side.result()
    assert ok and set(built) == set(HEAVY)
    beside = [s for s in (built[name] for name in HEAVY) if s is not None]
    assert [dataclasses.asdict(s) for s in beside] == [dataclasses.asdict(s) for s in here]
    assert beside  # the demo has a guide: its coverage at least
    two = write_study_reports(demo_project, formats=["json"], out_dir=tmp_path / "two")
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    one = write_study_reports(demo_project, formats=["json"], out_dir=tmp_path / "one")
    def content(path):  # noqa: ANN001, ANN202 - the same report, written a second apart
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("generated_at", None)
        return data

    assert content(two[0]) == content(one[0])
