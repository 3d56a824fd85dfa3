"""The recording behind a transcript: the audio itself (HTTP range requests, so the browser
seeks without downloading it whole) and the word times the transcript page follows it with.

Both sit behind the same token and Host checks as every page (web/security.py); the audio is
only ever a file inside the project's ``media/``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from kvali.errors import NotFoundError
from kvali.interviews import service as interviews
from kvali.interviews.media import MEDIA_TYPES, recording
from kvali.pipelines.words import timed_text
from kvali.transcripts import service as transcripts
from kvali.web.common import project_of, tx
from kvali.web.contract import Id, file_response

router = APIRouter()


@router.get(
    "/interviews/{interview_id}/audio",
    summary="The interview's recording (supports Range requests)",
    response_class=FileResponse,
    responses=file_response(*sorted(set(MEDIA_TYPES.values())), description="The recording"),
)
def interview_audio(request: Request, interview_id: Id) -> FileResponse:
    with tx(request) as (conn, sid):
        interview = interviews.get_interview(conn, sid, interview_id)
    found = recording(project_of(request), interview)
    if found is None:
        raise NotFoundError("interview {label!r} has no recording", label=interview["label"])
    path, media_type = found
    # No file name in the response: media/ names are random so they reveal nothing.
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-store"})


class TimedTextOut(BaseModel):
    words: list[list[float | int | None]] = Field(
        description="[start_char, end_char, start_ms, end_ms, probability] per word"
    )
    gaps: list[list[int | bool]] = Field(
        description="[start_char, end_char, start_ms, end_ms, open] per [unclear …] gap"
    )
    unsure_below: float | None = Field(
        description="Words below this probability are marked unsure (half the median)"
    )


@router.get(
    "/api/transcripts/{transcript_id}/words",
    summary="Word times, probabilities and gaps, for playing along",
    response_model=TimedTextOut,
)
def transcript_words(request: Request, transcript_id: Id) -> dict:
    with tx(request) as (conn, sid):
        transcripts.check_transcript_in_study(conn, sid, transcript_id)
        return timed_text(conn, transcript_id)
