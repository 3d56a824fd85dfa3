"""Code suggestions for review (docs/semantic.md): run them for an interview or the study, list
them with scores, accept or reject each or several at once (also by keyboard, static/suggest.js),
and see how well the suggester agrees with the researcher's own coding (``/api/suggestions/model``:
learned or zero-shot, κ and accuracy on held-out folds, abstention, learning curve).

Nothing is coded until the researcher accepts: only ``accept_suggestion`` writes a coding, and a
bulk decision runs in one transaction, so one bad id leaves every suggestion as it was.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.errors import InputError, KvaliError
from kvali.interviews.service import interview_id, list_interviews
from kvali.semantic.review import (
    accept_suggestion,
    list_suggestions,
    reject_suggestion,
    suggest_for_study,
)
from kvali.web.common import me, page, project_of, retry_on_conflict, tx
from kvali.web.contract import Id, Ids, Name
from kvali.web.models import (
    CodingIdOut,
    CodingsBySuggestion,
    RejectedIds,
    SuggesterSummary,
    SuggestionRun,
)
from kvali.web.page_models import SuggestionsPage
from kvali.web.routes.search import semantic_ready

router = APIRouter()

STATUSES = ("pending", "accepted", "rejected", "stale")
LEVELS = ("code", "category", "theme")
Level = Literal["code", "category", "theme"]
ORDERS = ("score", "text")


def extra_message() -> str:
    """'' when the semantic extra works, else why not (the page says so instead of failing:
    stored suggestions can still be reviewed without the model)."""
    try:
        semantic_ready()
    except KvaliError as exc:
        return str(exc)
    return ""


def transcribed(conn: Any, sid: int) -> list[dict[str, Any]]:
    return [
        {"id": i["id"], "label": i["label"]}
        for i in list_interviews(conn, sid)
        if i.get("transcript_id")
    ]


@router.get(
    "/suggestions", summary="Code suggestions to review (HTML)", response_model=SuggestionsPage
)
@router.get(
    "/suggestions.json",
    summary="Stored code suggestions (default: pending) with score, code, interview and quote",
    response_model=SuggestionsPage,
)
def suggestions_page(
    request: Request,
    status: Literal["pending", "accepted", "rejected", "stale", ""] = "pending",
    interview: Annotated[str, Field(max_length=500)] = "",
    order: Literal["score", "text"] = "score",
    limit: Annotated[int, Field(ge=1, le=10_000)] = 500,
    level: Level = "code",
) -> Response:
    """Best score first by default (triage); ``order=text`` walks the transcripts in order;
    ``level`` preselects the level to suggest at and to show the agreement of."""
    if order not in ORDERS:
        raise InputError("order must be one of {orders}", orders=", ".join(ORDERS))
    if status and status not in STATUSES:
        raise InputError(
            "status must be one of {statuses} (or empty for all)", statuses=", ".join(STATUSES)
        )
    with tx(request) as (conn, sid):
        ref: int | None = None
        if interview.strip():
            ref = interview_id(conn, sid, interview.strip())
        rows = list_suggestions(
            conn, sid, status=status or None, interview=ref, limit=max(1, min(limit, 2000))
        )
        ivs = transcribed(conn, sid)
    ids = {i["label"]: i["id"] for i in ivs}
    for r in rows:
        r["interview_id"] = ids.get(r["interview"])
    if order == "score":
        rows.sort(key=lambda r: -r["score"])
    data = {
        "suggestions": rows,
        "status": status,
        "statuses": list(STATUSES),
        "interview": interview,
        "order": order,
        "orders": list(ORDERS),
        "interviews": ivs,
        "message": extra_message(),
        "level": level,
        "levels": list(LEVELS),
    }
    return page(request, "suggestions.html", data)


class RunIn(BaseModel):
    interview: Id | Name | None = Field(None, description="One interview; empty for the study")
    threshold: Annotated[float, Field(ge=-1, le=1)] | None = Field(
        None,
        description="Abstain below this (learned: probability; zero-shot: lead over the mean)",
    )
    top: int = Field(3, ge=1, le=10)
    include_coded: bool = False
    level: Level = Field("code", description="Suggest codes, categories or themes")
    zero_shot: bool = Field(False, description="From the descriptions only, without learning")


@router.post(
    "/api/suggestions/run",
    summary="Update the semantic index, then store suggestions for an interview or the study",
    response_model=SuggestionRun,
)
@retry_on_conflict
def run_suggestions(request: Request, body: RunIn) -> dict:
    semantic_ready()  # no extra: a 400 that says how to install it, nothing written
    from kvali.semantic.service import update_index

    path = project_of(request).path
    with tx(request) as (conn, sid):
        ref = body.interview if body.interview not in (None, "") else None
        if ref is not None:
            ref = interview_id(conn, sid, ref)  # unknown: 404 before anything is embedded
        index = update_index(conn, sid, project_path=path)
        out = suggest_for_study(
            conn,
            sid,
            project_path=path,
            interview=ref,
            threshold=body.threshold,
            top=body.top,
            include_coded=body.include_coded,
            level=body.level,
            learn=False if body.zero_shot else None,
        )
    return out | {"index": {k: index[k] for k in ("embedded", "reused", "removed")}}


@router.get(
    "/api/suggestions/model",
    summary="Where suggestions come from at a level (learned or zero-shot) and how well they "
    "agree with the researcher's codings: κ and accuracy on held-out folds, abstention "
    "threshold, learning curve",
    responses={400: {"description": "No semantic index yet, or the semantic extra is missing"}},
    response_model=SuggesterSummary,
)
def suggestion_model(
    request: Request,
    level: Level = "code",
    zero_shot: bool = False,
) -> dict:
    semantic_ready()
    from kvali.semantic.training import study_model

    with tx(request) as (conn, sid):
        model = study_model(
            conn,
            sid,
            project_path=project_of(request).path,
            level=level,
            learn=False if zero_shot else None,
        )
    return model.summary()


class IdsIn(BaseModel):
    ids: Ids = Field(description="Suggestion ids")


def _ids(body: IdsIn) -> list[int]:
    ids = list(dict.fromkeys(body.ids))
    if not ids:
        raise InputError("choose at least one suggestion")
    return ids


@router.post(
    "/api/suggestions/accept",
    summary="Accept several suggestions (all or none)",
    response_model=CodingsBySuggestion,
)
@retry_on_conflict
def accept_many(request: Request, body: IdsIn) -> dict:
    ids = _ids(body)
    with tx(request) as (conn, sid):
        return {
            "codings": {str(i): accept_suggestion(conn, sid, i, coder=me(request)) for i in ids}
        }


@router.post(
    "/api/suggestions/reject",
    summary="Reject several suggestions (all or none)",
    response_model=RejectedIds,
)
@retry_on_conflict
def reject_many(request: Request, body: IdsIn) -> dict:
    ids = _ids(body)
    with tx(request) as (conn, sid):
        for i in ids:
            reject_suggestion(conn, sid, i)
    return {"rejected": ids}


@router.post(
    "/api/suggestions/{suggestion_id}/accept",
    summary="Accept one suggestion: the span is coded with the code (current cycle)",
    response_model=CodingIdOut,
)
@retry_on_conflict
def accept_one(request: Request, suggestion_id: Id) -> dict:
    with tx(request) as (conn, sid):
        return {"coding_id": accept_suggestion(conn, sid, suggestion_id, coder=me(request))}


@router.post(
    "/api/suggestions/{suggestion_id}/reject",
    summary="Reject one suggestion",
    response_model=RejectedIds,
)
@retry_on_conflict
def reject_one(request: Request, suggestion_id: Id) -> dict:
    with tx(request) as (conn, sid):
        reject_suggestion(conn, sid, suggestion_id)
    return {"rejected": [suggestion_id]}
