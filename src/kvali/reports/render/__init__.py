"""Render a :class:`~kvali.reports.model.StudyReport` as Markdown, HTML, DOCX, XLSX, CSV and JSON.

One module per format; what they share (citations, times, the analysis-model columns, matrix
orientation, flat tables) lives in :mod:`.common` and :mod:`.tables`; headings come from the
catalogue (:func:`kvali.i18n.in_lang`). :func:`write_reports` is the entry point for the CLI and web app.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from kvali.errors import InputError
from kvali.i18n import check_lang
from kvali.reports.model import StudyReport
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
    written: list[Path] = []
    side = _xlsx_beside(report, out_dir, lang) if "xlsx" in chosen and len(chosen) > 1 else None
    for fmt in chosen:
        if fmt == "xlsx" and side is not None:
            continue  # written by the process beside this one; joined below
        if fmt == "md":
            written.append(_write_text(out_dir / "report.md", render_markdown(report, lang)))
        elif fmt == "html":
            written.append(_write_text(out_dir / "report.html", render_html(report, lang)))
        elif fmt == "json":
            written.append(_write_text(out_dir / "report.json", render_json(report)))
        elif fmt == "docx":
            write_docx(report, out_dir / "report.docx", lang)
            written.append(out_dir / "report.docx")
        elif fmt == "xlsx":
            write_xlsx(report, out_dir / "report.xlsx", lang)
            written.append(out_dir / "report.xlsx")
        else:
            written += write_csv(report, out_dir, lang)
        if progress:
            progress(fmt)
    if side is not None:
        side.join()
        if side.exitcode != 0:  # it failed: write it here, so the error is the real one
            write_xlsx(report, out_dir / "report.xlsx", lang)
        written.insert(chosen.index("xlsx"), out_dir / "report.xlsx")
        if progress:
            progress("xlsx")
    return written


def _xlsx_in_child(report: StudyReport, path: Path, lang: str) -> None:
    write_xlsx(report, path, lang)


def _xlsx_beside(report: StudyReport, out_dir: Path, lang: str) -> multiprocessing.Process | None:
    """The workbook (the slowest format: openpyxl builds every cell) in a forked process while
    this one writes the others, where that is safe: a second core, fork available, and no
    other thread in this process (a web server's threads could hold locks a fork would copy).
    ``KVALI_REPORT_PROCESSES=1`` turns it off."""
    if (
        os.environ.get("KVALI_REPORT_PROCESSES", "2") == "1"
        or (os.cpu_count() or 1) < 2
        or threading.active_count() != 1
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return None
    proc = multiprocessing.get_context("fork").Process(
        target=_xlsx_in_child, args=(report, out_dir / "report.xlsx", lang), daemon=True
    )
    proc.start()
    return proc
