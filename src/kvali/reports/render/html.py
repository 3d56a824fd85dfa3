"""HTML report: one self-contained file (inline CSS and SVG, no scripts, no external resources).

It opens offline, can be mailed to a supervisor, and prints as a readable document; interview data
is escaped everywhere, since transcripts can contain anything.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files

from kvali.i18n import N_, check_lang, in_lang
from kvali.reports.model import AnalysisModel, Quote, Section, StudyReport, ThemeCell
from kvali.reports.render.charts import bars_svg, code_frequency_svg, heatmap_svg
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


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _css() -> str:
    return files("kvali.reports.render").joinpath("report.css").read_text(encoding="utf-8")


def _paras(text: str) -> str:
    return "".join(f"<p>{_e(p)}</p>" for p in paragraphs(text))


def _quote_html(quote: Quote, *, interview: bool = True) -> str:
    where = citation(quote, interview=interview)
    cite = f" <cite>({_e(where)})</cite>" if where else ""
    return f'<span class="quote">{_e(quoted(quote.text))}</span>{cite}'


def _analysis_model(model: AnalysisModel, lang: str, anchor: str) -> str:
    meta = " · ".join(f"<b>{_e(k)}:</b> {_e(v)}" for k, v in interview_meta(model, lang))
    heads, cells = [], []
    for heading, items in analysis_columns(model):
        heads.append(f"<th>{_e(in_lang(lang, heading))}</th>")
        lis = []
        for it in items:
            if it.kind == "gold_quote" and it.quote is not None:
                lis.append(f"<li>{_quote_html(it.quote)}</li>")
            elif it.kind == "recurring_code":
                lis.append(f'<li>{_e(it.text)} <span class="count">({it.count})</span></li>')
            elif it.kind == "recurring_word":
                lis.append(f'<li>«{_e(it.text)}» <span class="count">({it.count})</span></li>')
            elif it.kind == "category":
                codes = f'<br><span class="codes">{_e(it.detail)}</span>' if it.detail else ""
                lis.append(f"<li><b>{_e(counted(it.text, it.count))}</b>{codes}</li>")
            else:
                lis.append(f'<li class="finding">{_e(it.text)}</li>')
        cells.append(f"<td><ul>{''.join(lis)}</ul></td>" if lis else "<td></td>")
    return (
        f'<article id="{anchor}"><h3>{_e(model.interview)}</h3><p class="meta">{meta}</p>'
        f'<table class="model"><thead><tr>{"".join(heads)}</tr></thead>'
        f"<tbody><tr>{''.join(cells)}</tr></tbody></table></article>"
    )


def _matrix_cell(cell: ThemeCell, *, interview: bool) -> str:
    quote = f"<br>{_quote_html(cell.quote, interview=interview)}" if cell.quote else ""
    return f'<td><span class="n">{cell.count}</span>{quote}</td>'


def _theme_matrix(report: StudyReport, lang: str) -> str:
    view = matrix_view(report.theme_matrix, lang)
    head = "".join(f"<th>{_e(c)}</th>" for c in view.columns)
    rows = "".join(
        f"<tr><th>{_e(name)}</th>"
        + "".join(_matrix_cell(c, interview=view.transposed) for c in cells)
        + f'<td class="num">{total}</td></tr>'
        for name, cells, total in zip(view.rows, view.cells, view.totals, strict=True)
    )
    return (
        f'<div class="scroll"><table class="matrix"><thead><tr><th>{_e(view.corner)}</th>{head}'
        f'<th class="num">{_e(in_lang(lang, "Total"))}</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )


def _condensations(report: StudyReport, lang: str) -> str:
    out = []
    none = _e(in_lang(lang, "(none)"))
    for cond in report.condensations:
        quotes = "".join(f"<li>{_quote_html(q)}</li>" for q in cond.quotes) or f"<li>{none}</li>"
        out.append(
            f'<article id="rq-{cond.position}"><h3>{cond.position}. {_e(cond.question)}</h3>'
            f'<p class="meta"><b>{_e(in_lang(lang, "Themes"))}:</b> {_e(", ".join(cond.themes)) or none}</p>'
            f"<h4>{_e(in_lang(lang, 'Condensed meaning'))}</h4>"
            f'<div class="condensed">{_paras(cond.condensed_meaning) or none}</div>'
            f'<h4>{_e(in_lang(lang, "Supporting quotes"))}</h4><ul class="quotes">{quotes}</ul></article>'
        )
    return "".join(out)


def render_html(report: StudyReport, lang: str) -> str:
    """The whole report with both SVG charts, as one HTML document."""
    check_lang(lang)
    sections = [
        (
            "problem",
            N_("Problem statement"),
            _paras(report.problem_statement) or f"<p>{_e(in_lang(lang, '(none)'))}</p>",
        ),
        (
            "questions",
            N_("Research questions"),
            "<ol>" + "".join(f"<li>{_e(q)}</li>" for q in report.research_questions) + "</ol>",
        ),
        (
            "analysis",
            N_("Analysis model"),
            "".join(
                _analysis_model(m, lang, f"interview-{i}")
                for i, m in enumerate(report.analysis_models, 1)
            ),
        ),
        (
            "themes",
            N_("Theme overview"),
            f"<figure>{heatmap_svg(report.theme_matrix, lang)}</figure>"
            + _theme_matrix(report, lang),
        ),
        ("frequency", N_("Code frequency per interview"), _frequency(report, lang)),
        ("condensation", N_("Condensation per research question"), _condensations(report, lang)),
    ]
    titled = [(sid, in_lang(lang, title), content) for sid, title, content in sections]
    titled += [(f"section-{x.key}", x.title, _section(x)) for x in report.sections]
    newpage = {"analysis", "themes", "condensation"} | {f"section-{x.key}" for x in report.sections}
    toc = "".join(f'<li><a href="#{sid}">{_e(title)}</a></li>' for sid, title, _ in titled)
    body = "".join(
        f'<section id="{sid}"{" class=newpage" if sid in newpage else ""}>'
        f"<h2>{_e(title)}</h2>{content}</section>"
        for sid, title, content in titled
    )
    meta = (
        f"<b>{_e(in_lang(lang, 'Generated'))}:</b> {_e(report.generated_at)} · "
        f"<b>{_e(in_lang(lang, 'Coding cycle'))}:</b> {report.cycle}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="kvali">\n'
        f"<title>{_e(report.title)}</title>\n<style>\n{_css()}</style>\n</head>\n<body>\n"
        f'<header><h1>{_e(report.title)}</h1><p class="meta">{meta}</p></header>\n'
        f"<nav><b>{_e(in_lang(lang, 'Contents'))}</b><ol>{toc}</ol></nav>\n{body}\n</body>\n</html>\n"
    )


def _frequency(report: StudyReport, lang: str) -> str:
    return f"<figure>{code_frequency_svg(report.code_frequency, lang)}</figure>"


def _section(section: Section) -> str:
    """A feature area's section: intro, bar charts, then its tables."""
    out = [_paras(section.intro)] if section.intro else []
    out += [f"<figure>{bars_svg(c.title, c.labels, c.values)}</figure>" for c in section.charts]
    for tab in section.tables:
        head = "".join(f"<th>{_e(c)}</th>" for c in tab.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_e(fmt_value(v))}</td>" for v in row) + "</tr>"
            for row in tab.rows
        )
        out.append(
            f"<h3>{_e(tab.title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )
    return "".join(out)
