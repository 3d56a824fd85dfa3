"""Inline SVG charts for the HTML report: code frequency bars and the theme × interview heatmap.

Hand-written SVG rather than a plotting library keeps the report one self-contained file with no
dependency and no JavaScript; every mark carries a ``<title>`` so hovering shows the number.
Both charts are sized for 3 interviews × 40 codes and degrade for 500 interviews: the bar chart
keeps the 30 largest codes and folds all but 9 interviews into «other»; heatmap cells shrink and
drop their printed counts (and thin out their labels) once they are too small to read.
"""

from __future__ import annotations

import math
from html import escape

from kvali.i18n import in_lang
from kvali.reports.model import CodeFrequency, ThemeMatrix
from kvali.reports.render.common import codes_by_total, matrix_interview_theme, matrix_view

MAX_BARS = 30
# Tableau 10: distinct, colour-blind tolerant, prints acceptably in greyscale.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
OTHER_COLOUR = "#d0d0d0"
WIDTH = 820
FONT = 12
HEAT_LOW = (247, 251, 255)  # ColorBrewer Blues, lightest …
HEAT_HIGH = (8, 48, 107)  # … and darkest


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _text_w(text: str, size: float = FONT) -> float:
    """Rough rendered width of ``text``; SVG cannot measure text without a browser."""
    return len(text) * size * 0.58


def _clip(text: str, max_w: float, size: float = FONT) -> str:
    """Shorten ``text`` with an ellipsis to fit ``max_w`` pixels (the full text goes in a title)."""
    fit = max(int(max_w / (size * 0.58)), 2)
    return text if len(text) <= fit else text[: fit - 1].rstrip() + "…"


def _flat(text: str) -> str:
    return " ".join(text.split())


def nice_ticks(max_value: int, target: int = 5) -> list[int]:
    """Integer axis ticks at 1/2/5 × 10ⁿ steps from 0 past ``max_value``."""
    if max_value <= 0:
        return [0, 1]
    raw = max_value / target
    mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(int(step), 1)
    top = math.ceil(max_value / step) * step
    return list(range(0, top + 1, step))


def _svg_open(w: float, h: float, title: str, *, standalone: bool) -> str:
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    return (
        f'<svg{ns} class="chart" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}" '
        f'role="img" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" '
        f'font-size="{FONT}"><title>{_e(title)}</title>'
    )


def _empty_chart(title: str, lang: str, *, standalone: bool) -> str:
    return (
        _svg_open(WIDTH, 60, title, standalone=standalone)
        + f'<text x="8" y="20" font-weight="600">{_e(title)}</text>'
        + f'<text x="8" y="44" fill="#555">{_e(in_lang(lang, "No codings yet."))}</text></svg>'
    )


def _legend(
    entries: list[tuple[str, str]], x0: float, y0: float, max_x: float
) -> tuple[list[str], float]:
    """Swatch + name entries that wrap at ``max_x``; returns the marks and the height used."""
    out: list[str] = []
    x, y = x0, y0
    for name, colour in entries:
        shown = _clip(name, 220)
        w = 14 + 6 + _text_w(shown) + 16
        if x > x0 and x + w > max_x:
            x, y = x0, y + 18
        out.append(
            f'<g><title>{_e(name)}</title><rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" '
            f'fill="{colour}"/><text x="{x + 18:.1f}" y="{y + 10.5:.1f}">{_e(shown)}</text></g>'
        )
        x += w
    return out, (y - y0) + 18 if entries else 0


def code_frequency_svg(
    freq: CodeFrequency, lang: str, *, limit: int = MAX_BARS, standalone: bool = False
) -> str:
    """Stacked horizontal bars, one per code (largest first), one colour per interview."""
    title = in_lang(lang, "Code frequency per interview")
    ranked = [r for r in codes_by_total(freq) if r.total > 0]
    shown = ranked[:limit]
    if not shown:
        return _empty_chart(title, lang, standalone=standalone)
    n_int = len(freq.interviews)
    # Series: each interview its own colour while the palette lasts, then the rest as «other».
    if n_int <= len(PALETTE):
        coloured = list(range(n_int))
    else:
        by_total = sorted(range(n_int), key=lambda j: -sum(r.counts[j] for r in shown))
        coloured = sorted(by_total[: len(PALETTE) - 1])
    rest = sorted(set(range(n_int)) - set(coloured))
    series = [(freq.interviews[j], PALETTE[k]) for k, j in enumerate(coloured)]
    if rest:
        series.append((in_lang(lang, "Other ({n} interviews)", n=len(rest)), OTHER_COLOUR))

    label_w = min(max(_text_w(r.code) for r in shown), 240) + 8
    left, right = 28 + label_w, 48
    plot_w = WIDTH - left - right
    legend, legend_h = _legend(series, left, 34, WIDTH - 8)
    top = 34 + legend_h + 10
    row_h, bar_h = 22, 16
    plot_h = row_h * len(shown)
    ticks = nice_ticks(max(r.total for r in shown))
    scale = plot_w / ticks[-1]
    note = len(ranked) > limit
    height = top + plot_h + 48 + (20 if note else 0)

    out = [_svg_open(WIDTH, height, title, standalone=standalone)]
    out.append(f'<text x="8" y="20" font-size="14" font-weight="600">{_e(title)}</text>')
    out += legend
    for t in ticks:  # grid + tick labels
        x = left + t * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#e3e3e3"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#444">{t}</text>'
        )
    for i, r in enumerate(shown):
        y = top + i * row_h + (row_h - bar_h) / 2
        values = [r.counts[j] for j in coloured]
        if rest:
            values.append(sum(r.counts[j] for j in rest))
        out.append(f'<g class="bar"><title>{_e(r.code)}: {r.total}</title>')
        out.append(
            f'<text x="{left - 6}" y="{y + bar_h - 4:.1f}" text-anchor="end">'
            f"{_e(_clip(r.code, label_w - 8))}</text>"
        )
        x = float(left)
        for (name, colour), v in zip(series, values, strict=True):
            if v <= 0:
                continue
            w = v * scale
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                f"<title>{_e(r.code)} – {_e(name)}: {v}</title></rect>"
            )
            x += w
        out.append(
            f'<text x="{x + 4:.1f}" y="{y + bar_h - 4:.1f}" fill="#333">{r.total}</text></g>'
        )
    out.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>'
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>'
        f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 36}" text-anchor="middle" '
        f'font-weight="600">{_e(in_lang(lang, "Codings"))}</text>'
        f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-weight="600">{_e(in_lang(lang, "Code"))}</text>'
    )
    if note:
        msg = in_lang(
            lang, "Showing the top {n} of {total} codes by total count.", n=limit, total=len(ranked)
        )
        out.append(f'<text x="8" y="{height - 8}" fill="#555" font-style="italic">{_e(msg)}</text>')
    out.append("</svg>")
    return "".join(out)


def heat_colour(t: float) -> str:
    """Colour for intensity ``t`` in [0, 1] on a white → dark blue ramp."""
    t = min(max(t, 0.0), 1.0)
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(HEAT_LOW, HEAT_HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(matrix: ThemeMatrix, lang: str, *, standalone: bool = False) -> str:
    """Theme × interview heatmap; colour ∝ count, count printed in cells large enough to hold it."""
    title = in_lang(lang, "Theme × interview")
    view = matrix_view(matrix, lang)
    n_rows, n_cols = len(view.rows), len(view.columns)
    if n_rows == 0 or n_cols == 0:
        return _empty_chart(title, lang, standalone=standalone)
    max_count = max((c.count for row in view.cells for c in row), default=0)

    row_label_w = min(max(_text_w(_flat(r), 11) for r in view.rows), 220) + 10
    left = 8 + row_label_w
    col_label_len = min(max(_text_w(_flat(c), 11) for c in view.columns), 150)
    overhang = col_label_len * 0.71 + 16  # rotated labels of the last columns reach right
    cell_w = min(max((WIDTH - left - overhang) / n_cols, 3.0), 120.0)
    cell_h = min(max(2400 / n_rows, 4.0), 30.0)
    col_every = max(math.ceil(13 / cell_w), 1)
    row_every = max(math.ceil(12 / cell_h), 1)
    top = 34 + col_label_len * 0.71 + 12
    grid_w, grid_h = cell_w * n_cols, cell_h * n_rows
    show_counts = cell_w >= 20 and cell_h >= 14
    legend_y = top + grid_h + 18
    height = legend_y + 34 + (0 if show_counts else 20)
    width = max(left + grid_w + overhang, 8 + _text_w(title, 14) + 16, left + 260, 420)
    gap = 1 if min(cell_w, cell_h) >= 6 else 0

    out = [_svg_open(width, height, title, standalone=standalone)]
    out.append(f'<text x="8" y="20" font-size="14" font-weight="600">{_e(title)}</text>')
    for c, name in enumerate(view.columns):
        if c % col_every:
            continue
        x = left + (c + 0.5) * cell_w + 4
        out.append(
            f'<text transform="translate({x:.1f} {top - 6:.1f}) rotate(-45)" font-size="11">'
            f"<title>{_e(name)}</title>{_e(_clip(_flat(name), 150, 11))}</text>"
        )
    for r, name in enumerate(view.rows):
        y = top + r * cell_h
        if r % row_every == 0:
            out.append(
                f'<text x="{left - 6:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" '
                f'font-size="11"><title>{_e(name)}</title>{_e(_clip(_flat(name), row_label_w - 6, 11))}</text>'
            )
        for c, cell in enumerate(view.cells[r]):
            t = cell.count / max_count if max_count else 0.0
            interview, theme = matrix_interview_theme(view, r, c)
            x = left + c * cell_w
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w - gap:.1f}" height="{cell_h - gap:.1f}" '
                f'fill="{heat_colour(t)}"><title>{_e(theme)} – {_e(interview)}: {cell.count}</title></rect>'
            )
            if show_counts:
                fill = "#fff" if t > 0.5 else "#1a1a1a"
                size = min(12.0, cell_h * 0.6)
                out.append(
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + size * 0.35:.1f}" '
                    f'text-anchor="middle" font-size="{size:.0f}" fill="{fill}" '
                    f'pointer-events="none">{cell.count}</text>'
                )
    # Colour scale: up to six swatches from 0 to the largest count, no value twice.
    scale_label = in_lang(lang, "Count")
    out.append(f'<text x="{left:.1f}" y="{legend_y + 10:.1f}" fill="#444">{_e(scale_label)}</text>')
    sx = left + _text_w(scale_label) + 10
    for k, value in enumerate(sorted({round(max_count * k / 5) for k in range(6)})):
        out.append(
            f'<rect x="{sx + k * 34:.1f}" y="{legend_y:.1f}" width="32" height="12" '
            f'fill="{heat_colour(value / max_count if max_count else 0)}" stroke="#ccc"/>'
            f'<text x="{sx + k * 34 + 16:.1f}" y="{legend_y + 26:.1f}" text-anchor="middle" '
            f'font-size="10" fill="#444">{value}</text>'
        )
    if not show_counts:
        out.append(
            f'<text x="8" y="{height - 6:.1f}" fill="#555" font-style="italic">'
            f"{_e(in_lang(lang, 'The cells are too small for numbers; hover a cell for its count.'))}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def bars_svg(
    title: str, labels: list[str], values: list[float], *, standalone: bool = False
) -> str:
    """Plain horizontal bars, one per label, with the value printed (feature sections' charts)."""
    if not labels:
        return (
            _svg_open(WIDTH, 40, title, standalone=standalone)
            + f'<text x="8" y="20">{_e(title)}</text></svg>'
        )
    label_w = min(max(_text_w(lab) for lab in labels) + 16, 300)
    top, bar_h, gap = 34, 18, 6
    plot_w = WIDTH - label_w - 70
    peak = max(max(values), 1e-9)
    h = top + len(labels) * (bar_h + gap) + 10
    out = [
        _svg_open(WIDTH, h, title, standalone=standalone),
        f'<text x="8" y="20" font-size="14" font-weight="600">{_e(title)}</text>',
    ]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_h + gap)
        w = max(plot_w * v / peak, 0)
        shown = f"{v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
        out.append(
            f"<g><title>{_e(lab)}: {_e(shown)}</title>"
            f'<text x="{label_w - 8:.1f}" y="{y + 13:.1f}" text-anchor="end">{_e(_clip(lab, label_w - 12))}</text>'
            f'<rect x="{label_w:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13:.1f}" fill="#333">{_e(shown)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
