"""Write the study's reports into the project's exports folder (or elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from kvali.project import Project
from kvali.reports.build import build_report
from kvali.studies.service import default_study_id


def write_study_reports(
    project: Project,
    *,
    formats: Iterable[str] | None = None,
    lang: str = "en",
    out_dir: Path | None = None,
    cycle: int | None = None,
    progress: Callable[[str], None] | None = None,
    viewer: str | None = None,
) -> list[Path]:
    """Build the report data once (from the codings ``viewer`` may see), then render each
    format; ``progress`` hears each step."""
    from kvali.reports.render import FORMATS, write_reports
    from kvali.reports.sections import collect_sections, heavy_sections_beside

    with project.begin() as conn:
        sid = default_study_id(conn)
        # The sections that read every turn go to a second core while this one builds the rest.
        side = heavy_sections_beside(project.database_url, sid, project.path, lang, viewer)
        report = build_report(conn, sid, cycle=cycle, viewer=viewer)
        given = None
        if side is not None:
            ok, built = side.result()
            given = built if ok else None  # failed: built here below, with its real error
        report.sections = collect_sections(
            conn, sid, project.path, lang, viewer=viewer, given=given
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
