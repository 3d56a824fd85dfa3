"""Blind double coding and the side-by-side disagreement review (docs/analysis.md).

Who sees which coding while a transcript is blind is decided where codings are read
(``codings.visible``, through ``list_codings``/``get_coding`` with the viewer); this module holds
the overview of blind rounds, starting a round, «Mark done», and the review that resolves each
difference to a consensus coding with a memo (``blind.check_open`` keeps it shut until then).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.analysis import blind
from kvali.analysis import disagreements as dis
from kvali.codes.service import list_codes
from kvali.errors import InputError
from kvali.interviews import service as interviews
from kvali.interviews.service import user_names
from kvali.transcripts.service import transcript_id_for
from kvali.web.common import me, page, retry_on_conflict, tx
from kvali.web.contract import Count, Id, Ids, Name, Text
from kvali.web.models import AcceptedOut, BlindState, ResolveOut
from kvali.web.page_models import BlindPage, ReviewPage

router = APIRouter()


def _names(value: list[str] | str) -> list[str]:
    items = value if isinstance(value, list) else value.replace("\n", ",").split(",")
    return [s.strip() for s in items if s.strip()]


@router.get("/blind", summary="Blind coding rounds (HTML)", response_model=BlindPage)
@router.get(
    "/blind.json",
    summary="Blind coding rounds with each coder's done state",
    response_model=BlindPage,
)
def blind_overview(request: Request) -> Response:
    with tx(request) as (conn, sid):
        rounds = blind.list_blind(conn, sid)
        ivs = [i for i in interviews.list_interviews(conn, sid) if i.get("transcript_id")]
        ids = {i["label"]: i["id"] for i in ivs}
        users = user_names(conn)
    for r in rounds:
        r["interview_id"] = ids.get(r["interview"])
    data = {
        "rounds": rounds,
        "interviews": [{"id": i["id"], "label": i["label"]} for i in ivs],
        "users": users,
        "me": me(request),
    }
    return page(request, "blind.html", data)


class BlindIn(BaseModel):
    coders: list[Name] | Text = Field(description="At least two coders (names), or a comma list")


@router.post(
    "/api/interviews/{interview_id}/blind",
    summary="Start (or change) blind mode",
    response_model=BlindState,
    response_model_exclude_unset=True,
)
@retry_on_conflict
def start_blind(request: Request, interview_id: Id, body: BlindIn) -> dict:
    with tx(request) as (conn, sid):
        tid = transcript_id_for(conn, sid, interviews.interview_id(conn, sid, interview_id))
        return blind.set_blind(conn, sid, tid, coders=_names(body.coders))


@router.post(
    "/api/interviews/{interview_id}/blind/done",
    summary="Mark done as the current coder",
    response_model=BlindState,
    response_model_exclude_unset=True,
)
@retry_on_conflict
def blind_done(request: Request, interview_id: Id) -> dict:
    with tx(request) as (conn, sid):
        tid = transcript_id_for(conn, sid, interviews.interview_id(conn, sid, interview_id))
        return blind.mark_done(conn, sid, tid, coder=me(request))


@router.get(
    "/interviews/{interview_id}/review",
    summary="Disagreement review (HTML)",
    response_model=ReviewPage,
)
@router.get(
    "/interviews/{interview_id}/review.json",
    summary="Disagreements of two coders side by side, and the resolution history",
    response_model=ReviewPage,
)
def review_page(
    request: Request, interview_id: Id, coder_a: str = "", coder_b: str = ""
) -> Response:
    with tx(request) as (conn, sid):
        iv = interviews.get_interview(conn, sid, interview_id)
        tid = transcript_id_for(conn, sid, interview_id)
        state = blind.blind_state(conn, sid, tid)
        blind.check_open(state)
        coders = blind.review_coders(state, coder_a.strip(), coder_b.strip())
        items = dis.disagreements(conn, sid, interview=interview_id, coders=coders)
        agreed = dis.disagreements(
            conn, sid, interview=interview_id, coders=coders, include_agreements=True
        )
        data = {
            "interview": {"id": iv["id"], "label": iv["label"]},
            "transcript_id": tid,
            "blind": state,
            "coders": coders,
            "items": items,
            "agreements": sum(1 for x in agreed if x["kind"] == "agree"),
            "history": dis.history(conn, sid, interview=interview_id),
            "codes": [
                {"id": c["id"], "path": c["path"]}
                for c in list_codes(conn, sid)
                if c["status"] == "active"
            ],
            "users": user_names(conn),
        }
    return page(request, "review.html", data)


class ResolveIn(BaseModel):
    replace: Ids = Field(description="The coders' codings this item closes")
    take: Ids = Field(
        default_factory=list,
        description="Of those, the codings kept as consensus (take A / take B); empty with "
        "no code means «not coded»",
    )
    code: Id | Name | None = Field(None, description="A custom consensus: code id, name or path")
    start: Count | None = None
    end: Count | None = None
    memo: Text = ""


@router.post(
    "/api/interviews/{interview_id}/review/resolve",
    summary="Resolve one item",
    response_model=ResolveOut,
)
@retry_on_conflict
def resolve_item(request: Request, interview_id: Id, body: ResolveIn) -> dict:
    from kvali.codings.service import get_coding

    with tx(request) as (conn, sid):
        tid = transcript_id_for(conn, sid, interviews.interview_id(conn, sid, interview_id))
        blind.check_open(blind.blind_state(conn, sid, tid))
        if not set(body.take) <= set(body.replace):
            raise InputError("take names codings that are not among those replaced")
        consensus: list[dict[str, Any]] = []
        for cid in body.take:
            c = get_coding(conn, sid, cid, viewer=me(request))
            consensus.append({"code": c["code_id"], "start": c["start_char"], "end": c["end_char"]})
        if body.code is not None:
            if body.start is None or body.end is None:
                raise InputError("a custom consensus needs its span (start and end)")
            consensus.append({"code": body.code, "start": body.start, "end": body.end})
        return dis.resolve(
            conn,
            sid,
            transcript_id=tid,
            replace=body.replace,
            consensus=consensus,
            memo=body.memo,
        )  # no coder, as in the CLI: the consensus is neither coder's, so it leaves the review


class CodersIn(BaseModel):
    coders: list[Name] | Text = Field(default_factory=list)


@router.post(
    "/api/interviews/{interview_id}/review/accept-agreements",
    summary="Accept every exact agreement as consensus",
    response_model=AcceptedOut,
)
@retry_on_conflict
def accept_all(request: Request, interview_id: Id, body: CodersIn) -> dict:
    with tx(request) as (conn, sid):
        tid = transcript_id_for(conn, sid, interviews.interview_id(conn, sid, interview_id))
        state = blind.blind_state(conn, sid, tid)
        blind.check_open(state)
        names = _names(body.coders)
        coders = blind.review_coders(state, *(names + ["", ""])[:2])
        n = dis.accept_agreements(conn, sid, interview=interview_id, coders=coders)
    return {"accepted": n}
