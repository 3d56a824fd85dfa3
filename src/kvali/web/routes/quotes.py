"""Quotes fit to publish (docs/quotes.md): the gold quotes with dialect and Nynorsk forms
highlighted, their published rendering beside the verbatim, accepted one by one or all at once
from the keyboard, kept as said, or edited freely."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.quotes.render import accept_all, accept_flag, edit_rendering, keep_flag, list_quotes
from kvali.quotes.service import quote_settings, set_quote_settings
from kvali.web.common import me, page, retry_on_conflict, tx
from kvali.web.contract import Id
from kvali.web.models import QuoteOut, QuoteSettingsOut
from kvali.web.page_models import QuotesPage

router = APIRouter()


@router.get("/quotes", summary="Quotes fit to publish (HTML)", response_model=QuotesPage)
@router.get(
    "/quotes.json",
    summary="Gold quotes with their renderings, open flags and unmasked names",
    response_model=QuotesPage,
)
def quotes_page(request: Request, all: bool = False) -> Response:
    """Gold quotes (``all=true``: every coded passage)."""
    with tx(request) as (conn, sid):
        rows = list_quotes(conn, sid, viewer=me(request), gold_only=not all)
        settings = quote_settings(conn, sid)
    data = {
        "quotes": rows,
        "settings": settings,
        "all": all,
        "open": sum(1 for q in rows if q["flags"] or q["names"] or q["stale"]),
    }
    return page(request, "quotes.html", data)


class SpanIn(BaseModel):
    start: int = Field(ge=0, description="The flag's start in the quote's current text")
    end: int | None = Field(None, ge=0, description="The flag's end (optional)")


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class SettingsIn(BaseModel):
    conservative: bool | None = None
    report_quotes: Literal["published", "verbatim"] | None = None


@router.post(
    "/api/quotes/{coding_id}/accept",
    summary="Accept one flag's suggestion into the rendering",
    response_model=QuoteOut,
)
@retry_on_conflict
def accept_one(request: Request, coding_id: Id, body: SpanIn) -> dict:
    with tx(request) as (conn, sid):
        return accept_flag(conn, sid, coding_id, start=body.start, end=body.end, viewer=me(request))


@router.post(
    "/api/quotes/{coding_id}/accept-all",
    summary="Accept every open flag's suggestion",
    response_model=QuoteOut,
)
@retry_on_conflict
def accept_every(request: Request, coding_id: Id) -> dict:
    with tx(request) as (conn, sid):
        return accept_all(conn, sid, coding_id, viewer=me(request))


@router.post(
    "/api/quotes/{coding_id}/keep",
    summary="Leave a flagged word as said, on purpose",
    response_model=QuoteOut,
)
@retry_on_conflict
def keep_one(request: Request, coding_id: Id, body: SpanIn) -> dict:
    with tx(request) as (conn, sid):
        return keep_flag(conn, sid, coding_id, start=body.start, end=body.end, viewer=me(request))


@router.put(
    "/api/quotes/{coding_id}/rendering",
    summary="Write the rendering freely",
    response_model=QuoteOut,
)
@retry_on_conflict
def edit_one(request: Request, coding_id: Id, body: TextIn) -> dict:
    with tx(request) as (conn, sid):
        return edit_rendering(conn, sid, coding_id, body.text, viewer=me(request))


@router.put(
    "/api/quotes/settings",
    summary="Conservative Bokmål forms flagged; reports print published or verbatim quotes",
    response_model=QuoteSettingsOut,
)
@retry_on_conflict
def change_settings(request: Request, body: SettingsIn) -> dict:
    with tx(request) as (conn, sid):
        return set_quote_settings(
            conn, sid, conservative=body.conservative, report_quotes=body.report_quotes
        )
