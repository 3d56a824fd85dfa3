"""Report renderers: every format from one hand-built StudyReport, plus a 500-interview one."""

from __future__ import annotations

import csv
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from bench.report_data import THEMES, synthetic_report
from docx import Document
from openpyxl import load_workbook

from kvali.errors import InputError
from kvali.i18n import check_lang, in_lang
from kvali.reports.model import (
    AnalysisModel,
    CategoryFinding,
    CodeFrequency,
    Condensation,
    Quote,
    RecurringCode,
    RecurringWord,
    StudyReport,
    ThemeCell,
    ThemeMatrix,
    ThemeRow,
)
from kvali.reports.render import (
    FORMATS,
    render_html,
    render_json,
    render_markdown,
    write_csv,
    write_docx,
    write_reports,
    write_xlsx,
)
from kvali.reports.render.charts import code_frequency_svg, heatmap_svg, nice_ticks
from kvali.reports.render.common import cite, fmt_time, xml_safe
from kvali.terms import term

NASTY = 'Vi sa "ja | nei" <script>alert(1)</script>\nog så gikk vi videre – æøå'
FORMULA_LIKE = "=SUM(A1:A2) er ikke en formel"
CSV_FILES = ["analysis_model.csv", "theme_matrix.csv", "condensation.csv", "code_frequency.csv"]


def _quote(i: int, text: str, start_ms: int | None = 723_000, codes: tuple[str, ...] = ()) -> Quote:
    return Quote(f"Intervju {i}", f"R{i}", text, list(codes), 0, len(text), start_ms, gold=True)


@pytest.fixture
def report() -> StudyReport:
    return demo_report()


def demo_report() -> StudyReport:
    """The thesis' demo study in miniature: 3 principals, 3 themes, one nasty quote."""
    interviews = [f"Intervju {i}" for i in (1, 2, 3)]
    modes = ["in_person", "hybrid", "digital"]
    models = []
    for i, mode in enumerate(modes, 1):
        gold = [
            _quote(
                i, f"Det handler om å lære sammen på tvers av trinn, sa rektor {i}.", 60_000 * i
            ),
            _quote(i, NASTY if i == 1 else "Vi må skape det sammen – ikke jeg alene.", None),
        ]
        codes = [
            RecurringCode("Felles refleksjon", "Samarbeid", "Samskaping", 6 - i),
            RecurringCode("Delt ansvar", "Ledelse", "Distribuert ledelse", 3),
        ]
        models.append(
            AnalysisModel(
                interview=f"Intervju {i}",
                participants=[f"R{i}"],
                mode=mode,
                date=f"2022-0{3 + i}-1{i}",
                gold_quotes=gold,
                recurring_codes=codes,
                recurring_words=[RecurringWord("læring", 7), RecurringWord("nettverk", 2)],
                categories=[CategoryFinding("Samarbeid", "Samskaping", 8, codes[:1]),
                            CategoryFinding("Ledelse", "Distribuert ledelse", 3, codes[1:])],
                findings=[f"Rektor {i} ser PLF som en kultur, ikke et prosjekt."],
            )
        )  # fmt: skip
    rows = [
        ThemeRow(
            theme,
            [ThemeCell(t + i, _quote(i, NASTY if (t, i) == (0, 1) else f"{theme} i skole {i}", 5000))
             for i in (1, 2, 3)],
            sum(t + i for i in (1, 2, 3)),
        )
        for t, theme in enumerate(THEMES)
    ]  # fmt: skip
    rows[2].cells[2] = ThemeCell(0, None)
    return StudyReport(
        title="Profesjonelle læringsfellesskap – hvordan forstår rektorer begrepet PLF?",
        problem_statement="Hvordan forstår rektorer begrepet profesjonelle læringsfellesskap?",
        language="nb",
        generated_at="2022-11-01T12:00:00Z",
        cycle=3,
        research_questions=["Hva legger rektorene i PLF?", "Hvordan leder de arbeidet?"],
        analysis_models=models,
        theme_matrix=ThemeMatrix(interviews, rows),
        code_frequency=CodeFrequency(
            interviews, ["Felles refleksjon", "Delt ansvar", "Nettverk | region"],
            [[5, 4, 3], [3, 3, 3], [0, 2, 6]],
        ),  # fmt: skip
        condensations=[
            Condensation(1, "Hva legger rektorene i PLF?", THEMES[:2], "PLF er en måte å jobbe på.",
                         [_quote(1, NASTY), _quote(2, "Alle tar ansvar.", 3_725_000)]),
            Condensation(2, "Hvordan leder de arbeidet?", ["Nettverk"], "Gjennom nettverk.", []),
        ],
    )  # fmt: skip


# --- labels and helpers -----------------------------------------------------------------------


def test_report_headings_in_bokmal_and_unknowns() -> None:
    assert in_lang("nb", "Analysis model") == "Analysemodell"
    assert in_lang("nb", "Gold quotes – the clearest quotes") == "Gullet – de tydeligste sitatene"
    assert (
        in_lang("nb", "Repeated and reinforced statements")
        == "Gjentatte og forsterka tydelige utsagn"
    )
    assert (
        in_lang("nb", "Condensation per research question")
        == "Kondenserte data ut fra forskerspørsmål"
    )
    assert [term("mode", m, "nb") for m in ("in_person", "hybrid", "digital")] == [
        "fysisk", "hybrid", "digitalt"]  # fmt: skip
    assert term("mode", "telefon", "nb") == "telefon"
    with pytest.raises(KeyError):
        term("no_such_group", "x", "en")
    with pytest.raises(InputError):
        check_lang("de")


def test_fmt_time_and_cite() -> None:
    assert fmt_time(None) == ""
    assert fmt_time(723_456) == "00:12:03"
    assert fmt_time(3_725_000) == "01:02:05"
    q = Quote("Intervju 1", "R1", "tekst", [], 0, 5, 723_000)
    assert cite(q) == '"tekst" (Intervju 1, R1, 00:12:03)'
    q.participant, q.start_ms = None, None
    assert cite(q) == '"tekst" (Intervju 1)'
    assert xml_safe("a\x0bb\x00c") == "a\nbc"


def test_nice_ticks_cover_the_maximum() -> None:
    for m in (1, 3, 7, 10, 23, 99, 1234):
        ticks = nice_ticks(m)
        assert ticks[0] == 0 and ticks[-1] >= m and len(ticks) <= 12


# --- all formats ------------------------------------------------------------------------------


def test_write_reports_writes_every_format(report: StudyReport, tmp_path: Path) -> None:
    out = tmp_path / "ut" / "rapport"
    paths = write_reports(report, out, lang="nb")
    names = sorted(p.name for p in paths)
    expected = ["report.docx", "report.html", "report.json", "report.md", "report.xlsx", *CSV_FILES]
    assert names == sorted(expected)
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)


def test_write_reports_selected_formats_in_order(report: StudyReport, tmp_path: Path) -> None:
    paths = write_reports(report, tmp_path, formats=["json", "md", "json"], lang="en")
    assert [p.name for p in paths] == ["report.json", "report.md"]
    assert [p.name for p in write_reports(report, tmp_path, formats="html")] == ["report.html"]


def test_unknown_format_or_language_raises_before_writing(
    report: StudyReport, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="pdf"):
        write_reports(report, tmp_path / "a", formats=["md", "pdf"])
    with pytest.raises(InputError, match="sv"):
        write_reports(report, tmp_path / "b", lang="sv")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    for render in (render_markdown, render_html):
        with pytest.raises(InputError):
            render(report, "xx")


def test_languages_give_different_headings(report: StudyReport) -> None:
    nb, en = render_markdown(report, "nb"), render_markdown(report, "en")
    assert "## Tematisk oversikt" in nb and "## Theme overview" in en
    assert "| Gullet – de tydeligste sitatene |" in nb
    assert "| Gold quotes – the clearest quotes |" in en
    assert "Analysemodell" not in en and "Analysis model" not in nb


# --- Markdown ---------------------------------------------------------------------------------

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _md_tables(text: str) -> list[list[str]]:
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def test_markdown_tables_have_consistent_columns_and_escaped_pipes(report: StudyReport) -> None:
    text = render_markdown(report, "nb")
    tables = _md_tables(text)
    assert len(tables) == 3 + 1  # one analysis model per interview + the theme matrix
    for table in tables:
        widths = {len(_UNESCAPED_PIPE.split(line)) - 2 for line in table}
        assert len(widths) == 1, table
    assert {len(_UNESCAPED_PIPE.split(t[0])) - 2 for t in tables[:3]} == {3}
    assert len(_UNESCAPED_PIPE.split(tables[3][0])) - 2 == 1 + 3 + 1  # theme, 3 interviews, total
    assert "ja \\| nei" in text and "\\<script\\>" in text and "<script>" not in text
    assert "<br>og så gikk vi videre" in text  # newline inside a cell
    assert '_"Vi sa' in text and "(Intervju 1, R1, 00:01:00)" in text
    assert "## Kondenserte data ut fra forskerspørsmål" in text and "### 1. Hva legger" in text
    assert "«læring» (7)" in text and "**Samarbeid (8)**: Felles refleksjon" in text


# --- HTML -------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_escaped_and_has_two_charts(report: StudyReport) -> None:
    page = render_html(report, "nb")
    parser = _Collector()
    parser.feed(page)
    parser.close()
    tags = [t for t, _ in parser.tags]
    assert tags.count("svg") == 2 and page.count("<svg") == 2
    assert "script" not in tags and "link" not in tags and "img" not in tags
    for _tag, attrs in parser.tags:
        assert "src" not in attrs
        assert not (attrs.get("href") or "#").lower().startswith(("http", "//"))
    assert ("html", {"lang": "nb"}) in parser.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Gullet – de tydeligste sitatene" in page and "Analysemodell" in page
    assert "fysisk" in page and "digitalt" in page
    assert page.count("<title>") > 10  # tooltips on bars and heat cells
    assert 'lang="en"' in render_html(report, "en")


def test_code_frequency_chart_caps_at_30_codes_and_says_so() -> None:
    big = synthetic_report(n=3, n_codes=40)
    svg = code_frequency_svg(big.code_frequency, "en")
    assert svg.count('<g class="bar">') == 30
    assert "top 30 of 40 codes" in svg
    assert svg.count('fill="#4e79a7"') >= 30  # one colour per interview, legend included
    assert "Codings" in svg and ">Code<" in svg


def test_heatmap_prints_counts_then_degrades_to_tooltips(report: StudyReport) -> None:
    small = heatmap_svg(report.theme_matrix, "nb")
    assert small.count("<rect") >= 9 and "Samskaping – Intervju 1: 1" in small
    assert re.search(r'pointer-events="none">4</text>', small)
    big = heatmap_svg(synthetic_report(n=500, n_codes=5).theme_matrix, "en")
    assert big.count("<rect") >= 1500 and 'pointer-events="none"' not in big
    assert "hover a cell" in big


# --- DOCX -------------------------------------------------------------------------------------


def test_docx_has_headings_and_quotes_in_tables(report: StudyReport, tmp_path: Path) -> None:
    path = tmp_path / "r.docx"
    write_docx(report, path, "nb")
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    for heading in (
        "Analysis model",
        "Theme overview",
        "Condensation per research question",
        "Research questions",
    ):
        assert in_lang("nb", heading) in headings
    assert "Intervju 2" in headings
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert len(doc.tables) == 3 + 1 + 1  # analysis models, theme matrix, code frequency
    assert doc.tables[0].rows[0].cells[0].text == "Gullet – de tydeligste sitatene"
    nasty = next(c for c in cells if "<script>" in c)
    assert "ja | nei" in nasty and "(Intervju 1, R1)" in nasty
    italic = [r.text for t in doc.tables[:1] for c in t.rows[1].cells for p in c.paragraphs
              for r in p.runs if r.italic]  # fmt: skip
    assert any(t.startswith('"Det handler om') for t in italic)
    assert doc.core_properties.language == "nb-NO"


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_has_sheets_headers_and_chart(report: StudyReport, tmp_path: Path) -> None:
    report.analysis_models[0].findings.append(FORMULA_LIKE)
    path = tmp_path / "r.xlsx"
    write_xlsx(report, path, "nb")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Analysemodell", "Tematisk oversikt", "Temasitater", "Kondensering",
                             "Kodefrekvens"]  # fmt: skip
    ws = wb["Analysemodell"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Intervju", "Kolonne", "Type", "Element"]
    assert ws[1][0].font.bold and ws.freeze_panes == "B2" and ws.auto_filter.ref
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert NASTY in values and FORMULA_LIKE in values
    formula_like = next(c for row in ws.iter_rows() for c in row if c.value == FORMULA_LIKE)
    assert formula_like.data_type == "s"  # stored as text, not evaluated as a formula
    assert ws["D3"].alignment.wrap_text and ws.column_dimensions["D"].width > 30
    assert ws.max_row == 1 + sum(2 + 2 + 2 + 2 + 1 for _ in range(3)) + 1
    matrix = wb["Tematisk oversikt"]
    assert [c.value for c in matrix[1]] == [
        "Tema",
        "Intervju 1",
        "Intervju 2",
        "Intervju 3",
        "Totalt",
    ]
    freq = wb["Kodefrekvens"]
    assert [c.value for c in freq[1]] == [
        "Kode",
        "Intervju 1",
        "Intervju 2",
        "Intervju 3",
        "Totalt",
    ]
    assert len(freq._charts) == 1
    en = load_workbook(_xlsx(report, tmp_path, "en"))
    assert en.sheetnames[0] == "Analysis model" and "Theme matrix" in en.sheetnames
    assert all(len(name) <= 31 for name in wb.sheetnames + en.sheetnames)


def _xlsx(report: StudyReport, tmp_path: Path, lang: str) -> Path:
    path = tmp_path / f"r-{lang}.xlsx"
    write_xlsx(report, path, lang)
    return path


# --- CSV and JSON -----------------------------------------------------------------------------


def _read_csv(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_files_have_bom_headers_and_rows(report: StudyReport, tmp_path: Path) -> None:
    paths = write_csv(report, tmp_path, "nb")
    assert [p.name for p in paths] == CSV_FILES
    analysis = _read_csv(tmp_path / "analysis_model.csv")
    assert analysis[0][:5] == ["Intervju", "Kolonne", "Type", "Element", "Antall"]
    assert any(row[3] == NASTY for row in analysis[1:])  # newline and quotes survive
    themes = _read_csv(tmp_path / "theme_matrix.csv")
    assert themes[0] == ["Tema", "Intervju", "Antall", "Sterkeste sitat", "Deltaker", "Tid"]
    assert len(themes) == 1 + 3 * 3 and themes[1][:3] == ["Samskaping", "Intervju 1", "1"]
    cond = _read_csv(tmp_path / "condensation.csv")
    assert cond[0][:4] == ["Nr.", "Forskerspørsmål", "Type", "Tekst"]
    assert ["1", "Hva legger rektorene i PLF?", "Sitat", "Alle tar ansvar.", "Intervju 2", "R2",
            "01:02:05"] in cond  # fmt: skip
    freq = _read_csv(tmp_path / "code_frequency.csv")
    assert freq[0] == ["Kode", "Intervju 1", "Intervju 2", "Intervju 3"]
    assert freq[1] == ["Felles refleksjon", "5", "4", "3"]
    assert _read_csv(write_csv(report, tmp_path / "en", "en")[0])[0][:2] == ["Interview", "Column"]


def test_json_round_trips_with_english_keys(report: StudyReport) -> None:
    text = render_json(report)
    assert "æøå" in text  # not \u-escaped
    data = json.loads(text)
    assert data == json.loads(json.dumps(report.to_dict()))
    assert (
        "analysis_models" in data and data["analysis_models"][0]["gold_quotes"][1]["text"] == NASTY
    )


# --- edges and scale --------------------------------------------------------------------------


def test_empty_report_renders_in_every_format(tmp_path: Path) -> None:
    empty = StudyReport("Tom", "", "nb", "2026-01-01", 1, [], [], ThemeMatrix([], []),
                        CodeFrequency([], [], []), [])  # fmt: skip
    paths = write_reports(empty, tmp_path, lang="nb")
    assert len(paths) == 5 + 4
    assert render_html(empty, "en").count("<svg") == 2


def test_500_interview_report_renders_all_formats(tmp_path: Path) -> None:
    """What a large study's report holds; how fast it renders is bench/report_render.py's."""
    big = synthetic_report(500)
    paths = write_reports(big, tmp_path, lang="nb")
    assert len(paths) == len(FORMATS) - 1 + 4
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| Intervju | Samskaping | Distribuert ledelse | Nettverk | Totalt |" in md
    doc = Document(str(tmp_path / "report.docx"))
    assert len(doc.tables) == 500 + 2 and len(doc.tables[500].columns) == 5
    wb = load_workbook(tmp_path / "report.xlsx")
    assert len(wb["Kodefrekvens"]._charts) == 1 and wb["Analysemodell"].max_row > 500 * 20
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Viser de 30 hyppigste av 40 koder" in html and "Andre (491 intervjuer)" in html


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_workbook_written_beside_is_the_same_and_a_failure_falls_back(
    report: StudyReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbook written in a forked process has the same cells as one written here; when
    that process fails, this one writes it (and its error would be the real one)."""
    import kvali.reports.parallel as parallel
    import kvali.reports.render as render

    # Earlier tests may leave threads behind, which would keep the workbook in this process.
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    written = write_reports(report, tmp_path / "beside", lang="nb")
    assert (tmp_path / "beside" / "report.xlsx") in written
    assert [p.name for p in written][:4] == [
        "report.md",
        "report.html",
        "report.docx",
        "report.xlsx",
    ]
    monkeypatch.setenv("KVALI_REPORT_PROCESSES", "1")
    write_reports(report, tmp_path / "here", lang="nb")
    assert _cells(tmp_path / "beside" / "report.xlsx") == _cells(tmp_path / "here" / "report.xlsx")
    monkeypatch.delenv("KVALI_REPORT_PROCESSES")

    def broken(*_: object) -> None:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(render, "_xlsx_in_child", broken)  # the child fails (fork copies this)
    write_reports(report, tmp_path / "fallback", formats=["md", "xlsx"], lang="nb")
    assert _cells(tmp_path / "fallback" / "report.xlsx") == _cells(
        tmp_path / "here" / "report.xlsx"
    )


def test_a_fresh_process_with_two_cores_writes_beside() -> None:
    """What `kvali report` and the benchmark meet: no other thread, fork, two cores."""
    import subprocess
    import sys

    code = "from kvali.reports.parallel import can_fork; print(can_fork())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str((os.cpu_count() or 1) >= 2)
