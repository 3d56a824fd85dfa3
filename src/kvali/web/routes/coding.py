"""The transcript and coding screen, and the codings API it talks to.

Long transcripts: the page carries the first turns only (server-rendered) and every coding of
the transcript as compact arrays ``[id, code_id, start, end, gold]``; the script fetches the
remaining turns in chunks as the researcher scrolls and draws the margin bars itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.analysis import blind
from kvali.codes import service as codes
from kvali.codings import service as codings
from kvali.codings.cycles import current_cycle_id, cycle_number
from kvali.errors import InputError
from kvali.events.service import latest_event_id
from kvali.i18n import N_, unfilled
from kvali.interviews import service as interviews
from kvali.memos import service as memos
from kvali.transcripts import service as transcripts
from kvali.transcripts.editing import checked_up_to
from kvali.web.common import me, page, retry_on_conflict, tx
from kvali.web.contract import Count, Id, IdOut, Name, OkOut, Text
from kvali.web.models import CodingOut, CodingState, CodingUpdated, CodingWithMemos, TurnChunk
from kvali.web.page_models import TranscriptPage, TranscriptScreen

router = APIRouter()

FIRST_TURNS = 80
CHUNK_TURNS = 200
JS_MESSAGES = {  # what coding.js shows, by the names it uses (boot.messages)
    "gold": N_("Gold quote"),
    "remove": N_("Remove"),
    "change_code": N_("Change code"),
    "memo": N_("Memo"),
    "add_memo": N_("Add memo"),
    "coder": N_("Coder"),
    "create_code": N_("Create code"),
    "loading": N_("Loading…"),
    "updated": N_("Updated from another tab"),
    "saved": N_("Saved"),
    "new_code_created": N_("Code created"),
    "no_selection": N_("Select text in the transcript to code it."),
    "selection": N_("Selection"),
    "cycle": N_("Cycle"),
    "code": N_("Code"),
    "speaker": N_("Speaker"),
    "editing": N_("Editing the turn: Enter saves, Esc cancels"),
    "edit_saved": N_("Correction saved"),
    "undo": N_("Undo"),
    "redo": N_("Redo"),
    "checked": N_("Checked up to {time}"),
    "speaker_of_turn": N_("Speaker of this turn: Enter gives it the turn, Esc cancels"),
    "new_speaker": N_("Another speaker…"),
    "new_speaker_name": N_("Name of the speaker"),
}


def compact_codings(rows: list[dict[str, Any]]) -> list[list[int]]:
    return [
        [r["id"], r["code_id"], r["start_char"], r["end_char"], int(r["is_gold"])] for r in rows
    ]


def compact_codes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": r["id"], "name": r["name"], "path": r["path"], "color": r["color"]}
        for r in rows
        if r["status"] == "active"
    ]


def compact_turn(tr: dict[str, Any]) -> list[Any]:
    return [
        tr["position"],
        tr["speaker"],
        tr["role"],
        tr["start_ms"],
        tr["start_char"],
        tr["end_char"],
        tr["text"],
    ]


def blind_round(conn: Any, sid: int, transcript_id: int) -> dict[str, Any] | None:
    """The transcript's blind round (``blind.blind_state``), or None when it never had one."""
    state = blind.blind_state(conn, sid, transcript_id)
    return state if state["coders"] else None


def _state(conn: Any, sid: int, interview_id: int, viewer: str) -> dict[str, Any]:
    """What the script needs to draw bars and keep two tabs in step: the codings ``viewer`` may
    see (while the transcript is blind, not the other coder's independent work)."""
    rows = codings.list_codings(conn, sid, interview=interview_id, with_text=False, viewer=viewer)
    return {
        "codings": compact_codings(rows),
        "codes": compact_codes(codes.list_codes(conn, sid)),
        "event_id": latest_event_id(conn, study_id=sid),
    }


@router.get(
    "/interviews/{interview_id}/transcript",
    summary="Transcript and coding (HTML)",
    response_model=TranscriptScreen,
)
@router.get(
    "/interviews/{interview_id}/transcript.json",
    summary="Transcript turns, codings (compact) and codes",
    response_model=TranscriptPage,
)
def transcript_page(request: Request, interview_id: Id) -> Response:
    as_json = request.url.path.endswith(".json")
    with tx(request) as (conn, sid):
        interview = interviews.get_interview(conn, sid, interview_id)
        tid = transcripts.transcript_id_for(conn, sid, interview_id)
        limit = 10**9 if as_json else FIRST_TURNS
        turns = transcripts.get_turns_window(conn, tid, offset=0, limit=limit)
        cycle = current_cycle_id(conn, sid)
        data = {
            "interview": interview,
            "transcript_id": tid,
            "turn_count": transcripts.count_turns(conn, tid),
            "version": transcripts.transcript_version(conn, tid),
            "checked_up_to_ms": checked_up_to(conn, sid, interview["id"]).get(interview["id"]),
            "cycle": cycle_number(conn, cycle) if cycle else 1,
            "blind": blind_round(conn, sid, tid),
            "me": me(request),
            **_state(conn, sid, interview_id, me(request)),
        }
    if as_json:
        data["turns"] = [compact_turn(tr) for tr in turns]
        data["turn_fields"] = ["position", "speaker", "role", "start_ms", "start", "end", "text"]
        data["coding_fields"] = ["id", "code_id", "start", "end", "gold"]
        return page(request, "coding.html", data)
    boot = dict(
        data,
        interview_id=interview_id,
        chunk=CHUNK_TURNS,
        messages={name: unfilled(message) for name, message in JS_MESSAGES.items()},
    )
    boot.pop("interview")
    return page(request, "coding.html", {**data, "turns": turns, "boot": boot})


@router.get(
    "/api/transcripts/{transcript_id}/turns",
    summary="A chunk of turns (compact)",
    response_model=TurnChunk,
)
def turn_chunk(
    request: Request,
    transcript_id: Id,
    offset: Count = 0,
    limit: Annotated[int, Field(ge=1, le=2000)] = CHUNK_TURNS,
) -> dict:
    with tx(request) as (conn, sid):
        transcripts.check_transcript_in_study(conn, sid, transcript_id)
        rows = transcripts.get_turns_window(conn, transcript_id, offset=offset, limit=limit)
    return {"offset": offset, "turns": [compact_turn(tr) for tr in rows]}


@router.get(
    "/api/interviews/{interview_id}/codings",
    summary="Live codings (compact), codes",
    response_model=CodingState,
)
def coding_state(request: Request, interview_id: Id) -> dict:
    with tx(request) as (conn, sid):
        interviews.interview_id(conn, sid, interview_id)
        return _state(conn, sid, interview_id, me(request))


class CodingIn(BaseModel):
    transcript_id: Id
    start: Count = Field(description="Code-point offset into the transcript text")
    end: Count
    code: Id | Name | None = Field(None, description="Code id, name or path")
    new_code: Name | None = Field(None, description="Create a code with this name and apply it")
    new_code_parent: Id | Name | None = None
    gold: bool = False


def _coding_out(conn: Any, sid: int, coding_id: int, viewer: str) -> dict[str, Any]:
    c = codings.get_coding(conn, sid, coding_id, viewer=viewer)
    return {
        "coding": [c["id"], c["code_id"], c["start_char"], c["end_char"], int(c["is_gold"])],
        "detail": c,
    }


@router.post(
    "/api/codings",
    status_code=201,
    summary="Code a span (optionally with a new code)",
    response_model=CodingOut,
    response_model_exclude_unset=True,
)
@retry_on_conflict
def add_coding(request: Request, body: CodingIn) -> dict:
    with tx(request) as (conn, sid):
        code = body.code
        if body.new_code:
            code = codes.create_code(conn, sid, name=body.new_code, parent=body.new_code_parent)
        if code is None:
            raise InputError("name a code (code) or a new one (new_code)")
        # Always as this coder: two coders' codings of the same span stay two (blind rounds).
        cid = codings.add_coding(
            conn,
            sid,
            transcript_id=body.transcript_id,
            code=code,
            start=body.start,
            end=body.end,
            coder=me(request),
            gold=body.gold,
        )
        out = _coding_out(conn, sid, cid, me(request))
        if body.new_code:
            out["codes"] = compact_codes(codes.list_codes(conn, sid))
    return out


@router.get(
    "/api/codings/{coding_id}",
    summary="One coding with its text and memos",
    response_model=CodingWithMemos,
)
def get_coding(request: Request, coding_id: Id) -> dict:
    with tx(request) as (conn, sid):
        out = _coding_out(conn, sid, coding_id, me(request))
        out["memos"] = memos.list_memos(conn, sid, target_type="coding", target_id=coding_id)
    return out


class CodingUpdate(BaseModel):
    gold: bool | None = None
    code: Id | Name | None = None


@router.patch(
    "/api/codings/{coding_id}",
    summary="Toggle gold, or give the coding another code",
    response_model=CodingUpdated,
)
@retry_on_conflict
def update_coding(request: Request, coding_id: Id, body: CodingUpdate) -> dict:
    with tx(request) as (conn, sid):
        cid, viewer = coding_id, me(request)
        if body.code is not None:
            cid = codings.recode(conn, sid, coding_id, code=body.code, viewer=viewer)
        if body.gold is not None:
            codings.set_gold(conn, sid, cid, body.gold, viewer=viewer)
        out = _coding_out(conn, sid, cid, viewer)
    return out | {"replaced": coding_id if cid != coding_id else None}


@router.delete(
    "/api/codings/{coding_id}", summary="Remove a coding (kept as history)", response_model=OkOut
)
@retry_on_conflict
def remove_coding(request: Request, coding_id: Id) -> dict:
    with tx(request) as (conn, sid):
        codings.remove_coding(conn, sid, coding_id, viewer=me(request))
    return {"ok": True}


class CodingMemoIn(BaseModel):
    text: Annotated[Text, Field(min_length=1)]
    title: Annotated[str, Field(max_length=500)] = ""


@router.post(
    "/api/codings/{coding_id}/memos",
    status_code=201,
    summary="Write a memo on a coding",
    response_model=IdOut,
)
@retry_on_conflict
def add_coding_memo(request: Request, coding_id: Id, body: CodingMemoIn) -> dict:
    with tx(request) as (conn, sid):
        codings.get_coding(conn, sid, coding_id, viewer=me(request))
        mid = memos.add_memo(
            conn, sid, text=body.text, title=body.title, target_type="coding", target_id=coding_id
        )
    return {"id": mid}
