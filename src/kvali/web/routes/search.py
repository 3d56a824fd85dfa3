"""Full-text search filtered by code, participant attribute and interview mode."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kvali.codes.service import list_codes
from kvali.errors import InputError
from kvali.interviews.service import MODES, list_interviews
from kvali.search.service import search as run_search
from kvali.web.common import page, tx

router = APIRouter()


@router.get("/search", summary="Search (HTML)")
@router.get("/search.json", summary="Search: hits with code-point match offsets")
def search(
    request: Request,
    q: str = "",
    code: str = "",
    attr: str = "",
    mode: str = "",
    interview: str = "",
    limit: int = 50,
) -> Response:
    attribute = None
    if attr.strip():
        if "=" not in attr:
            raise InputError("attribute filter must be name=value")
        name, value = attr.split("=", 1)
        attribute = (name.strip(), value.strip())
    with tx(request) as (conn, sid):
        hits = (
            run_search(
                conn,
                sid,
                q,
                code=code or None,
                attribute=attribute,
                mode=mode or None,
                interview=interview or None,
                limit=max(1, min(limit, 500)),
            )
            if q.strip()
            else []
        )
        all_codes = list_codes(conn, sid)
        ids = {i["label"]: i["id"] for i in list_interviews(conn, sid)}
    for h in hits:
        h["interview_id"] = ids.get(h["interview"])
    data = {
        "q": q,
        "code": code,
        "attr": attr,
        "mode": mode,
        "hits": hits,
        "codes": [{"id": c["id"], "path": c["path"]} for c in all_codes],
        "modes": list(MODES),
    }
    return page(request, "search.html", data)
