"""REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder … (docs/refi-qda.md): upload a
.qdpx/.qde project or a .qdc codebook to import it, download the study as .qdpx or .qdc.

An import runs in one transaction (``kvali.interop.refi``): a broken file is a 422 with the
importer's message and nothing written; what could not be imported comes back as warnings.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from kvali.errors import InputError
from kvali.events.service import list_events, set_actor
from kvali.interop.refi import export_qdc, export_qdpx, import_qdc, import_qdpx
from kvali.studies.service import get_study
from kvali.web.common import page, project_of, tx
from kvali.web.contract import file_response
from kvali.web.models import ImportOut
from kvali.web.page_models import ExchangePage

router = APIRouter()

PROJECT_TYPES = (".qdpx", ".qde")
CODEBOOK_TYPES = (".qdc",)


@router.get("/exchange", summary="REFI-QDA import and export (HTML)", response_model=ExchangePage)
@router.get(
    "/exchange.json",
    summary="REFI-QDA exchange: the study and its past imports",
    response_model=ExchangePage,
)
def exchange_page(request: Request) -> Response:
    with tx(request) as (conn, sid):
        study = get_study(conn, sid)
        imports = [
            {"at": e["created_at"], "actor": e.get("actor"), **(e.get("payload") or {})}
            for e in list_events(conn, study_id=sid, entity="refi", limit=20)
            if e["action"] == "import"
        ]
    data = {
        "study": {"id": study["id"], "title": study["title"]},
        "imports": imports,
        "accepts": list(PROJECT_TYPES + CODEBOOK_TYPES),
    }
    return page(request, "exchange.html", data)


@router.post(
    "/api/exchange/import",
    status_code=201,
    summary="Import a REFI-QDA project (.qdpx/.qde) or codebook (.qdc): counts and warnings",
    response_model=ImportOut,
)
def import_file(request: Request, file: Annotated[UploadFile, File()]) -> dict:
    """The kind follows the file name; the importer also refuses a codebook given as a project
    and the other way round. The project need not have a study yet (the import makes one)."""
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in PROJECT_TYPES + CODEBOOK_TYPES:
        raise InputError(
            "upload a REFI-QDA project (.qdpx, .qde) or codebook (.qdc), not {name!r}",
            name=name or "nothing",
        )
    run = import_qdc if suffix in CODEBOOK_TYPES else import_qdpx
    with tempfile.TemporaryDirectory(prefix="kvali-upload-") as tmp:
        path = Path(tmp) / (re.sub(r"[^\w.\- ]", "_", name) or f"upload{suffix}")
        path.write_bytes(file.file.read())
        if path.stat().st_size == 0:
            raise InputError("the uploaded file is empty")
        set_actor(request.app.state.user)
        try:
            result = run(project_of(request), path)
        except InputError as exc:
            # The message names the temporary copy; the researcher knows the file by its name.
            raise _without_folder(exc, f"{tmp}/") from exc
    return result.as_dict() | {"file": name}


def _without_folder(exc: InputError, folder: str) -> InputError:
    """The same error with the upload's temporary folder taken out of the file and values."""
    values = {
        k: str(v).replace(folder, "") if folder in str(v) else v for k, v in exc.values.items()
    }
    file = exc.file.replace(folder, "") if exc.file else None
    return InputError.at(exc, file=file, line=exc.line, **values)


def _download(request: Request, kind: str) -> Response:
    """Export into a temporary folder and send the bytes (nothing is left in the project)."""
    with tempfile.TemporaryDirectory(prefix="kvali-export-") as tmp:
        with tx(request) as (conn, sid):
            title = get_study(conn, sid)["title"]
            out = Path(tmp) / f"study.{kind}"
            (export_qdpx if kind == "qdpx" else export_qdc)(conn, out)
        content = out.read_bytes()
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", title).strip("_")[:60] or "kvali"
    media = "application/zip" if kind == "qdpx" else "application/xml"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{safe}.{kind}"'},
    )


@router.get(
    "/exchange/export.qdpx",
    summary="Download the study as a REFI-QDA project (.qdpx)",
    response_class=Response,
    responses=file_response("application/zip"),
)
def download_qdpx(request: Request) -> Response:
    return _download(request, "qdpx")


@router.get(
    "/exchange/export.qdc",
    summary="Download the codebook as REFI-QDA (.qdc)",
    response_class=Response,
    responses=file_response("application/xml"),
)
def download_qdc(request: Request) -> Response:
    return _download(request, "qdc")
