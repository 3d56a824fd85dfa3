"""Audio upload with a background transcription job, job progress, and talk statistics
(docs/transcription.md).

Jobs run in ONE worker thread inside the server (``run_job``, the same code as the CLI); the
job row carries done/total/message, which the page polls. A killed server leaves the job
«running» under a lease that lapses within a minute (``jobs.LEASE_S``); after that, starting it
again (or ``kvali job run ID``) resumes from its last checkpoint.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from kvali.errors import InputError, NotFoundError
from kvali.interviews.media import store_media
from kvali.interviews.service import get_interview, list_interviews, update_interview
from kvali.jobs import service as jobs
from kvali.pipelines.talkstats import load_backchannels, talk_statistics
from kvali.reports.render.charts import bars_svg
from kvali.studies.service import get_study
from kvali.web.common import page, project_of, tx
from kvali.web.contract import Id
from kvali.web.models import AudioOut, JobOut
from kvali.web.page_models import TalkstatsPage, TranscriptionPage

router = APIRouter()

AUDIO = (".wav", ".mp3", ".m4a", ".mp4", ".ogg", ".webm", ".flac", ".opus")


def executor(request: Request) -> ThreadPoolExecutor:
    """The server's single job worker: transcriptions use every core, so one at a time."""
    ex = getattr(request.app.state, "job_worker", None)
    if ex is None:
        ex = request.app.state.job_worker = ThreadPoolExecutor(1, thread_name_prefix="kvali-job")
    return ex


def _run(project: Any, job_id: int) -> None:
    try:
        jobs.run_job(project, job_id)
    except Exception:  # noqa: BLE001 - run_job recorded the failure on the job row
        pass


def start_job(request: Request, job_id: Id) -> Future:
    return executor(request).submit(_run, project_of(request), job_id)


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """The job row plus fraction and an estimate of the time left (from its own pace)."""
    out = {
        k: job[k] for k in ("id", "kind", "status", "done", "total", "message", "error", "attempts")
    }
    out["interview"] = (job.get("params") or {}).get("interview")
    out["result"] = job.get("result")
    total, done = job.get("total"), job.get("done") or 0
    out["fraction"] = min(1.0, done / total) if total else None
    eta = None
    if job["status"] == "running" and total and done > 0 and job.get("started_at"):
        elapsed = (job["updated_at"] - job["started_at"]).total_seconds()
        if elapsed > 0:
            eta = round((total - done) * elapsed / done, 1)
    out["eta_s"] = eta
    return out


@router.post(
    "/api/interviews/{interview_id}/audio",
    status_code=202,
    summary="Upload a recording and start transcribing it in the background",
    response_model=AudioOut,
)
def upload_audio(
    request: Request,
    interview_id: Id,
    file: Annotated[UploadFile, File()],
    language: Annotated[str, Form(max_length=20)] = "",
    model: Annotated[str, Form(max_length=500)] = "",
    speakers: Annotated[int | None, Form(ge=1, le=20)] = None,
    replace: Annotated[bool, Form()] = False,
) -> dict:
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in AUDIO:
        raise InputError(
            "upload a recording ({audio}), not {name!r}",
            audio=", ".join(AUDIO),
            name=name or "nothing",
        )
    if speakers is not None and not 1 <= speakers <= 20:
        raise InputError("speakers must be between 1 and 20")
    project = project_of(request)
    with tx(request) as (conn, sid):
        iv = get_interview(conn, sid, interview_id)  # unknown: 404 before anything is stored
        if iv.get("transcript_id") and not replace:
            raise InputError("interview {label!r} already has a transcript", label=iv["label"])
        running = jobs.list_jobs(
            conn, study_id=sid, kind="transcribe", status=("queued", "running")
        )
        if any(j["params"].get("interview") == iv["label"] for j in running):
            raise InputError("interview {label!r} is already being transcribed", label=iv["label"])
        with tempfile.TemporaryDirectory(prefix="kvali-upload-") as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(file.file.read())
            if path.stat().st_size == 0:
                raise InputError("the uploaded file is empty")
            stored = store_media(project, path)
        try:
            update_interview(conn, sid, iv["id"], audio_path=stored)
            params: dict[str, Any] = {
                "interview": iv["label"],
                "model": model.strip() or None,
                "language": language.strip() or get_study(conn, sid).get("language") or "nb",
                "device": "cpu",
                "speakers": speakers,
                "allow_download": False,
                "replace": replace,
                "window_s": 300,
            }
            jid = jobs.enqueue(conn, "transcribe", params, study_id=sid)
        except BaseException:
            (project.path / stored).unlink(missing_ok=True)
            raise
    start_job(request, jid)
    return {"job_id": jid, "audio_path": stored}


@router.get(
    "/api/jobs/{job_id}",
    summary="A job's progress: done/total/message and time left",
    response_model=JobOut,
)
def job_status(request: Request, job_id: Id) -> dict:
    with tx(request) as (conn, sid):
        job = jobs.get_job(conn, job_id)
        if job["study_id"] not in (None, sid):
            raise NotFoundError("no job {job_id}", job_id=job_id)
    return job_view(job)


@router.get(
    "/transcription",
    summary="Transcription: upload audio, jobs (HTML)",
    response_model=TranscriptionPage,
)
@router.get(
    "/transcription.json",
    summary="Interviews and transcription jobs with progress",
    response_model=TranscriptionPage,
)
def transcription_page(request: Request) -> Response:
    with tx(request) as (conn, sid):
        ivs = list_interviews(conn, sid)
        rows = jobs.list_jobs(conn, study_id=sid, kind="transcribe")
    data = {
        "interviews": [
            {"id": i["id"], "label": i["label"], "has_transcript": bool(i.get("transcript_id"))}
            for i in ivs
        ],
        "jobs": [job_view(j) for j in reversed(rows)],
    }
    return page(request, "transcription.html", data)


@router.get("/talkstats", summary="Talk statistics (HTML)", response_model=TalkstatsPage)
@router.get(
    "/talkstats.json",
    summary="Speaking time, words, turns and backchannels per interview and per mode",
    response_model=TalkstatsPage,
)
def talkstats_page(request: Request) -> Response:
    with tx(request) as (conn, sid):
        stats = talk_statistics(conn, sid, backchannels=load_backchannels(project_of(request).path))
    stats.pop("backchannels")
    if request.url.path.endswith(".json"):
        return page(request, "talkstats.html", stats)
    per_iv = [x for x in stats["interviews"] if x["interviewer_backchannels_per_min"] is not None]
    charts = [
        bars_svg(
            "Interviewer backchannels per minute",
            [x["interview"] for x in per_iv],
            [x["interviewer_backchannels_per_min"] for x in per_iv],
        ),
        bars_svg(
            "Interviewer backchannels per minute, by mode",
            [m["mode"] for m in stats["modes"]],
            [m["interviewer_backchannels_per_min"] for m in stats["modes"]],
        ),
    ]
    return page(request, "talkstats.html", stats | {"charts": charts})
