"""Retrieval: every coded passage of a code, category or theme (``codings.retrieve``), in the
page, as its JSON twin, and as CSV and DOCX downloads; the same filters everywhere."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field

from kvali.codes import service as codes
from kvali.codings import retrieve as passages
from kvali.errors import InputError
from kvali.web.common import lang_of, me, page, tx
from kvali.web.contract import Id, Name, file_response
from kvali.web.page_models import RetrievePage

router = APIRouter()

Attr = Annotated[str, Field(max_length=500, pattern=r"^([^=]+=.*)?$")]  # empty: any
Choice = Annotated[str, Field(max_length=500)]  # empty: any
Attrs = Annotated[
    list[Attr] | None,
    Query(description="Participant attribute filters, each name=value", max_length=50),
]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _attributes(attr: list[str] | None) -> dict[str, str]:
    out = {}
    for item in attr or []:
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError("a filter on attributes is name=value, not {item!r}", item=item)
        out[name.strip()] = value.strip()
    return out


def _result(
    request: Request,
    code: int | str | None,
    attr: list[str] | None,
    mode: str | None,
    coder: str | None,
) -> dict[str, Any]:
    with tx(request) as (conn, sid):
        data: dict[str, Any] = {
            "codes": [c for c in codes.list_codes(conn, sid) if c["status"] == "active"],
            "options": passages.filter_options(conn, sid),
            "result": None,
        }
        if code is not None:
            data["result"] = passages.retrieve(
                conn,
                sid,
                code,
                viewer=me(request),
                attributes=_attributes(attr),
                mode=mode or None,
                coder=coder or None,
            )
    return data


@router.get("/retrieve", summary="Coded passages of a code (HTML)", response_model=RetrievePage)
@router.get(
    "/retrieve.json",
    summary="Every passage coded with a code or a code under it, with context",
    response_model=RetrievePage,
)
def retrieve_page(
    request: Request,
    code: Id | Name | None = None,
    attr: Attrs = None,
    mode: Choice | None = None,
    coder: Choice | None = None,
) -> Response:
    data = _result(request, code, attr, mode, coder)
    data["selected"] = {
        "code": data["result"]["code"]["id"] if data["result"] else None,
        "attributes": _attributes(attr),
        "mode": mode or None,
        "coder": coder or None,
    }
    return page(request, "retrieve.html", data)


@router.get(
    "/retrieve/export.{fmt}",
    summary="The coded passages of a code as CSV or DOCX",
    response_class=Response,
    responses=file_response(*MEDIA.values(), description="The passages"),
)
def retrieve_export(
    request: Request,
    fmt: Literal["csv", "docx"],
    code: Id | Name,
    attr: Attrs = None,
    mode: Choice | None = None,
    coder: Choice | None = None,
) -> Response:
    result = _result(request, code, attr, mode, coder)["result"]
    if fmt == "csv":
        content: bytes = passages.to_csv(result).encode("utf-8-sig")
    else:
        content = passages.to_docx(result, lang_of(request))
    name = "passages-" + "".join(ch if ch.isalnum() else "-" for ch in result["code"]["name"])
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
