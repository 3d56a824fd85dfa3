"""The codebook tree: create, rename, move, merge, split; cycles and their history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.codes import service as codes
from kvali.codings import cycles
from kvali.codings.service import list_codings
from kvali.errors import NotFoundError
from kvali.web.common import me, page, retry_on_conflict, tx
from kvali.web.contract import Id, IdOut, Name, OkOut, Text
from kvali.web.models import CycleOut, MergeOut, SplitOut
from kvali.web.page_models import CodebookPage, SplitPage

router = APIRouter()


@router.get(
    "/codebook", summary="Codebook tree with cycle history (HTML)", response_model=CodebookPage
)
@router.get(
    "/codebook.json",
    summary="Codebook tree, cycles and which codes became which",
    response_model=CodebookPage,
)
def codebook(request: Request, inactive: bool = False) -> Response:
    with tx(request) as (conn, sid):
        data = {
            "codes": codes.list_codes(conn, sid, include_inactive=inactive),
            "history": codes.code_history(conn, sid),
            "cycles": cycles.list_cycles(conn, sid),
            "inactive": inactive,
        }
    return page(request, "codebook.html", data)


CodeName = Annotated[
    str, Field(min_length=1, max_length=500, pattern=r"^[^/]*[^/\s][^/]*$", description="No '/'")
]
Color = Annotated[str, Field(pattern=r"^(#[0-9A-Fa-f]{6})?$", description="#rrggbb")]


class CodeIn(BaseModel):
    name: CodeName
    parent: Id | Annotated[str, Field(max_length=500)] | None = Field(
        None, description="Parent code (id or path); empty for the top level"
    )
    level: Literal["theme", "category", "code", ""] | None = None
    description: Text = ""
    color: Color | None = None


def _blank(value: int | str | None) -> int | str | None:
    return None if value in (None, "") else value


@router.post(
    "/api/codes", status_code=201, summary="Create a code, category or theme", response_model=IdOut
)
@retry_on_conflict
def create_code(request: Request, body: CodeIn) -> dict:
    with tx(request) as (conn, sid):
        cid = codes.create_code(
            conn,
            sid,
            name=body.name,
            parent=_blank(body.parent),
            level=body.level or None,
            description=body.description,
            color=body.color or None,
        )
    return {"id": cid}


class CodeUpdate(BaseModel):
    description: Text | None = None
    color: Color | None = None


@router.patch(
    "/api/codes/{code_id}", summary="Change a code's description or colour", response_model=OkOut
)
@retry_on_conflict
def update_code(request: Request, code_id: Id, body: CodeUpdate) -> dict:
    with tx(request) as (conn, sid):
        codes.update_code(conn, sid, code_id, description=body.description, color=body.color)
    return {"ok": True}


class RenameIn(BaseModel):
    name: CodeName


@router.post(
    "/api/codes/{code_id}/rename",
    summary="Rename a code (recorded in the cycle)",
    response_model=IdOut,
)
@retry_on_conflict
def rename_code(request: Request, code_id: Id, body: RenameIn) -> dict:
    with tx(request) as (conn, sid):
        return {"id": codes.rename_code(conn, sid, code_id, body.name)}


class MoveIn(BaseModel):
    parent: Id | Annotated[str, Field(max_length=500)] | None = Field(
        None, description="New parent (id or path); empty for the top level"
    )


@router.post("/api/codes/{code_id}/move", summary="Move a code under another", response_model=IdOut)
@retry_on_conflict
def move_code(request: Request, code_id: Id, body: MoveIn) -> dict:
    with tx(request) as (conn, sid):
        return {"id": codes.move_code(conn, sid, code_id, _blank(body.parent))}


class MergeIn(BaseModel):
    into: Id | Name = Field(description="The code that takes the codings (id or path)")


@router.post(
    "/api/codes/{code_id}/merge", summary="Merge this code into another", response_model=MergeOut
)
@retry_on_conflict
def merge_code(request: Request, code_id: Id, body: MergeIn) -> dict:
    with tx(request) as (conn, sid):
        return codes.merge_codes(conn, sid, [code_id], body.into)


class SplitIn(BaseModel):
    into: Annotated[list[CodeName], Field(min_length=2, max_length=20)] | Name = Field(
        description="Two or more distinct new code names (list or comma-separated)"
    )
    assign: dict[Id, CodeName] | None = Field(None, description="coding id → one of the new names")


@router.post(
    "/api/codes/{code_id}/split",
    summary="Split a code into new sibling codes",
    response_model=SplitOut,
)
@retry_on_conflict
def split_code(request: Request, code_id: Id, body: SplitIn) -> dict:
    names = body.into if isinstance(body.into, list) else body.into.split(",")
    names = [n.strip() for n in names if n.strip()]
    with tx(request) as (conn, sid):
        return codes.split_code(conn, sid, code_id, names, assign=body.assign)


@router.get(
    "/codebook/{code_id}/split",
    summary="Split a code, coding by coding (HTML)",
    response_model=SplitPage,
)
@router.get(
    "/codebook/{code_id}/split.json",
    summary="A code and its live codings (current cycle), to assign each to a new code",
    response_model=SplitPage,
)
def split_page(request: Request, code_id: Id) -> Response:
    """Each coding gets a target selector; codings left alone go to the first new code, as in
    ``codes.split_code``."""
    with tx(request) as (conn, sid):
        code = next((c for c in codes.list_codes(conn, sid) if c["id"] == code_id), None)
        if code is None:
            raise NotFoundError("no active code {code_id}", code_id=code_id)
        rows = list_codings(conn, sid, code=code_id, viewer=me(request))
    keep = ("id", "interview", "speaker", "start_char", "end_char", "text", "coder", "is_gold")
    data = {"code": code, "codings": [{k: r.get(k) for k in keep} for r in rows]}
    return page(request, "split.html", data)


class CycleIn(BaseModel):
    name: Annotated[str, Field(max_length=500)] = ""


@router.post(
    "/api/cycles", status_code=201, summary="Start a new coding cycle", response_model=CycleOut
)
@retry_on_conflict
def start_cycle(request: Request, body: CycleIn) -> dict:
    with tx(request) as (conn, sid):
        return {"number": cycles.start_cycle(conn, sid, name=body.name)}
