"""Theory frameworks (shipped, loaded, written, imported/exported as .qdc) and the framework
matrix: framework item × interview (or theme) with evidence levels (docs/analysis.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.analysis import frameworks as fw
from kvali.analysis.matrix import COLUMNS, LEVELS, clear_evidence, framework_matrix, set_evidence
from kvali.codes.service import list_codes
from kvali.errors import InputError
from kvali.web.common import lang_of, me, page, retry_on_conflict, tx
from kvali.web.contract import Id, IdOut, Ids, Name, OkOut, Text, file_response
from kvali.web.models import CodeIdsOut
from kvali.web.page_models import FrameworksPage, MatrixPage

router = APIRouter()


@router.get("/frameworks", summary="Theory frameworks (HTML)", response_model=FrameworksPage)
@router.get(
    "/frameworks.json",
    summary="The study's frameworks with items, and the shipped ones",
    response_model=FrameworksPage,
)
def frameworks_page(request: Request, lang: Literal["en", "nb", ""] = "") -> Response:
    language = lang if lang in fw.LANGUAGES else ("nb" if lang_of(request) == "nb" else "en")
    with tx(request) as (conn, sid):
        loaded = [fw.get_framework(conn, sid, f["id"]) for f in fw.list_frameworks(conn, sid)]
        codes = [
            {"id": c["id"], "path": c["path"]}
            for c in list_codes(conn, sid)
            if c["status"] == "active"
        ]
    data = {
        "frameworks": loaded,
        "shipped": fw.list_shipped(language),
        "language": language,
        "languages": list(fw.LANGUAGES),
        "codes": codes,
    }
    return page(request, "frameworks.html", data)


class FrameworkItemIn(BaseModel):
    name: Name
    description: Text = ""
    keywords: list[Name] | Text = Field(default_factory=list)


class FrameworkIn(BaseModel):
    key: Name | None = Field(None, description="A shipped framework's key")
    language: Literal["en", "nb"] = "nb"
    as_codes: bool = False
    name: Name | None = Field(None, description="Or write one: its name (and items)")
    description: Text = ""
    items: list[FrameworkItemIn] = Field(default_factory=list)


def _keywords(value: list[str] | str) -> list[str]:
    items = value if isinstance(value, list) else value.replace(";", ",").split(",")
    return [s.strip() for s in items if s.strip()]


@router.post(
    "/api/frameworks",
    status_code=201,
    summary="Load a shipped framework or write one",
    response_model=IdOut,
)
@retry_on_conflict
def add_framework(request: Request, body: FrameworkIn) -> dict:
    if (body.key is None) == (body.name is None):
        raise InputError("give a shipped framework key or a name for a new framework")
    with tx(request) as (conn, sid):
        if body.key is not None:
            fid = fw.add_framework(
                conn, sid, key=body.key, language=body.language, as_codes=body.as_codes
            )
        else:
            data = {
                "name": body.name,
                "description": body.description,
                "items": [
                    {
                        "name": i.name,
                        "description": i.description,
                        "keywords": _keywords(i.keywords),
                    }
                    for i in body.items
                ],
            }
            fid = fw.add_framework(conn, sid, data=data, language=body.language)
        return {"id": fid}


@router.post(
    "/api/frameworks/upload",
    status_code=201,
    summary="Import a framework from .qdc",
    response_model=IdOut,
)
def upload_framework(
    request: Request,
    file: Annotated[UploadFile, File()],
    as_codes: Annotated[bool, Form()] = False,
) -> dict:
    name = Path(file.filename or "framework.qdc").name
    if not name.lower().endswith(".qdc"):
        raise InputError("upload a REFI-QDA codebook (.qdc)")
    with tempfile.TemporaryDirectory(prefix="kvali-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.file.read())
        with tx(request) as (conn, sid):
            return {"id": fw.add_framework(conn, sid, path=path, as_codes=as_codes)}


@router.get(
    "/frameworks/{framework_id}/export.qdc",
    summary="Download a framework as .qdc",
    response_class=Response,
    responses=file_response("application/xml"),
)
def export_framework(request: Request, framework_id: Id) -> Response:
    with tx(request) as (conn, sid):
        name = fw.get_framework(conn, sid, framework_id)["name"]
        content = fw.export_framework(conn, sid, framework_id)
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in name)
    safe = safe[:60] or "framework"
    return Response(
        content,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{safe}.qdc"'},
    )


@router.post(
    "/api/frameworks/{framework_id}/items",
    status_code=201,
    summary="Add an item to a framework",
    response_model=IdOut,
)
@retry_on_conflict
def add_item(request: Request, framework_id: Id, body: FrameworkItemIn) -> dict:
    with tx(request) as (conn, sid):
        iid = fw.add_item(
            conn,
            sid,
            framework=framework_id,
            name=body.name,
            description=body.description,
            keywords=_keywords(body.keywords),
        )
    return {"id": iid}


class LinkIn(BaseModel):
    codes: list[Id | Name] | Text = Field(description="Study codes (ids, names or paths)")


@router.post(
    "/api/frameworks/{framework_id}/items/{item_id}/codes",
    summary="Link study codes to an item (their codings become explicit evidence)",
    response_model=CodeIdsOut,
)
@retry_on_conflict
def link_codes(request: Request, framework_id: Id, item_id: Id, body: LinkIn) -> dict:
    codes = body.codes if isinstance(body.codes, list) else [body.codes]
    codes = [int(c) if isinstance(c, str) and c.isdigit() else c for c in codes]
    if not codes:
        raise InputError("name at least one code")
    with tx(request) as (conn, sid):
        ids = fw.link_codes(conn, sid, framework=framework_id, item=item_id, codes=codes)
    return {"code_ids": ids}


@router.get(
    "/frameworks/{framework_id}/matrix",
    summary="Framework matrix (HTML)",
    response_model=MatrixPage,
)
@router.get(
    "/frameworks/{framework_id}/matrix.json",
    summary="Framework items × interviews (or themes): evidence levels and passages",
    response_model=MatrixPage,
)
def matrix_page(
    request: Request, framework_id: Id, by: Literal["interview", "theme"] = "interview"
) -> Response:
    if by not in COLUMNS:
        raise InputError("columns must be one of {columns}", columns=", ".join(COLUMNS))
    with tx(request) as (conn, sid):
        matrix = framework_matrix(conn, sid, framework_id, by=by, viewer=me(request))
    return page(
        request, "matrix.html", {"matrix": matrix, "levels": list(LEVELS), "bys": list(COLUMNS)}
    )


class EvidenceIn(BaseModel):
    item: Id
    level: Literal["explicit", "implicit", "not_found"] = Field(
        description="explicit, implicit or not_found"
    )
    interview: Id | None = None
    theme: Id | None = None
    note: Text = ""
    coding_ids: Ids = Field(default_factory=list, description="Supporting passages")


@router.put(
    "/api/frameworks/{framework_id}/evidence",
    summary="Set a cell's evidence level",
    response_model=IdOut,
)
@retry_on_conflict
def put_evidence(request: Request, framework_id: Id, body: EvidenceIn) -> dict:
    with tx(request) as (conn, sid):
        if body.coding_ids:
            from kvali.codings.service import get_coding

            for cid in body.coding_ids:
                get_coding(conn, sid, cid, viewer=me(request))  # not found: 404, no change
        eid = set_evidence(
            conn,
            sid,
            framework=framework_id,
            item=body.item,
            level=body.level,
            interview=body.interview,
            theme=body.theme,
            note=body.note,
            coding_ids=body.coding_ids,
        )
    return {"id": eid}


@router.delete(
    "/api/frameworks/{framework_id}/evidence",
    summary="Back to the suggestion for a cell",
    response_model=OkOut,
)
@retry_on_conflict
def delete_evidence(request: Request, framework_id: Id, item: Id, interview: Id) -> dict:
    with tx(request) as (conn, sid):
        clear_evidence(conn, sid, framework=framework_id, item=item, interview=interview)
    return {"ok": True}
