"""Study overview, interview guide, memos and journal, event log, language switch."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from kvali.events import service as events
from kvali.guides import service as guides
from kvali.guides.io import parse_markdown, to_markdown
from kvali.i18n import LANGUAGES
from kvali.memos import service as memos
from kvali.studies import service as studies
from kvali.web.common import LANG_COOKIE, page, retry_on_conflict, tx
from kvali.web.contract import Id, IdOut, Name, OkOut, Text
from kvali.web.models import GuideCounts, GuideDeleted, GuideNodeOut
from kvali.web.page_models import EventsPage, GuidePage, MemosPage, OverviewPage

router = APIRouter()


@router.get("/", include_in_schema=False, response_model=OverviewPage)
@router.get("/overview", summary="Study overview (HTML)", response_model=OverviewPage)
@router.get("/overview.json", summary="Study overview", response_model=OverviewPage)
def overview(request: Request) -> Response:
    with tx(request) as (conn, sid):
        data = {
            "study": studies.get_study(conn, sid),
            "stats": studies.stats(conn, sid),
            "progress": studies.interview_progress(conn, sid),
        }
    return page(request, "overview.html", data)


Filled = Annotated[Text, Field(min_length=1, pattern=r"\S")]


class StudyUpdate(BaseModel):
    title: Name | None = None
    problem_statement: Text | None = None


@router.patch(
    "/api/study", summary="Change the study's title or problem statement", response_model=OkOut
)
@retry_on_conflict
def update_study(request: Request, body: StudyUpdate) -> dict:
    with tx(request) as (conn, sid):
        studies.update_study(conn, sid, title=body.title, problem_statement=body.problem_statement)
    return {"ok": True}


class ResearchQuestionIn(BaseModel):
    text: Filled


@router.post(
    "/api/research-questions",
    status_code=201,
    summary="Add a research question",
    response_model=IdOut,
)
@retry_on_conflict
def add_research_question(request: Request, body: ResearchQuestionIn) -> dict:
    with tx(request) as (conn, sid):
        return {"id": studies.add_research_question(conn, sid, text=body.text)}


@router.get("/guide", summary="Interview guide (HTML)", response_model=GuidePage)
@router.get("/guide.json", summary="Interview guide", response_model=GuidePage)
def guide(request: Request) -> Response:
    with tx(request) as (conn, sid):
        g = guides.get_guide(conn, sid)
        nodes = guides.list_nodes(conn, sid)
    # Keywords with their ids, so single keywords can be edited and deleted too.
    keywords: dict[int, list[dict]] = {}
    for n in nodes:
        if n["kind"] == "keyword":
            keywords.setdefault(n["parent_id"], []).append({"id": n["id"], "text": n["text"]})
    return page(
        request,
        "guide.html",
        {"guide": g, "markdown": to_markdown(g), "nodes": nodes, "keyword_nodes": keywords},
    )


class GuideNodeIn(BaseModel):
    text: Filled
    parent_id: Id | None = None


@router.post(
    "/api/guide/nodes",
    status_code=201,
    summary="Add a topic, question or keyword",
    response_model=IdOut,
)
@retry_on_conflict
def add_guide_node(request: Request, body: GuideNodeIn) -> dict:
    with tx(request) as (conn, sid):
        return {"id": guides.add_node(conn, sid, text=body.text, parent_id=body.parent_id)}


class GuideNodeText(BaseModel):
    text: Filled


@router.patch(
    "/api/guide/nodes/{node_id}",
    summary="Reword one topic, question or keyword",
    response_model=GuideNodeOut,
)
@retry_on_conflict
def update_guide_node(request: Request, node_id: Id, body: GuideNodeText) -> dict:
    with tx(request) as (conn, sid):
        guides.update_node(conn, sid, node_id, text=body.text)
    return {"id": node_id, "text": body.text.strip()}


@router.delete(
    "/api/guide/nodes/{node_id}",
    summary="Delete one guide entry with what is below it (a question's keywords)",
    response_model=GuideDeleted,
)
@retry_on_conflict
def delete_guide_node(request: Request, node_id: Id) -> dict:
    with tx(request) as (conn, sid):
        return {"deleted": guides.delete_node(conn, sid, node_id)}


class GuideMarkdown(BaseModel):
    markdown: Text


@router.put("/api/guide", summary="Replace the guide from Markdown", response_model=GuideCounts)
@retry_on_conflict
def replace_guide(request: Request, body: GuideMarkdown) -> dict:
    parsed = parse_markdown(body.markdown.replace("\r\n", "\n"), source="guide")
    with tx(request) as (conn, sid):
        return guides.replace_guide(conn, sid, parsed)


@router.get("/memos", summary="Memos and the reflexivity journal (HTML)", response_model=MemosPage)
@router.get("/memos.json", summary="Memos and the reflexivity journal", response_model=MemosPage)
def memo_list(
    request: Request, kind: Literal["analytic", "reflexivity", "condensation", ""] | None = None
) -> Response:
    with tx(request) as (conn, sid):
        rows = memos.list_memos(conn, sid, kind=kind or None)
    return page(request, "memos.html", {"memos": rows, "kind": kind, "kinds": memos.KINDS})


class MemoIn(BaseModel):
    text: Filled
    title: Annotated[str, Field(max_length=500)] = ""
    kind: Literal["analytic", "reflexivity", "condensation"] = "analytic"
    target_type: Literal[
        "study", "interview", "participant", "code", "coding", "research_question"
    ] = "study"
    target_id: Id | None = Field(None, description="Required unless the target is the study")


@router.post(
    "/api/memos", status_code=201, summary="Write a memo or journal entry", response_model=IdOut
)
@retry_on_conflict
def add_memo(request: Request, body: MemoIn) -> dict:
    with tx(request) as (conn, sid):
        mid = memos.add_memo(
            conn,
            sid,
            text=body.text,
            title=body.title,
            kind=body.kind,
            target_type=body.target_type,
            target_id=body.target_id,
        )
    return {"id": mid}


class MemoUpdate(BaseModel):
    text: Filled | None = None
    title: Annotated[str, Field(max_length=500)] | None = None


@router.patch("/api/memos/{memo_id}", summary="Edit a memo", response_model=OkOut)
@retry_on_conflict
def update_memo(request: Request, memo_id: Id, body: MemoUpdate) -> dict:
    with tx(request) as (conn, sid):
        memos.update_memo(conn, sid, memo_id, text=body.text, title=body.title)
    return {"ok": True}


@router.get("/events", summary="Event log (HTML)", response_model=EventsPage)
@router.get(
    "/events.json", summary="Event log: every change, newest first", response_model=EventsPage
)
def event_log(
    request: Request,
    entity: Annotated[str, Field(max_length=100)] | None = None,
    limit: Annotated[int, Field(ge=1, le=5000)] = 200,
) -> Response:
    with tx(request) as (conn, sid):
        rows = events.list_events(conn, study_id=sid, entity=entity or None, limit=limit)
    return page(request, "events.html", {"events": rows, "entity": entity})


@router.get(
    "/api/events/latest", summary="Id of the newest event (tabs poll it)", response_model=IdOut
)
def latest_event(request: Request) -> dict:
    with tx(request) as (conn, sid):
        return {"id": events.latest_event_id(conn, study_id=sid)}


@router.get("/lang/{lang}", include_in_schema=False)
def switch_language(lang: str, next: str = "/") -> Response:
    """Remember the interface language in a cookie and go back to the page."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", max_age=3600 * 24 * 365)
    return response
