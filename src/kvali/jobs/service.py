"""Jobs: enqueue, claim, progress, finish, fail, resume — for the CLI now and the web later.

A handler does the work in steps, each in its own transaction with its checkpoint, so a job
killed at any moment resumes where it stopped: ``run_job`` on a queued, failed or stale running
job calls the handler again, and the handler skips what its checkpoints say is done.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kvali.errors import InputError, KvaliError, NotFoundError
from kvali.events.service import log_event
from kvali.jobs.tables import jobs
from kvali.util import now

if TYPE_CHECKING:
    from kvali.project import Project


@dataclass
class Progress:
    """What a progress callback receives: units done of total, and the time left (estimated)."""

    job_id: int
    done: float
    total: float | None
    message: str
    eta_s: float | None

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


ProgressCallback = Callable[[Progress], None]
# A handler: (project, job row, report(done, total, message)) -> result (JSON-able dict).
Handler = Callable[["Project", dict[str, Any], Callable[[float, float | None, str], None]], dict]

HANDLERS: dict[str, str | Handler] = {"transcribe": "kvali.pipelines.stt.job:run"}


def register(kind: str, handler: str | Handler) -> None:
    """Add a job kind (``module:function`` is imported only when such a job runs)."""
    HANDLERS[kind] = handler


def _handler(kind: str) -> Handler:
    h = HANDLERS.get(kind)
    if h is None:
        raise InputError("unknown job kind {kind!r}", kind=kind)
    if isinstance(h, str):
        module, _, name = h.partition(":")
        h = getattr(importlib.import_module(module), name)
    return h  # type: ignore[return-value]


def enqueue(
    conn: sa.Connection, kind: str, params: dict[str, Any], *, study_id: int | None = None
) -> int:
    """Queue a job; returns its id."""
    if kind not in HANDLERS:
        raise InputError("unknown job kind {kind!r}", kind=kind)
    ts = now()
    jid = conn.execute(
        jobs.insert().values(
            study_id=study_id,
            kind=kind,
            params=params,
            status="queued",
            created_at=ts,
            updated_at=ts,
        )
    ).inserted_primary_key[0]
    log_event(
        conn,
        study_id=study_id,
        action="enqueue",
        entity="job",
        entity_id=jid,
        payload={"kind": kind},
    )
    return jid


def get_job(conn: sa.Connection, job_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if row is None:
        raise NotFoundError("no job {job_id}", job_id=job_id)
    return dict(row)


def list_jobs(
    conn: sa.Connection,
    *,
    study_id: int | None = None,
    kind: str | None = None,
    status: str | tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    q = sa.select(jobs).order_by(jobs.c.id)
    if study_id is not None:
        q = q.where(jobs.c.study_id == study_id)
    if kind:
        q = q.where(jobs.c.kind == kind)
    if status:
        q = q.where(jobs.c.status.in_([status] if isinstance(status, str) else status))
    return [dict(r) for r in conn.execute(q).mappings()]


def find_unfinished(
    conn: sa.Connection, kind: str, match: dict[str, Any], *, study_id: int | None = None
) -> int | None:
    """The newest unfinished job of ``kind`` whose params contain ``match`` (to resume it)."""
    for job in reversed(
        list_jobs(conn, study_id=study_id, kind=kind, status=("queued", "running", "failed"))
    ):
        if all(job["params"].get(k) == v for k, v in match.items()):
            return job["id"]
    return None


def claim(conn: sa.Connection, job_id: int | None = None) -> int | None:
    """Mark a job running (the oldest queued one when no id is given); None if none is free."""
    if job_id is None:
        job_id = conn.execute(
            sa.select(sa.func.min(jobs.c.id)).where(jobs.c.status == "queued")
        ).scalar()
        if job_id is None:
            return None
    ts = now()
    n = conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status != "done")
        .values(
            status="running",
            attempts=jobs.c.attempts + 1,
            started_at=ts,
            updated_at=ts,
            error=None,
        )
    ).rowcount
    return job_id if n else None


def set_progress(
    conn: sa.Connection, job_id: int, done: float, total: float | None = None, message: str = ""
) -> None:
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id)
        .values(done=done, total=total, message=message, updated_at=now())
    )


def finish(conn: sa.Connection, job_id: int, result: dict[str, Any]) -> None:
    job = get_job(conn, job_id)
    ts = now()
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id)
        .values(
            status="done",
            result=result,
            finished_at=ts,
            updated_at=ts,
            done=job["total"] or job["done"],
        )
    )
    log_event(
        conn,
        study_id=job["study_id"],
        action="finish",
        entity="job",
        entity_id=job_id,
        payload={"kind": job["kind"]},
    )


def fail(conn: sa.Connection, job_id: int, error: str) -> None:
    job = get_job(conn, job_id)
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id)
        .values(status="failed", error=error[:2000], updated_at=now())
    )
    log_event(
        conn,
        study_id=job["study_id"],
        action="fail",
        entity="job",
        entity_id=job_id,
        payload={"kind": job["kind"]},
    )


def run_job(
    project: Project, job_id: int, *, progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Run (or resume) a job to the end in this process; returns its result.

    Progress is written to the job row (for other processes, e.g. the web UI) and passed to
    ``progress`` with an estimate of the time left. An error marks the job failed and is
    re-raised; running it again resumes from its last checkpoint.
    """
    with project.begin() as conn:
        job = get_job(conn, job_id)
        if job["status"] == "done":
            return job["result"] or {}
        claim(conn, job_id)
        job = get_job(conn, job_id)
    handler = _handler(job["kind"])
    t0 = time.monotonic()
    first: list[float] = []

    def report(done: float, total: float | None, message: str = "") -> None:
        with project.begin() as conn:
            set_progress(conn, job_id, done, total, message)
        if not first:
            first.append(done)  # work done before this run (resumed) doesn't count toward speed
        eta = None
        elapsed = time.monotonic() - t0
        if total and done > first[0] and elapsed > 0:
            eta = (total - done) * elapsed / (done - first[0])
        if progress is not None:
            progress(Progress(job_id, done, total, message, eta))

    try:
        result = handler(project, job, report)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise  # left "running": like a killed process, the next run resumes it
        with project.begin() as conn:
            fail(
                conn,
                job_id,
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, KvaliError) else str(exc),
            )
        raise
    with project.begin() as conn:
        finish(conn, job_id, result)
    return result
