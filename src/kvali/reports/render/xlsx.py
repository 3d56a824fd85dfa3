"""XLSX workbook (openpyxl): the report as filterable sheets for researchers who sort and pivot.

Long sheets carry the interview on every row (a filter picks one interview or mode); the theme
matrix keeps its grid shape with a colour scale; code frequency gets a native Excel bar chart.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kvali.i18n import check_lang, in_lang
from kvali.reports.model import StudyReport
from kvali.reports.render.charts import MAX_BARS, PALETTE
from kvali.reports.render.common import matrix_view, xml_safe
from kvali.reports.render.tables import (
    Cell,
    Table,
    analysis_table,
    code_frequency_table,
    condensation_table,
    section_tables,
    theme_table,
)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF2F6")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
SAMPLE_ROWS = 300  # column widths are estimated from the first rows only


def _sheet_title(text: str) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, none XML cannot hold,
    no apostrophe at either end, not empty."""
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in xml_safe(text))[:31].strip("'")
    return name or "_"


def _value(v: Cell) -> Cell:
    return xml_safe(v) if isinstance(v, str) else v


def _widths(ws: Worksheet, table: Table) -> None:
    """Width from the longest sampled value; long-text columns are wide and wrap."""
    for j, head in enumerate(table.header):
        longest = max(
            [len(head)] + [len(str(r[j])) for r in table.rows[:SAMPLE_ROWS] if r[j] is not None]
        )
        cap = 70 if j in table.wide else 30
        ws.column_dimensions[get_column_letter(j + 1)].width = min(max(longest + 2, 8), cap)


def _write_table(ws: Worksheet, table: Table, *, freeze: str = "B2", filter_: bool = True) -> None:
    """Header + rows with bold frozen header, autofilter, widths and wrapped long text.

    The workbook is write-only (rows stream into the sheet's XML as they are appended, no cell
    grid is kept), so widths, panes and the filter are set before the rows, and each cell gets
    its alignment as a copy of one prepared style array: assigning ``cell.alignment`` re-hashes
    the style for every cell, which was most of the time for a 500-interview workbook.
    """
    n_cols = len(table.header)
    _widths(ws, table)
    ws.freeze_panes = freeze
    if filter_ and table.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{len(table.rows) + 1}"
    header = []
    for h in table.header:
        cell = WriteOnlyCell(ws, value=_value(h))  # headers hold names too (interviews, codes)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        header.append(cell)
    ws.append(header)
    styles = [_style_array(ws, WRAP if j in table.wide else TOP) for j in range(n_cols)]
    if not table.wide:  # nothing wraps, so vertical alignment does not matter
        styles = [None] * n_cols
    for row in table.rows:
        cells = []
        for j, v in enumerate(row):
            cell = WriteOnlyCell(ws, value=_value(v))
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
            if styles[j] is not None:
                cell._style = copy(styles[j])
            cells.append(cell)
        ws.append(cells)


def _style_array(ws: Worksheet, align: Alignment) -> StyleArray:
    probe = XlCell(ws)  # never added to the sheet; only registers the style in the workbook
    probe.alignment = align
    return probe._style


def _theme_matrix(ws: Worksheet, report: StudyReport, lang: str) -> None:
    """Figure 3 as a grid of counts (turned like the other formats), shaded by a colour scale."""
    view = matrix_view(report.theme_matrix, lang)
    table = Table(
        [view.corner, *view.columns, in_lang(lang, "Total")],
        [[name, *(c.count for c in cells), total]
         for name, cells, total in zip(view.rows, view.cells, view.totals, strict=True)],
    )  # fmt: skip
    _write_table(ws, table, filter_=False)
    if view.rows and view.columns:
        last = get_column_letter(len(view.columns) + 1)
        ws.conditional_formatting.add(
            f"B2:{last}{len(view.rows) + 1}",
            ColorScaleRule(
                start_type="min", start_color="F7FBFF", end_type="max", end_color="6BAED6"
            ),
        )


def _code_frequency(ws: Worksheet, report: StudyReport, lang: str) -> None:
    """Codes by total with one column per interview, and a stacked bar chart of the top codes."""
    table = code_frequency_table(report, lang, total=True)
    _write_table(ws, table)
    n_codes, n_int = len(table.rows), len(report.code_frequency.interviews)
    if n_codes == 0:
        return
    shown = min(n_codes, MAX_BARS)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    title = in_lang(lang, "Code frequency per interview")
    if n_codes > MAX_BARS:
        title += " – " + in_lang(
            lang, "Showing the top {n} of {total} codes by total count.", n=MAX_BARS, total=n_codes
        )
    chart.title = title
    chart.x_axis.title = in_lang(lang, "Code")
    chart.y_axis.title = in_lang(lang, "Codings")
    chart.x_axis.scaling.orientation = "maxMin"  # largest code at the top
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    # One series per interview while colours stay distinguishable, else only the total.
    first, last = (2, n_int + 1) if n_int <= len(PALETTE) else (n_int + 2, n_int + 2)
    chart.add_data(
        Reference(ws, min_col=first, max_col=last, min_row=1, max_row=shown + 1),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=shown + 1))
    for series, colour in zip(chart.series, PALETTE, strict=False):
        series.graphicalProperties.solidFill = colour.lstrip("#")
        series.graphicalProperties.line.noFill = True
    chart.height, chart.width = max(7.5, 0.55 * shown + 3), 20
    beside = n_int <= 12  # right of the table while it is narrow, else below it
    ws.add_chart(chart, f"{get_column_letter(n_int + 4)}2" if beside else f"A{n_codes + 4}")


def write_xlsx(report: StudyReport, path: Path, lang: str) -> None:
    """Write the workbook: analysis model, theme matrix, theme quotes, condensation, code frequency."""
    check_lang(lang)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(in_lang(lang, "Analysis model")))
    _write_table(ws, analysis_table(report, lang), freeze="B2")
    _theme_matrix(wb.create_sheet(_sheet_title(in_lang(lang, "Theme matrix"))), report, lang)
    _write_table(
        wb.create_sheet(_sheet_title(in_lang(lang, "Theme quotes"))), theme_table(report, lang)
    )
    _write_table(
        wb.create_sheet(_sheet_title(in_lang(lang, "Condensation"))),
        condensation_table(report, lang),
        freeze="C2",
    )
    _code_frequency(wb.create_sheet(_sheet_title(in_lang(lang, "Code frequency"))), report, lang)
    titles = [tab.title for section in report.sections for tab in section.tables]
    for title, (_, table) in zip(titles, section_tables(report), strict=True):
        name = _sheet_title(title)
        while name in wb.sheetnames:  # sheet names must be unique
            name = _sheet_title(name[:28] + f" {len(wb.sheetnames)}")
        _write_table(wb.create_sheet(name), table, freeze="A2")
    wb.properties.title = xml_safe(report.title)
    wb.properties.language = lang
    wb.save(str(path))
