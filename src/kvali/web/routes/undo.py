"""Undo and redo of the researcher's changes (codings, merges, corrections): one mechanism on
the event log (``events.undo``) for the coding screen's buttons, Ctrl+Z and the editor."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kvali.events import undo as history
from kvali.web.common import me, retry_on_conflict, tx
from kvali.web.models import UndoOut, UndoState

router = APIRouter()


@router.get("/api/undo", summary="What undo and redo would do now", response_model=UndoState)
def undo_state(request: Request) -> dict:
    with tx(request) as (conn, sid):
        return history.undo_state(conn, sid, me(request))


@router.post(
    "/api/undo",
    summary="Take back your latest change (as new logged changes)",
    response_model=UndoOut,
    response_model_exclude_unset=True,
)
@retry_on_conflict
def undo(request: Request) -> dict:
    with tx(request) as (conn, sid):
        return history.undo(conn, sid, me(request))


@router.post(
    "/api/redo",
    summary="Do again the change you undid last",
    response_model=UndoOut,
    response_model_exclude_unset=True,
)
@retry_on_conflict
def redo(request: Request) -> dict:
    with tx(request) as (conn, sid):
        return history.redo(conn, sid, me(request))
