"""The report as flat tables (header + rows), shared by the CSV and XLSX writers.

One row per item, with the interview on every row, so a spreadsheet filter or pivot table can
slice the analysis any way; both writers therefore carry exactly the same data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kvali.reports.labels import label, mode_label
from kvali.reports.model import StudyReport
from kvali.reports.render.common import analysis_columns, codes_by_total, fmt_time, fmt_value

Cell = str | int | None


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]
    wide: tuple[int, ...] = ()  # indexes of long-text columns (wrapped, wider in XLSX)
    numeric: tuple[int, ...] = ()


def analysis_table(report: StudyReport, lang: str) -> Table:
    """Figure 2 flattened: interview, column, kind, item, count, details, theme, participant, time…"""
    keys = ("interview", "column", "kind", "item", "count", "details", "theme", "participant",
            "time", "mode", "date")  # fmt: skip
    col_names = {}
    rows: list[list[Cell]] = []
    for model in report.analysis_models:
        mode = mode_label(model.mode, lang)
        for key, items in analysis_columns(model):
            col = col_names.setdefault(key, label(key, lang))
            for it in items:
                q = it.quote
                rows.append([
                    model.interview, col, label(it.kind, lang), it.text, it.count, it.detail or None,
                    it.theme, q.participant if q else None, fmt_time(q.start_ms) if q else None,
                    mode, model.date,
                ])  # fmt: skip
    return Table([label(k, lang) for k in keys], rows, wide=(3, 5), numeric=(4,))


def theme_table(report: StudyReport, lang: str) -> Table:
    """Figure 3 in long form: theme, interview, count, strongest quote (+ participant, time)."""
    keys = ("theme", "interview", "count", "strongest_quote", "participant", "time")
    matrix = report.theme_matrix
    rows: list[list[Cell]] = []
    for row in matrix.rows:
        for interview, cell in zip(matrix.interviews, row.cells, strict=True):
            q = cell.quote
            rows.append([
                row.theme, interview, cell.count, q.text if q else None,
                q.participant if q else None, fmt_time(q.start_ms) if q else None,
            ])  # fmt: skip
    return Table([label(k, lang) for k in keys], rows, wide=(3,), numeric=(2,))


def condensation_table(report: StudyReport, lang: str) -> Table:
    """Figure 4 in long form: per research question one row per theme, the meaning, each quote."""
    keys = ("position", "research_question", "kind", "text", "interview", "participant", "time")
    rows: list[list[Cell]] = []
    for c in report.condensations:
        base: list[Cell] = [c.position, c.question]
        rows += [[*base, label("theme", lang), t, None, None, None] for t in c.themes]
        rows.append(
            [*base, label("condensed_meaning", lang), c.condensed_meaning, None, None, None]
        )
        rows += [
            [*base, label("quote", lang), q.text, q.interview, q.participant, fmt_time(q.start_ms)]
            for q in c.quotes
        ]
    return Table([label(k, lang) for k in keys], rows, wide=(1, 3), numeric=(0,))


def code_frequency_table(report: StudyReport, lang: str, *, total: bool = False) -> Table:
    """Code, then one column per interview (and optionally a total), largest codes first."""
    freq = report.code_frequency
    header = [label("code", lang), *freq.interviews] + ([label("total", lang)] if total else [])
    rows: list[list[Cell]] = [
        [r.code, *r.counts] + ([r.total] if total else []) for r in codes_by_total(freq)
    ]
    return Table(header, rows, numeric=tuple(range(1, len(header))))


def all_tables(report: StudyReport, lang: str) -> Iterator[tuple[str, Table]]:
    """(name, table) for each exported table; names are the CSV file stems."""
    yield "analysis_model", analysis_table(report, lang)
    yield "theme_matrix", theme_table(report, lang)
    yield "condensation", condensation_table(report, lang)
    yield "code_frequency", code_frequency_table(report, lang)
    yield from section_tables(report)


def section_tables(report: StudyReport) -> Iterator[tuple[str, Table]]:
    """Feature areas' section tables, named ``<section key>_<n>`` (titles travel in XLSX sheets)."""
    for section in report.sections:
        for n, tab in enumerate(section.tables, 1):
            rows = [
                [v if isinstance(v, int | str) or v is None else fmt_value(v) for v in row]
                for row in tab.rows
            ]
            yield f"{section.key}_{n}", Table(header=list(tab.columns), rows=rows)
