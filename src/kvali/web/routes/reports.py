"""Reports: the three tables and charts in the page, and a download for every format."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kvali.errors import InputError
from kvali.i18n import check_lang
from kvali.reports.build import build_report
from kvali.reports.render import FORMATS, render_html, render_json
from kvali.reports.service import write_study_reports
from kvali.web.common import lang_of, me, page, project_of, tx
from kvali.web.contract import Cycle, file_response
from kvali.web.page_models import ReportData, ReportsPage
from kvali.web.security import framed_document_headers

router = APIRouter()

MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "json": "application/json",
}


Format = Literal["md", "html", "docx", "xlsx", "csv", "json"]
ReportLang = Literal["en", "nb"]


def _report_lang(request: Request, lang: str | None) -> str:
    return check_lang(lang or lang_of(request))


@router.get("/reports", summary="Reports page (HTML)", response_model=ReportsPage)
@router.get(
    "/reports.json",
    summary="The study report as data (the three tables, frequencies)",
    response_model=ReportData,
)
def reports_page(
    request: Request, lang: ReportLang | None = None, cycle: Cycle | None = None
) -> Response:
    rlang = _report_lang(request, lang)
    with tx(request) as (conn, sid):
        report = build_report(conn, sid, cycle=cycle, viewer=me(request))
    if request.url.path.endswith(".json"):
        return page(request, "reports.html", json.loads(render_json(report)))
    return page(
        request,
        "reports.html",
        {"formats": FORMATS, "report_lang": rlang, "cycle": cycle, "title": report.title},
    )


@router.get(
    "/reports/view",
    summary="The report as one HTML document with SVG charts",
    response_class=HTMLResponse,
    responses=file_response("text/html", description="The report"),
)
def report_view(
    request: Request, lang: ReportLang | None = None, cycle: Cycle | None = None
) -> Response:
    rlang = _report_lang(request, lang)
    with tx(request) as (conn, sid):
        report = build_report(conn, sid, cycle=cycle, viewer=me(request))
    html = render_html(report, rlang)
    # Shown in the reports page's iframe: framing by this origin, its own <style> by hash.
    return HTMLResponse(html, headers=framed_document_headers(html))


@router.get(
    "/reports/download/{fmt}",
    summary="Download the report (md, html, docx, xlsx, csv, json)",
    response_class=Response,
    responses=file_response(
        *dict.fromkeys(MEDIA.values()), description="The report file", json=ReportData
    ),
)
def download(
    request: Request, fmt: Format, lang: ReportLang | None = None, cycle: Cycle | None = None
) -> Response:
    """Written by the same renderer as ``kvali report`` into a temporary folder, never exports/."""
    if fmt not in FORMATS:
        raise InputError(
            "unknown report format {fmt!r}; choose from {formats}",
            fmt=fmt,
            formats=", ".join(FORMATS),
        )
    rlang = _report_lang(request, lang)
    with tempfile.TemporaryDirectory(prefix="kvali-report-") as tmp:
        files = write_study_reports(
            project_of(request),
            formats=[fmt],
            lang=rlang,
            out_dir=Path(tmp),
            cycle=cycle,
            viewer=me(request),
        )
        if fmt == "csv":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in files:
                    zf.write(f, f.name)
            content, name = buf.getvalue(), "report-csv.zip"
        else:
            content, name = files[0].read_bytes(), files[0].name
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
