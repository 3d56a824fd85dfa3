"""Write the study's reports into the project's exports folder (or elsewhere)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kvali.errors import CheckUnavailable, KvaliError
from kvali.project import Project
from kvali.reports.build import build_report
from kvali.studies.service import default_study_id


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A report builds millions of small objects that form no garbage cycles; the cyclic
    collector's passes over that growing heap were a sixth of the time at 500 interviews and
    grew faster than the data. Reference counting still frees everything."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def write_study_reports(
    project: Project,
    *,
    formats: Iterable[str] | None = None,
    lang: str = "en",
    out_dir: Path | None = None,
    cycle: int | None = None,
    progress: Callable[[str], None] | None = None,
    viewer: str | None = None,
    quotes: str | None = None,
    check: bool = False,
    quote_summary: dict[str, Any] | None = None,
) -> list[Path]:
    """Build the report data once (from the codings ``viewer`` may see), then render each
    format; ``progress`` hears each step.

    Quotes print as the study's setting says (``quotes``: ``published`` renderings or
    ``verbatim``); ``quote_summary``, when given, is filled with the publication check's
    counts (``quotes.publish.apply_to_report``). ``check``: refuse, before writing anything,
    when a printed quote still has open dialect flags, unmasked names or a stale rendering."""
    with _no_cycle_collection():
        from kvali.quotes.publish import apply_to_report
        from kvali.reports.render import FORMATS, write_reports
        from kvali.reports.sections import (
            BUILDERS,
            HEAVY,
            build_sections,
            heavy_sections_beside,
            in_order,
        )

        with project.begin() as conn:
            sid = default_study_id(conn)
            # The sections that read every turn go to a second core while this one builds the rest.
            side = heavy_sections_beside(project.database_url, sid, project.path, lang, viewer)
            report = build_report(conn, sid, cycle=cycle, viewer=viewer)
            summary = apply_to_report(conn, sid, report, mode=quotes)
            here = [n for n in BUILDERS if side is None or n not in HEAVY]
            built = build_sections(conn, sid, project.path, lang, here, viewer=viewer)
            if side is not None:  # joined only now: the light sections were built meanwhile
                ok, heavy = side.result()
                if not ok:  # failed: built here, so an error is the real one
                    heavy = build_sections(conn, sid, project.path, lang, HEAVY, viewer=viewer)
                built.update(heavy)
            report.sections = in_order(built)
        if quote_summary is not None:
            quote_summary.update(summary)
        if check and summary["dialect_check"] not in ("done", "not asked (verbatim)"):
            raise CheckUnavailable(
                "the quotes' dialect check could not run ({why}); install what it needs, or "
                "write the reports anyway with --allow-unchecked",
                why=summary["dialect_check"],
            )
        if check and summary["open"]:
            first = summary["open"][0]
            raise KvaliError(
                "{n} of {total} quotes are not checked for publication (open dialect flags, "
                "unmasked names or stale renderings), e.g. {interview} at {start}: {what}; fix them "
                "with kvali quote list / kvali quote render, or write anyway with --allow-unchecked",
                n=len(summary["open"]),
                total=summary["quotes"],
                interview=first["interview"],
                start=first["start_char"],
                what=", ".join(first["flags"] + first["names"]) or "stale",
            )
        if progress:
            progress("build")
        return write_reports(
            report,
            out_dir or project.exports_dir,
            formats=formats or FORMATS,
            lang=lang,
            progress=progress,
        )
