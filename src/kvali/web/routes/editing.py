"""Correcting a transcript in the workbench while listening: a turn's text, a turn's speaker,
and how far it has been checked. The rules live in the services (transcripts/editing.py,
pipelines/diarize/correct.py); these routes only carry them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kvali.interviews import service as interviews
from kvali.pipelines.diarize.correct import reassign_span
from kvali.transcripts import editing
from kvali.transcripts.service import check_transcript_in_study, count_turns, get_turns
from kvali.web.common import retry_on_conflict, tx
from kvali.web.contract import Count, Id, Name

router = APIRouter()

Position = Annotated[int, Field(ge=0, le=10_000_000, description="The turn's position (0, 1, …)")]


class TurnTextIn(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=200_000)]
    version: Count | None = Field(None, description="The transcript version the editor showed")
    reason: Literal["correction", "undo", "redo"] = "correction"


class EditOut(BaseModel):
    start: int
    end: int
    new: str


class CorrectionOut(BaseModel):
    version: int
    edit: EditOut | None = Field(description="The change in transcript positions; null: none")
    replaced: str | None = Field(description="The text the edit replaced (what undo sends)")
    text: str = Field(description="The turn's text now")
    codings_moved: int = 0
    codings_removed: int = 0


@router.post(
    "/api/transcripts/{transcript_id}/turns/{position}/text",
    summary="Correct a turn's text (codings, word times and gaps move with it)",
    response_model=CorrectionOut,
)
@retry_on_conflict
def correct_turn(request: Request, transcript_id: Id, position: Position, body: TurnTextIn) -> dict:
    with tx(request) as (conn, sid):
        return editing.correct_turn(
            conn,
            sid,
            transcript_id,
            position,
            body.text,
            expected_version=body.version,
            reason=body.reason,
        )


class SpeakerIn(BaseModel):
    speaker: Name
    role: Literal["interviewer", "participant", "other"] | None = None


class SpeakerOut(BaseModel):
    turns: int = Field(description="Turns in the transcript after the change")


@router.post(
    "/api/transcripts/{transcript_id}/turns/{position}/speaker",
    summary="Give a whole turn to another speaker (neighbouring turns of one speaker join)",
    response_model=SpeakerOut,
)
@retry_on_conflict
def turn_speaker(request: Request, transcript_id: Id, position: Position, body: SpeakerIn) -> dict:
    from kvali.errors import NotFoundError

    with tx(request) as (conn, sid):
        check_transcript_in_study(conn, sid, transcript_id)
        turns = get_turns(conn, transcript_id)
        if position >= len(turns):
            raise NotFoundError("no turn {position} in this transcript", position=position + 1)
        tr = turns[position]
        reassign_span(
            conn, sid, transcript_id, tr["start_char"], tr["end_char"],
            speaker=body.speaker, role=body.role,
        )  # fmt: skip
        return {"turns": count_turns(conn, transcript_id)}


class CheckedIn(BaseModel):
    up_to_ms: Count


class CheckedOut(BaseModel):
    up_to_ms: int


@router.post(
    "/api/interviews/{interview_id}/checked",
    summary="Record how far the transcript has been checked against the recording",
    response_model=CheckedOut,
)
def mark_checked(request: Request, interview_id: Id, body: CheckedIn) -> dict:
    with tx(request) as (conn, sid):
        iid = interviews.interview_id(conn, sid, interview_id)
        return {"up_to_ms": editing.mark_checked(conn, sid, iid, body.up_to_ms)}
