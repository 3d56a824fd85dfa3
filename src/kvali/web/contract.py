"""The API's contract: bounded ids and numbers, and every answer declared in ``/openapi.json``.

Scripts and fuzzers (schemathesis in the test suite) read the OpenAPI document as a promise:
every status code and content type a route can send is declared, and whatever the schema
allows is either accepted or refused with a declared 4xx, never a 500. Routes use the types
below for ids and numbers so the bound is checked before any SQL runs and stated in the schema.
"""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any

import annotated_types as at
from fastapi import FastAPI
from pydantic import BaseModel, Field

from kvali.util import MAX_DB_INT

# Ids are INTEGER columns: 32-bit on PostgreSQL, so that is the bound on both databases.
Id = Annotated[int, at.Ge(1), at.Le(MAX_DB_INT)]
# Character offsets, durations, counts: never negative, never beyond an INTEGER column.
Count = Annotated[int, at.Ge(0), at.Le(MAX_DB_INT)]
# A list of ids in one request (bulk decisions): bounded so a request stays small.
Ids = Annotated[list[Id], Field(max_length=10_000)]
# A name the researcher types (code, participant, label): not empty, not a page long.
Name = Annotated[str, Field(min_length=1, max_length=500)]
# Free text (memos, guide Markdown, comments).
Text = Annotated[str, Field(max_length=1_000_000)]
# A cycle number in a query (1, 2, …).
Cycle = Annotated[int, at.Ge(1), at.Le(10_000)]


class ValidationItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every refusal: one sentence for the researcher, and for 422 where the input was wrong."""

    error: str = Field(description="What went wrong, in one sentence")
    detail: list[ValidationItem] | None = Field(None, description="422: each invalid field")
    retry: bool | None = Field(None, description="409: safe to send again")


class OkOut(BaseModel):
    ok: bool


class IdOut(BaseModel):
    id: int


_HTML = {"text/html": {"schema": {"type": "string"}}}
_ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The request cannot be done as asked"},
    401: {"model": ErrorOut, "description": "No access token"},
    403: {"model": ErrorOut, "description": "Wrong token, or a change sent from another origin"},
    404: {"model": ErrorOut, "description": "No such item in this study"},
    405: {"model": ErrorOut, "description": "Method not allowed here (see the Allow header)"},
    409: {"model": ErrorOut, "description": "Changed at the same moment elsewhere; try again"},
    421: {"model": ErrorOut, "description": "Host is not a name this server answers for"},
    422: {"model": ErrorOut, "description": "Invalid input; nothing was written"},
}


def file_response(
    *media_types: str, description: str = "The file", json: type[BaseModel] | None = None
) -> dict[int | str, Any]:
    """``responses=`` for a download: the 200 answer's media types, binary; a JSON file is
    described by its model (``json``), as a client reading it parses it."""
    content = {m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}
    if json is not None:
        content["application/json"] = {"schema": json.model_json_schema(mode="serialization")}
    return {200: {"description": description, "content": content}}


def _browser_get(path: str) -> bool:
    """A GET a browser opens (a page or a download), whose errors come as an HTML page."""
    return not path.startswith("/api/") and not path.endswith(".json")


def declare_pages(app: FastAPI) -> None:
    """Pages answer HTML (or their twin's JSON with ``Accept: application/json``), and pages'
    and downloads' errors come as an HTML page for a browser's GET: say so in the document.

    Done on the generated document (FastAPI's documented way to extend it), so route modules
    stay plain: a GET page route declares nothing extra."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        for path, ops in spec.get("paths", {}).items():
            op = ops.get("get")
            if op is None or not _browser_get(path):
                continue
            ok = op["responses"]["200"]
            if "application/json" in ok.get("content", {}):  # a page, not a download
                ok["description"] = "The page (HTML); with Accept: application/json, its data"
                ok["content"] = {**_HTML, **ok["content"]}
            for status, answer in op["responses"].items():
                if status not in ("200", "405"):  # a wrong method is the router's, in JSON
                    answer["content"] = {**copy.deepcopy(_HTML), **_ERROR_JSON}
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the document lists for ``path`` (for a 405's Allow header): one path can have
    several routes (GET, PATCH, DELETE), and the router only knows the one it tried."""
    patterns = getattr(app.state, "allow_patterns", None)
    if patterns is None:
        patterns = []
        for template, ops in app.openapi().get("paths", {}).items():
            regex = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
            methods = {m.upper() for m in ops} | ({"HEAD"} if "get" in ops else set())
            patterns.append((re.compile(regex + "$"), methods))
        app.state.allow_patterns = patterns
    found: set[str] = set()
    for regex, methods in patterns:
        if regex.match(path):
            found |= methods
    return sorted(found)
