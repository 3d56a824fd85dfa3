"""What every renderer shares: times, citations, the analysis-model columns, matrix orientation.

The renderers differ only in markup; which items go in which column of the analysis model, how a
quote is cited and when the theme matrix is turned on its side are decided here, once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kvali.i18n import N_, in_lang
from kvali.reports.model import (
    AnalysisModel,
    CodeFrequency,
    Quote,
    ThemeCell,
    ThemeMatrix,
)
from kvali.terms import term

# Above this many interviews the theme matrix lists interviews as rows and themes as columns:
# 500 interview columns fit no page (Word stops at 63 columns), 500 rows read fine.
MAX_MATRIX_COLUMNS = 12

# The three columns of the thesis' analysis model (Figure 2), in order: key → heading.
ANALYSIS_COLUMNS: dict[str, str] = {
    "gold_quotes": N_("Gold quotes – the clearest quotes"),
    "repeated_statements": N_("Repeated and reinforced statements"),
    "categories_findings": N_("Categories and main findings"),
}
ITEM_KINDS: dict[str, str] = {  # Item.kind → what the tables call it
    "gold_quote": N_("Gold quote"),
    "recurring_code": N_("Recurring code"),
    "recurring_word": N_("Recurring word"),
    "category": N_("Category"),
    "finding": N_("Finding"),
}


_XML_ILLEGAL = re.compile("[\x00-\x08\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop characters XML (hence DOCX/XLSX) cannot hold; Word's manual line break becomes ``\\n``."""
    return _XML_ILLEGAL.sub("", text.replace("\x0b", "\n"))


def fmt_time(ms: int | None) -> str:
    """``start_ms`` as ``hh:mm:ss`` (hours may pass 99); empty when the quote has no time."""
    if ms is None:
        return ""
    seconds = max(int(ms), 0) // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def citation(quote: Quote, *, interview: bool = True) -> str:
    """Where a quote comes from, e.g. ``Intervju 1, R1, 00:12:03`` (missing parts left out)."""
    parts = [quote.interview] if interview else []
    parts += [quote.participant or "", fmt_time(quote.start_ms)]
    return ", ".join(p for p in parts if p)


def quoted(text: str) -> str:
    """Quote text in straight double quotes, as the thesis cites speech."""
    return f'"{text}"'


def cite(quote: Quote, *, interview: bool = True) -> str:
    """A quote with its citation: ``"text" (Intervju 1, R1, 00:12:03)``."""
    where = citation(quote, interview=interview)
    return f"{quoted(quote.text)} ({where})" if where else quoted(quote.text)


def interview_meta(model: AnalysisModel, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs shown under each interview heading."""
    return [
        (in_lang(lang, "Participants"), ", ".join(model.participants) or in_lang(lang, "(none)")),
        (in_lang(lang, "Mode"), term("mode", model.mode, lang)),
        (in_lang(lang, "Date"), model.date or "–"),
    ]


@dataclass(frozen=True)
class Item:
    """One entry in a column of the analysis model, in a form every renderer can format.

    ``kind`` is a key of ``ITEM_KINDS``: gold_quote, recurring_code, recurring_word, category
    or finding.
    ``detail`` is the category's codes, joined.
    """

    kind: str
    text: str
    count: int | None = None
    detail: str = ""
    theme: str | None = None
    quote: Quote | None = None


def analysis_columns(model: AnalysisModel) -> list[tuple[str, list[Item]]]:
    """The three columns of Figure 2 for one interview, as (heading message, items): gold
    quotes | repeated | categories."""
    gold = [Item("gold_quote", q.text, quote=q) for q in model.gold_quotes]
    repeated = [
        Item("recurring_code", c.code, c.count, theme=c.theme, detail=c.category or "")
        for c in model.recurring_codes
    ] + [Item("recurring_word", w.word, w.count) for w in model.recurring_words]
    categories = [
        Item(
            "category",
            c.category,
            c.count,
            detail=", ".join(rc.code for rc in c.codes),
            theme=c.theme,
        )
        for c in model.categories
    ] + [Item("finding", f) for f in model.findings]
    return list(zip(ANALYSIS_COLUMNS.values(), (gold, repeated, categories), strict=True))


def counted(text: str, count: int | None) -> str:
    """``text (n)``, the way recurring codes and words show their counts."""
    return text if count is None else f"{text} ({count})"


@dataclass(frozen=True)
class MatrixView:
    """The theme matrix in display orientation; ``cells[r][c]`` belongs to row r, column c."""

    corner: str
    columns: list[str]
    rows: list[str]
    cells: list[list[ThemeCell]]
    totals: list[int]
    transposed: bool


def matrix_view(
    matrix: ThemeMatrix, lang: str, *, max_columns: int = MAX_MATRIX_COLUMNS
) -> MatrixView:
    """Themes as rows (thesis Figure 3), or interviews as rows once they outnumber a page's width."""
    themes = [r.theme for r in matrix.rows]
    if len(matrix.interviews) <= max_columns:
        return MatrixView(
            corner=in_lang(lang, "Theme"),
            columns=list(matrix.interviews),
            rows=themes,
            cells=[list(r.cells) for r in matrix.rows],
            totals=[r.total for r in matrix.rows],
            transposed=False,
        )
    cells = [[r.cells[j] for r in matrix.rows] for j in range(len(matrix.interviews))]
    return MatrixView(
        corner=in_lang(lang, "Interview"),
        columns=themes,
        rows=list(matrix.interviews),
        cells=cells,
        totals=[sum(c.count for c in row) for row in cells],
        transposed=True,
    )


def matrix_interview_theme(view: MatrixView, r: int, c: int) -> tuple[str, str]:
    """(interview, theme) of a displayed cell, whichever way the view is turned."""
    return (view.rows[r], view.columns[c]) if view.transposed else (view.columns[c], view.rows[r])


@dataclass(frozen=True)
class CodeTotals:
    code: str
    counts: list[int]
    total: int


def codes_by_total(freq: CodeFrequency, limit: int | None = None) -> list[CodeTotals]:
    """Codes sorted by total codings (then name), optionally only the ``limit`` largest."""
    rows = [
        CodeTotals(code, list(counts), sum(counts))
        for code, counts in zip(freq.codes, freq.counts, strict=True)
    ]
    rows.sort(key=lambda r: (-r.total, r.code.casefold()))
    return rows if limit is None else rows[:limit]


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str) -> list[str]:
    """Split free text (problem statement, condensed meaning) at blank lines into paragraphs."""
    return [p.strip() for p in _BLANK_LINE.split(text.replace("\r\n", "\n")) if p.strip()]


def join_nonempty(parts: Sequence[str], sep: str = " · ") -> str:
    return sep.join(p for p in parts if p)


def fmt_value(value: object) -> str:
    """A section table cell as text: floats rounded for reading, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)
