"""Markdown report: readable as plain text, renders as tables on GitHub/GitLab/Obsidian.

All data text is escaped, so a participant's ``|``, ``*`` or ``<script>`` is shown, not obeyed.
"""

from __future__ import annotations

import re
from itertools import zip_longest

from kvali.i18n import in_lang
from kvali.reports.model import AnalysisModel, Quote, StudyReport, ThemeCell
from kvali.reports.render.common import (
    analysis_columns,
    citation,
    counted,
    fmt_value,
    interview_meta,
    matrix_view,
    paragraphs,
    quoted,
)

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown/HTML syntax; newlines are left for the caller to place."""
    return _SPECIAL.sub(r"\\\1", text.replace("\r\n", "\n").replace("\r", "\n"))


def md_cell(text: str) -> str:
    """Text safe inside a table cell: escaped, pipes escaped, newlines as ``<br>``."""
    return md_escape(text).replace("\n", "<br>").strip()


def md_line(text: str) -> str:
    """Text safe in a paragraph or list item: newlines become hard breaks inside the item."""
    return md_escape(text).replace("\n", "\\\n  ")


def md_paragraphs(text: str) -> str:
    """Free text as Markdown paragraphs (blank lines kept, single newlines as hard breaks)."""
    return "\n\n".join(md_line(p) for p in paragraphs(text))


def md_table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """A pipe table from already-escaped cells; ``numeric`` columns are right-aligned."""
    numeric = numeric or set()
    rule = ["---:" if i in numeric else "---" for i in range(len(header))]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _quote_md(quote: Quote, *, interview: bool = True, cell: bool = True) -> str:
    esc = md_cell if cell else md_line
    where = citation(quote, interview=interview)
    text = f"_{esc(quoted(quote.text))}_"
    return f"{text} ({esc(where)})" if where else text


def _analysis_table(model: AnalysisModel, lang: str) -> str:
    columns = analysis_columns(model)
    cells: list[list[str]] = []
    for _heading, items in columns:
        out = []
        for it in items:
            if it.kind == "gold_quote" and it.quote is not None:
                out.append(_quote_md(it.quote))
            elif it.kind == "recurring_code":
                out.append(md_cell(counted(it.text, it.count)))
            elif it.kind == "recurring_word":
                out.append(md_cell(counted(f"«{it.text}»", it.count)))
            elif it.kind == "category":
                head = f"**{md_cell(counted(it.text, it.count))}**"
                out.append(f"{head}: {md_cell(it.detail)}" if it.detail else head)
            else:
                out.append("→ " + md_cell(it.text))
        cells.append(out)
    header = [md_cell(in_lang(lang, heading)) for heading, _ in columns]
    rows = [list(r) for r in zip_longest(*cells, fillvalue="")]
    if not rows:
        rows = [["", "", ""]]
    return md_table(header, rows)


def _matrix_cell(cell: ThemeCell, *, interview: bool) -> str:
    if cell.quote is None:
        return str(cell.count)
    return f"{cell.count}<br>{_quote_md(cell.quote, interview=interview)}"


def render_markdown(report: StudyReport, lang: str) -> str:
    """The whole report (Figures 2–4) as one Markdown document."""
    out: list[str] = [f"# {md_line(report.title)}", ""]
    out += [
        f"_{md_line(in_lang(lang, 'Generated'))}: {md_line(report.generated_at)} · "
        f"{md_line(in_lang(lang, 'Coding cycle'))}: {report.cycle}_",
        "",
        f"## {in_lang(lang, 'Problem statement')}",
        "",
        md_paragraphs(report.problem_statement) or in_lang(lang, "(none)"),
        "",
        f"## {in_lang(lang, 'Research questions')}",
        "",
    ]
    out += [f"{i}. {md_line(q)}" for i, q in enumerate(report.research_questions, 1)]
    out += ["", f"## {in_lang(lang, 'Analysis model')}", ""]
    for model in report.analysis_models:
        out += [f"### {md_line(model.interview)}", ""]
        out.append(
            " · ".join(f"**{md_line(k)}:** {md_line(v)}" for k, v in interview_meta(model, lang))
        )
        out += ["", _analysis_table(model, lang), ""]

    view = matrix_view(report.theme_matrix, lang)
    out += [f"## {in_lang(lang, 'Theme overview')}", ""]
    header = [
        md_cell(view.corner),
        *(md_cell(c) for c in view.columns),
        md_cell(in_lang(lang, "Total")),
    ]
    rows = [
        [md_cell(name), *(_matrix_cell(c, interview=view.transposed) for c in cells), str(total)]
        for name, cells, total in zip(view.rows, view.cells, view.totals, strict=True)
    ]
    out += [md_table(header, rows, numeric={len(header) - 1}), ""]

    out += [f"## {in_lang(lang, 'Condensation per research question')}", ""]
    for cond in report.condensations:
        out += [f"### {cond.position}. {md_line(cond.question)}", ""]
        themes = ", ".join(md_line(t) for t in cond.themes) or in_lang(lang, "(none)")
        out += [f"**{in_lang(lang, 'Themes')}:** {themes}", ""]
        meaning = md_paragraphs(cond.condensed_meaning) or in_lang(lang, "(none)")
        out += [f"**{in_lang(lang, 'Condensed meaning')}:**", "", meaning, ""]
        out += [f"**{in_lang(lang, 'Supporting quotes')}:**", ""]
        out += [f"- {_quote_md(q, cell=False)}" for q in cond.quotes] or [
            f"- {in_lang(lang, '(none)')}"
        ]
        out.append("")
    for section in report.sections:
        out += [f"## {md_line(section.title)}", ""]
        if section.intro:
            out += [md_paragraphs(section.intro), ""]
        for tab in section.tables:
            out += [f"### {md_line(tab.title)}", ""]
            rows = [[md_cell(fmt_value(v)) for v in row] for row in tab.rows]
            out += [md_table([md_cell(c) for c in tab.columns], rows), ""]
    return "\n".join(out).rstrip() + "\n"
