"""Render a :class:`~kvali.reports.model.StudyReport` as Markdown, HTML, DOCX, XLSX, CSV and JSON.

One module per format; what they share (citations, times, the analysis-model columns, matrix
orientation, flat tables) lives in :mod:`.common` and :mod:`.tables`; headings come from the
catalogue (:func:`kvali.i18n.in_lang`). :func:`write_reports` is the entry point for the CLI and web app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from kvali.errors import InputError
from kvali.i18n import check_lang
from kvali.reports.model import StudyReport
from kvali.reports.parallel import beside
from kvali.reports.render.csv import write_csv
from kvali.reports.render.docx import write_docx
from kvali.reports.render.html import render_html
from kvali.reports.render.json import render_json
from kvali.reports.render.markdown import render_markdown
from kvali.reports.render.xlsx import write_xlsx

__all__ = [
    "FORMATS",
    "render_html",
    "render_json",
    "render_markdown",
    "write_csv",
    "write_docx",
    "write_reports",
    "write_xlsx",
]

FORMATS: tuple[str, ...] = ("md", "html", "docx", "xlsx", "csv", "json")


def _formats(formats: Iterable[str] | str) -> list[str]:
    """Validate and de-duplicate formats (a ``"md,html"`` string is accepted, as a CLI passes it)."""
    if isinstance(formats, str):
        formats = formats.split(",")
    chosen: list[str] = []
    for f in formats:
        f = f.strip().lower()
        if f not in FORMATS:
            raise InputError(
                "unknown report format {f!r}; choose from {formats}",
                f=f,
                formats=", ".join(FORMATS),
            )
        if f not in chosen:
            chosen.append(f)
    return chosen


def _write_text(path: Path, text: str) -> Path:
    # errors="replace": a lone surrogate from a broken transcript must not lose the whole report.
    path.write_text(text, encoding="utf-8", errors="replace", newline="\n")
    return path


def write_reports(
    report: StudyReport,
    out_dir: Path,
    *,
    formats: Iterable[str] = FORMATS,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the chosen formats into ``out_dir`` (created) and return the files written;
    ``progress(fmt)`` is called as each format is done (for progress bars).

    Files: report.md, report.html, report.docx, report.xlsx, report.json and, for ``csv``,
    analysis_model.csv, theme_matrix.csv, condensation.csv, code_frequency.csv. Formats and
    language are checked before anything is written.
    """
    chosen = _formats(formats)
    check_lang(lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    side = None
    if "xlsx" in chosen and len(chosen) > 1:  # the slowest format, beside the others
        side = beside(lambda: _xlsx_in_child(report, out_dir / "report.xlsx", lang))
    files: dict[str, list[Path]] = {}
    for fmt in chosen:
        if fmt == "xlsx" and side is not None:
            continue  # written by the process beside this one; joined below
        files[fmt] = _write_format(report, out_dir, fmt, lang)
        if progress:
            progress(fmt)
    if side is not None:
        if not side.result()[0]:  # it failed: write it here, so the error is the real one
            write_xlsx(report, out_dir / "report.xlsx", lang)
        files["xlsx"] = [out_dir / "report.xlsx"]
        if progress:
            progress("xlsx")
    return [path for fmt in chosen for path in files[fmt]]


def _write_format(report: StudyReport, out_dir: Path, fmt: str, lang: str) -> list[Path]:
    if fmt == "md":
        return [_write_text(out_dir / "report.md", render_markdown(report, lang))]
    if fmt == "html":
        return [_write_text(out_dir / "report.html", render_html(report, lang))]
    if fmt == "json":
        return [_write_text(out_dir / "report.json", render_json(report))]
    if fmt == "docx":
        write_docx(report, out_dir / "report.docx", lang)
        return [out_dir / "report.docx"]
    if fmt == "xlsx":
        write_xlsx(report, out_dir / "report.xlsx", lang)
        return [out_dir / "report.xlsx"]
    return write_csv(report, out_dir, lang)


def _xlsx_in_child(report: StudyReport, path: Path, lang: str) -> None:
    write_xlsx(report, path, lang)
