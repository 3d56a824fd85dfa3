"""DOCX report (python-docx): what the thesis authors built by hand in Word, generated.

Speed matters at 500 interviews. python-docx resolves every style name by scanning the style
sheet, locates each new child's position with generic successor searches, and rescans the grid on
``table.cell(r, c)``. So styles are set by id, paragraphs and runs are appended as raw
WordprocessingML with lxml (:func:`_para`, :func:`_run`) — about 3× faster than
``add_paragraph``/``add_run`` for the same document — and table rows are copies of one empty row
python-docx made for the table (:class:`_Table`), which gives the same XML as ``add_row`` at a
fraction of its cost (it sets every cell's width through python-docx's generic child search).
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Cm
from lxml import etree

from kvali.i18n import check_lang, in_lang
from kvali.reports.model import AnalysisModel, Quote, StudyReport, ThemeCell
from kvali.reports.render.common import (
    MAX_MATRIX_COLUMNS,
    analysis_columns,
    citation,
    codes_by_total,
    counted,
    fmt_value,
    interview_meta,
    matrix_view,
    paragraphs,
    quoted,
    xml_safe,
)

WORD_LANG = {
    "en": "en-GB",
    "nb": "nb-NO",
    "no": "nb-NO",
    "nn": "nn-NO",
    "sv": "sv-SE",
    "da": "da-DK",
}
W_P, W_PPR, W_PSTYLE, W_R, W_RPR = qn("w:p"), qn("w:pPr"), qn("w:pStyle"), qn("w:r"), qn("w:rPr")
W_B, W_I, W_T, W_BR, W_VAL = qn("w:b"), qn("w:i"), qn("w:t"), qn("w:br"), qn("w:val")
W_TC = qn("w:tc")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
SubElement = etree.SubElement


def _para(
    parent: etree._Element, style_id: str | None = None, *, before: etree._Element | None = None
) -> etree._Element:
    """A new ``w:p`` at the end of ``parent`` (or just before ``before``, e.g. the body's sectPr)."""
    if before is not None:
        p = parent.makeelement(W_P, {})
        before.addprevious(p)
    else:
        p = SubElement(parent, W_P)
    if style_id:
        SubElement(SubElement(p, W_PPR), W_PSTYLE).set(W_VAL, style_id)
    return p


def _run(p: etree._Element, text: str, *, bold: bool = False, italic: bool = False) -> None:
    """Append a run; newlines become Word line breaks, illegal XML characters are dropped."""
    r = SubElement(p, W_R)
    if bold or italic:
        rpr = SubElement(r, W_RPR)
        if bold:
            SubElement(rpr, W_B)
        if italic:
            SubElement(rpr, W_I)
    for i, line in enumerate(xml_safe(text).replace("\t", " ").split("\n")):
        if i:
            SubElement(r, W_BR)
        t = SubElement(r, W_T)
        t.text = line
        t.set(XML_SPACE, "preserve")


class _Body:
    """Appends paragraphs to the document body in O(1), before its final ``w:sectPr``."""

    def __init__(self, doc: DocumentObject) -> None:
        self.doc = doc
        self.body = doc.element.body
        self.sect_pr = self.body.find(qn("w:sectPr"))

    def para(self, style_id: str | None = None) -> etree._Element:
        if self.sect_pr is None:
            return _para(self.body, style_id)
        return _para(self.body, style_id, before=self.sect_pr)

    def text(self, text: str, style_id: str | None = None, **fmt: bool) -> etree._Element:
        p = self.para(style_id)
        _run(p, text, **fmt)
        return p

    def paragraphs(self, text: str) -> None:
        for para in paragraphs(text):
            self.text(para)

    def heading(self, text: str, level: int) -> None:
        self.text(text, "Title" if level == 0 else f"Heading{level}")

    def meta(self, pairs: list[tuple[str, str]]) -> None:
        p = self.para()
        for i, (k, v) in enumerate(pairs):
            _run(p, ("  ·  " if i else "") + k + ": ", bold=True)
            _run(p, v)

    def table(self, header: list[str]) -> _Table:
        """A grid table with a bold header row that repeats on each page."""
        table = self.doc.add_table(rows=1, cols=len(header))
        table._tbl.tblPr.style = "TableGrid"
        row = table.rows[0]
        SubElement(row._tr.get_or_add_trPr(), qn("w:tblHeader"))
        for cell, text in zip(row.cells, header, strict=True):
            _run(_first_p(cell._tc), text, bold=True)
        return _Table(table._tbl, table.add_row()._tr)


class _Table:
    """Appends rows to a table as copies of ``proto``, an empty row python-docx built for it."""

    def __init__(self, tbl: etree._Element, proto: etree._Element) -> None:
        self.tbl = tbl
        self.proto = proto
        tbl.remove(proto)

    def add_row(self) -> list[etree._Element]:
        """The new row's cells (``w:tc``), each holding its one empty paragraph."""
        tr = deepcopy(self.proto)
        self.tbl.append(tr)
        return list(tr.iterchildren(W_TC))


def _first_p(tc: etree._Element, style_id: str | None = None) -> etree._Element:
    """The empty paragraph every new cell already holds (Word requires one), to write into."""
    p = tc.find(W_P)
    if style_id:
        SubElement(SubElement(p, W_PPR), W_PSTYLE).set(W_VAL, style_id)
    return p


def _add_quote(p: etree._Element, quote: Quote, *, interview: bool = True) -> None:
    """Quote in italics, citation upright after it: ``"text" (Intervju 1, R1, 00:12:03)``."""
    _run(p, quoted(quote.text), italic=True)
    where = citation(quote, interview=interview)
    if where:
        _run(p, f" ({where})")


def _analysis_model(out: _Body, model: AnalysisModel, lang: str) -> None:
    out.heading(model.interview, 2)
    out.meta(interview_meta(model, lang))
    columns = analysis_columns(model)
    table = out.table([in_lang(lang, heading) for heading, _ in columns])
    for cell, (_heading, items) in zip(table.add_row(), columns, strict=True):
        for n, it in enumerate(items):
            style = None if it.kind == "finding" else "ListBullet"
            p = _para(cell, style) if n else _first_p(cell, style)
            if it.kind == "gold_quote" and it.quote is not None:
                _add_quote(p, it.quote)
            elif it.kind == "recurring_word":
                _run(p, counted(f"«{it.text}»", it.count))
            elif it.kind == "category":
                _run(p, counted(it.text, it.count), bold=True)
                if it.detail:
                    _run(p, ": " + it.detail)
            elif it.kind == "finding":
                _run(p, "→ " + it.text)
            else:
                _run(p, counted(it.text, it.count))


def _matrix_cell(cell: etree._Element, tc: ThemeCell, *, interview: bool) -> None:
    _run(_first_p(cell), str(tc.count), bold=True)
    if tc.quote is not None:
        _add_quote(_para(cell), tc.quote, interview=interview)


def _theme_matrix(out: _Body, report: StudyReport, lang: str) -> None:
    view = matrix_view(report.theme_matrix, lang)
    table = out.table([view.corner, *view.columns, in_lang(lang, "Total")])
    for name, cells, total in zip(view.rows, view.cells, view.totals, strict=True):
        row = table.add_row()
        _run(_first_p(row[0]), name, bold=True)
        for cell, tc in zip(row[1:-1], cells, strict=True):
            _matrix_cell(cell, tc, interview=view.transposed)
        _run(_first_p(row[-1]), str(total))


def _code_frequency(out: _Body, report: StudyReport, lang: str) -> None:
    """Per-interview columns while they fit the page; beyond that only the total."""
    freq = report.code_frequency
    per_interview = len(freq.interviews) <= MAX_MATRIX_COLUMNS
    header = [in_lang(lang, "Code")] + (list(freq.interviews) if per_interview else [])
    table = out.table([*header, in_lang(lang, "Total")])
    for r in codes_by_total(freq):
        values = (r.counts if per_interview else []) + [r.total]
        row = table.add_row()
        _run(_first_p(row[0]), r.code)
        for cell, v in zip(row[1:], values, strict=True):
            _run(_first_p(cell), str(v))


def _condensations(out: _Body, report: StudyReport, lang: str) -> None:
    none = in_lang(lang, "(none)")
    for cond in report.condensations:
        out.heading(f"{cond.position}. {cond.question}", 2)
        out.meta([(in_lang(lang, "Themes"), ", ".join(cond.themes) or none)])
        out.heading(in_lang(lang, "Condensed meaning"), 3)
        out.paragraphs(cond.condensed_meaning or none)
        out.heading(in_lang(lang, "Supporting quotes"), 3)
        for q in cond.quotes:
            _add_quote(out.para("ListBullet"), q)
        if not cond.quotes:
            out.text(none)


def _setup(doc: DocumentObject, report: StudyReport, lang: str) -> None:
    """A4 with 2 cm margins, title in the properties, and Word's proofing language set to the
    language of the data (the quotes), falling back to the report language."""
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    proofing = WORD_LANG.get((report.language or "").lower(), WORD_LANG[lang])
    SubElement(doc.styles["Normal"].element.get_or_add_rPr(), qn("w:lang")).set(W_VAL, proofing)
    doc.core_properties.title = xml_safe(report.title)
    doc.core_properties.language = proofing


def write_docx(report: StudyReport, path: Path, lang: str) -> None:
    """Write the report (Figures 2–4 plus code frequency) as a Word document at ``path``."""
    check_lang(lang)
    doc = Document()
    _setup(doc, report, lang)
    out = _Body(doc)
    out.heading(report.title, 0)
    out.meta(
        [
            (in_lang(lang, "Generated"), report.generated_at),
            (in_lang(lang, "Coding cycle"), str(report.cycle)),
        ]
    )

    out.heading(in_lang(lang, "Problem statement"), 1)
    out.paragraphs(report.problem_statement or in_lang(lang, "(none)"))
    out.heading(in_lang(lang, "Research questions"), 1)
    for q in report.research_questions:
        out.text(q, "ListNumber")

    out.heading(in_lang(lang, "Analysis model"), 1)
    for model in report.analysis_models:
        _analysis_model(out, model, lang)

    out.heading(in_lang(lang, "Theme overview"), 1)
    _theme_matrix(out, report, lang)
    out.heading(in_lang(lang, "Code frequency per interview"), 1)
    _code_frequency(out, report, lang)
    out.heading(in_lang(lang, "Condensation per research question"), 1)
    _condensations(out, report, lang)
    for section in report.sections:
        out.heading(section.title, 1)
        if section.intro:
            out.paragraphs(section.intro)
        for tab in section.tables:
            out.heading(tab.title, 2)
            table = out.table(list(tab.columns))
            for values in tab.rows:
                for cell, v in zip(table.add_row(), values, strict=True):
                    _run(_first_p(cell), fmt_value(v))
    doc.save(str(path))
