"""The report as flat tables (header + rows), shared by the CSV and XLSX writers.

One row per item, with the interview on every row, so a spreadsheet filter or pivot table can
slice the analysis any way; both writers therefore carry exactly the same data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kvali.i18n import N_, in_lang
from kvali.reports.model import StudyReport
from kvali.reports.render.common import (
    ITEM_KINDS,
    analysis_columns,
    codes_by_total,
    fmt_time,
    fmt_value,
)
from kvali.terms import term

Cell = str | int | None


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]
    wide: tuple[int, ...] = ()  # indexes of long-text columns (wrapped, wider in XLSX)
    numeric: tuple[int, ...] = ()


def analysis_table(report: StudyReport, lang: str) -> Table:
    """Figure 2 flattened: interview, column, kind, item, count, details, theme, participant, time…"""
    header = (N_("Interview"), N_("Column"), N_("Kind"), N_("Item"), N_("Count"), N_("Details"),
              N_("Theme"), N_("Participant"), N_("Time"), N_("Mode"), N_("Date"))  # fmt: skip
    kinds = {kind: in_lang(lang, message) for kind, message in ITEM_KINDS.items()}
    rows: list[list[Cell]] = []
    for model in report.analysis_models:
        mode = term("mode", model.mode, lang)
        for heading, items in analysis_columns(model):
            col = in_lang(lang, heading)
            for it in items:
                q = it.quote
                rows.append([
                    model.interview, col, kinds[it.kind], it.text, it.count, it.detail or None,
                    it.theme, q.participant if q else None, fmt_time(q.start_ms) if q else None,
                    mode, model.date,
                ])  # fmt: skip
    return Table([in_lang(lang, h) for h in header], rows, wide=(3, 5), numeric=(4,))


def theme_table(report: StudyReport, lang: str) -> Table:
    """Figure 3 in long form: theme, interview, count, strongest quote (+ participant, time)."""
    header = (N_("Theme"), N_("Interview"), N_("Count"), N_("Strongest quote"), N_("Participant"),
              N_("Time"))  # fmt: skip
    matrix = report.theme_matrix
    rows: list[list[Cell]] = []
    for row in matrix.rows:
        for interview, cell in zip(matrix.interviews, row.cells, strict=True):
            q = cell.quote
            rows.append([
                row.theme, interview, cell.count, q.text if q else None,
                q.participant if q else None, fmt_time(q.start_ms) if q else None,
            ])  # fmt: skip
    return Table([in_lang(lang, h) for h in header], rows, wide=(3,), numeric=(2,))


def condensation_table(report: StudyReport, lang: str) -> Table:
    """Figure 4 in long form: per research question one row per theme, the meaning, each quote."""
    header = (N_("No."), N_("Research question"), N_("Kind"), N_("Text"), N_("Interview"),
              N_("Participant"), N_("Time"))  # fmt: skip
    rows: list[list[Cell]] = []
    for c in report.condensations:
        base: list[Cell] = [c.position, c.question]
        rows += [[*base, in_lang(lang, "Theme"), t, None, None, None] for t in c.themes]
        rows.append(
            [*base, in_lang(lang, "Condensed meaning"), c.condensed_meaning, None, None, None]
        )
        rows += [
            [
                *base,
                in_lang(lang, "Quote"),
                q.text,
                q.interview,
                q.participant,
                fmt_time(q.start_ms),
            ]
            for q in c.quotes
        ]
    return Table([in_lang(lang, h) for h in header], rows, wide=(1, 3), numeric=(0,))


def code_frequency_table(report: StudyReport, lang: str, *, total: bool = False) -> Table:
    """Code, then one column per interview (and optionally a total), largest codes first."""
    freq = report.code_frequency
    header = [in_lang(lang, "Code"), *freq.interviews] + ([in_lang(lang, "Total")] if total else [])
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
