"""Participants (attributes, consent, member check, withdrawal) and interviews."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.errors import InputError
from kvali.interviews import service as interviews
from kvali.participants import service as participants
from kvali.participants.withdrawal import plan_withdrawal, withdraw_participant
from kvali.transcripts.service import import_transcript
from kvali.web.common import lang_of, page, project_of, retry_on_conflict, tx
from kvali.web.contract import Id, IdOut, Name, OkOut, Text, file_response
from kvali.web.models import InterviewOut, ParticipantOut, TranscriptImported, WithdrawalOut
from kvali.web.page_models import InterviewsPage, ParticipantsPage, WithdrawPage

router = APIRouter()

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _pairs(value: dict[str, str] | str) -> dict[str, str]:
    """Attributes come as a JSON object, or from a form as ``name=value`` lines."""
    if isinstance(value, dict):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    out = {}
    for line in value.splitlines():
        if line.strip():
            if "=" not in line:
                raise InputError("expected name=value, got {text!r}", text=line.strip())
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _names(value: list[str] | str) -> list[str]:
    items = value if isinstance(value, list) else value.split(",")
    return [s.strip() for s in items if s.strip()]


@router.get("/participants", summary="Participants (HTML)", response_model=ParticipantsPage)
@router.get(
    "/participants.json",
    summary="Participants with attributes, consent, member check",
    response_model=ParticipantsPage,
)
def participant_list(request: Request) -> Response:
    with tx(request) as (conn, sid):
        rows = participants.list_participants(conn, sid)
    return page(
        request,
        "participants.html",
        {"participants": rows, "statuses": participants.MEMBER_CHECK_STATUSES},
    )


Mode = Literal["in_person", "hybrid", "digital"]
Attributes = dict[Name, Annotated[str, Field(max_length=2000)]] | Text


class ParticipantIn(BaseModel):
    code: Annotated[Name, Field(pattern=r"\S")]
    attributes: Attributes = Field(
        default_factory=dict, description="name → value, or name=value lines"
    )
    consent_date: dt.date | None = None


@router.post(
    "/api/participants", status_code=201, summary="Add a participant", response_model=IdOut
)
@retry_on_conflict
def add_participant(request: Request, body: ParticipantIn) -> dict:
    with tx(request) as (conn, sid):
        pid = participants.add_participant(
            conn,
            sid,
            code=body.code,
            attributes=_pairs(body.attributes),
            consent_date=body.consent_date,
        )
    return {"id": pid}


class AttributesIn(BaseModel):
    attributes: Attributes


@router.put(
    "/api/participants/{code}/attributes",
    summary="Set (or clear) case attributes",
    response_model=ParticipantOut,
)
@retry_on_conflict
def set_attributes(request: Request, code: str, body: AttributesIn) -> dict:
    with tx(request) as (conn, sid):
        participants.set_attributes(conn, sid, code, _pairs(body.attributes))
        return participants.get_participant(conn, sid, code)


class ConsentIn(BaseModel):
    consent_date: dt.date | None = None
    document: Annotated[str, Field(max_length=1000)] | None = None


@router.put("/api/participants/{code}/consent", summary="Record consent", response_model=OkOut)
@retry_on_conflict
def set_consent(request: Request, code: str, body: ConsentIn) -> dict:
    with tx(request) as (conn, sid):
        participants.set_consent(
            conn, sid, code, consent_date=body.consent_date, document=body.document or None
        )
    return {"ok": True}


class MemberCheckIn(BaseModel):
    status: Literal["not_offered", "sent", "approved", "changes_requested", "declined"]
    comments: Text | None = None


@router.post(
    "/api/participants/{code}/member-check", summary="Record the member check", response_model=OkOut
)
@retry_on_conflict
def member_check(request: Request, code: str, body: MemberCheckIn) -> dict:
    with tx(request) as (conn, sid):
        participants.record_member_check(
            conn, sid, code, status=body.status, comments=body.comments or None
        )
    return {"ok": True}


@router.get(
    "/participants/{code}/member-check.docx",
    summary="The participant's transcripts as DOCX for their check (a zip when several); "
    "marks the member check as sent",
    response_class=Response,
    responses=file_response(DOCX, "application/zip"),
)
def member_check_docx(request: Request, code: str) -> Response:
    """Made in a temporary folder, so no copy of the participant's words stays in exports/."""
    from kvali.participants.member_check import export_member_check

    with tx(request) as (conn, sid):
        person = participants.get_participant(conn, sid, code)  # unknown: 404
    if person.get("withdrawn"):
        raise InputError("participant {code!r} has withdrawn", code=code)
    lang = "en" if lang_of(request) == "en" else "nb"
    with tempfile.TemporaryDirectory(prefix="kvali-member-check-") as tmp:
        paths = export_member_check(project_of(request), sid, code, out=tmp, lang=lang)
        if not paths:
            raise InputError(
                "participant {code!r} has no transcribed interview to check", code=code
            )
        if len(paths) == 1:
            content, name, media = paths[0].read_bytes(), paths[0].name, DOCX
        else:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for p in paths:
                    zf.write(p, p.name)
            content, name, media = buf.getvalue(), f"member-check-{code}.zip", "application/zip"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


@router.get(
    "/participants/{code}/withdraw",
    summary="What withdrawal would erase (HTML)",
    response_model=WithdrawPage,
)
@router.get(
    "/participants/{code}/withdraw.json",
    summary="What withdrawal would erase",
    response_model=WithdrawPage,
)
def withdrawal_plan(request: Request, code: str) -> Response:
    with tx(request) as (conn, sid):
        plan = plan_withdrawal(conn, project_of(request), sid, code)
    return page(request, "withdraw.html", {"plan": plan})


class WithdrawIn(BaseModel):
    confirm: Annotated[str, Field(max_length=500)] = Field(
        description="The participant's code again, as confirmation"
    )


@router.post(
    "/api/participants/{code}/withdraw",
    summary="Erase every trace of a participant",
    response_model=WithdrawalOut,
)
def withdraw(request: Request, code: str, body: WithdrawIn) -> dict:
    with tx(request) as (conn, sid):
        participants.participant_id(conn, sid, code)  # unknown code: 404
    if body.confirm.strip() != code:
        raise InputError("confirmation does not match the participant's code; nothing was erased")
    return withdraw_participant(project_of(request), sid, code)


@router.get("/interviews", summary="Interviews (HTML)", response_model=InterviewsPage)
@router.get(
    "/interviews.json",
    summary="Interviews with participants, mode and transcript",
    response_model=InterviewsPage,
)
def interview_list(request: Request) -> Response:
    with tx(request) as (conn, sid):
        rows = interviews.list_interviews(conn, sid)
        people = participants.list_participants(conn, sid, include_withdrawn=False)
    return page(request, "interviews.html", {"interviews": rows, "participants": people})


class InterviewIn(BaseModel):
    label: Annotated[Name, Field(pattern=r"\S")]
    participants: list[Name] | Text = Field(default_factory=list)
    interviewers: list[Name] | Text = Field(default_factory=list)
    date: dt.date | None = None
    mode: Mode = "in_person"
    duration_min: Annotated[int, Field(ge=0, le=100_000)] | None = None


@router.post("/api/interviews", status_code=201, summary="Add an interview", response_model=IdOut)
@retry_on_conflict
def add_interview(request: Request, body: InterviewIn) -> dict:
    with tx(request) as (conn, sid):
        iid = interviews.add_interview(
            conn,
            sid,
            label=body.label,
            participants=_names(body.participants),
            interviewers=_names(body.interviewers),
            date=body.date,
            mode=body.mode,
            duration_s=body.duration_min * 60 if body.duration_min is not None else None,
        )
    return {"id": iid}


class InterviewUpdate(BaseModel):
    label: Annotated[Name, Field(pattern=r"\S")] | None = None
    date: dt.date | None = None
    mode: Mode | None = None
    duration_min: Annotated[int, Field(ge=0, le=100_000)] | None = None


@router.patch(
    "/api/interviews/{interview_id}",
    summary="Edit an interview's label, date, mode",
    response_model=InterviewOut,
)
@retry_on_conflict
def edit_interview(request: Request, interview_id: Id, body: InterviewUpdate) -> dict:
    if body.label is not None and not body.label.strip():
        raise InputError("an interview needs a label")
    with tx(request) as (conn, sid):
        interviews.update_interview(
            conn,
            sid,
            interviews.interview_id(conn, sid, interview_id),
            label=body.label.strip() if body.label else None,
            date=body.date,
            mode=body.mode,
            duration_s=body.duration_min * 60 if body.duration_min is not None else None,
        )
        return interviews.get_interview(conn, sid, interview_id)


@router.post(
    "/api/interviews/{interview_id}/transcript",
    status_code=201,
    summary="Import a transcript file (txt/md, vtt, srt, docx, json)",
    response_model=TranscriptImported,
)
def upload_transcript(
    request: Request,
    interview_id: Id,
    file: Annotated[UploadFile, File()],
    replace: Annotated[bool, Form()] = False,
) -> dict:
    name = Path(file.filename or "transcript.txt").name
    with tempfile.TemporaryDirectory(prefix="kvali-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.file.read())
        with tx(request) as (conn, sid):
            tid = import_transcript(conn, sid, interview_id, path, replace=replace)
    return {"transcript_id": tid}
