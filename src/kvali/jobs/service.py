"""Jobs: enqueue, claim, progress, finish, fail, resume — for the CLI now and the web later.

A handler does the work in steps, each in its own transaction with its checkpoint, so a job
killed at any moment resumes where it stopped: ``run_job`` on a queued, failed or stale running
job calls the handler again, and the handler skips what its checkpoints say is done.

Claims are honest: ``claim`` takes a job only if it is queued, failed, or running with an expired
lease, in one conditional UPDATE (so of two workers racing for a job exactly one gets it), and
hands back a random token. The worker renews its lease while the handler runs (a heartbeat and
every progress report); progress, finish and fail are written only with the token that holds
the job, so a worker whose lease lapsed and was taken over stops instead of writing over the
new holder. ``run_job`` refuses a job another worker holds.
"""

from __future__ import annotations

import importlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kvali.db.rows import get_or_404
from kvali.errors import InputError, KvaliError, NotFoundError
from kvali.events.service import insert_logged, log_event
from kvali.i18n import N_
from kvali.jobs.tables import jobs
from kvali.util import now

if TYPE_CHECKING:
    from kvali.project import Project


LEASE_S = 60.0
"""How long a claim holds without renewal; ``run_job`` renews it every third of that."""

CLAIMABLE = ("queued", "failed")


@dataclass(frozen=True)
class Claim:
    """A job taken by one worker: its token must accompany progress, finish and fail."""

    job_id: int
    token: str
    lease_until: datetime


class LeaseLost(KvaliError):
    """The job's lease lapsed and another worker took it over: this worker must stop."""

    def __init__(self, job_id: int):
        super().__init__(_TAKEN_OVER, job_id=job_id)
        self.job_id = job_id


_TAKEN_OVER = N_("job {job_id} was taken over by another worker")


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
    return insert_logged(
        conn,
        jobs,
        {
            "study_id": study_id,
            "kind": kind,
            "params": params,
            "status": "queued",
            "created_at": ts,
            "updated_at": ts,
        },
        study_id=study_id,
        entity="job",
        action="enqueue",
        payload={"kind": kind},
    )


def get_job(conn: sa.Connection, job_id: int) -> dict[str, Any]:
    error = NotFoundError("no job {job_id}", job_id=job_id)
    return dict(get_or_404(conn, jobs, job_id, error=error))


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


def _claimable(ts: datetime) -> sa.ColumnElement[bool]:
    """Queued, failed, or running with a lapsed (or, from before leases, no) lease."""
    return sa.or_(
        jobs.c.status.in_(CLAIMABLE),
        sa.and_(
            jobs.c.status == "running",
            sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < ts),
        ),
    )


def claim(
    conn: sa.Connection, job_id: int | None = None, *, lease_s: float = LEASE_S
) -> Claim | None:
    """Take a job for this worker (the oldest claimable one when no id is given).

    None when the job is done, or running under another worker's lease, or (without an id)
    when nothing is claimable. The test and the take-over are one UPDATE, so two workers
    racing for the same job cannot both win: the database serialises the writes (SQLite's
    ``BEGIN IMMEDIATE``, PostgreSQL's row lock, after which the WHERE is evaluated again).
    """
    ts = now()
    if job_id is not None:
        candidates = [job_id]
    else:
        candidates = list(
            conn.execute(
                sa.select(jobs.c.id).where(_claimable(ts)).order_by(jobs.c.id).limit(20)
            ).scalars()
        )
    for jid in candidates:
        token = secrets.token_hex(16)
        until = ts + timedelta(seconds=lease_s)
        n = conn.execute(
            jobs.update()
            .where(jobs.c.id == jid, _claimable(ts))
            .values(
                status="running",
                attempts=jobs.c.attempts + 1,
                started_at=ts,
                updated_at=ts,
                error=None,
                claim_token=token,
                lease_until=until,
            )
        ).rowcount
        if n:
            row = conn.execute(
                sa.select(jobs.c.study_id, jobs.c.kind, jobs.c.attempts).where(jobs.c.id == jid)
            ).one()
            log_event(
                conn,
                study_id=row.study_id,
                action="claim",
                entity="job",
                entity_id=jid,
                payload={"kind": row.kind, "attempt": row.attempts},
            )
            return Claim(jid, token, until)
    return None


def renew(conn: sa.Connection, claim: Claim, *, lease_s: float = LEASE_S) -> Claim:
    """Extend this worker's lease; raises ``LeaseLost`` when another worker holds the job."""
    until = now() + timedelta(seconds=lease_s)
    n = conn.execute(jobs.update().where(_held(claim)).values(lease_until=until)).rowcount
    if not n:
        raise LeaseLost(claim.job_id)
    return Claim(claim.job_id, claim.token, until)


def release(conn: sa.Connection, claim: Claim) -> None:
    """Give the lease up now (an interrupted run): the next run may resume the job at once."""
    conn.execute(jobs.update().where(_held(claim)).values(lease_until=now(), claim_token=None))


def _held(claim: Claim) -> sa.ColumnElement[bool]:
    return sa.and_(
        jobs.c.id == claim.job_id,
        jobs.c.status == "running",
        jobs.c.claim_token == claim.token,
    )


def set_progress(
    conn: sa.Connection,
    claim: Claim,
    done: float,
    total: float | None = None,
    message: str = "",
    *,
    lease_s: float = LEASE_S,
) -> Claim:
    """Record progress and renew the lease; ``LeaseLost`` if the job is no longer ours."""
    ts = now()
    until = ts + timedelta(seconds=lease_s)
    n = conn.execute(
        jobs.update()
        .where(_held(claim))
        .values(done=done, total=total, message=message, updated_at=ts, lease_until=until)
    ).rowcount
    if not n:
        raise LeaseLost(claim.job_id)
    return Claim(claim.job_id, claim.token, until)


def finish(conn: sa.Connection, claim: Claim, result: dict[str, Any]) -> None:
    job = get_job(conn, claim.job_id)
    ts = now()
    n = conn.execute(
        jobs.update()
        .where(_held(claim))
        .values(
            status="done",
            result=result,
            finished_at=ts,
            updated_at=ts,
            done=job["total"] or job["done"],
            claim_token=None,
            lease_until=None,
        )
    ).rowcount
    if not n:
        raise LeaseLost(claim.job_id)
    log_event(
        conn,
        study_id=job["study_id"],
        action="finish",
        entity="job",
        entity_id=claim.job_id,
        payload={"kind": job["kind"]},
    )


def fail(conn: sa.Connection, claim: Claim, error: str) -> bool:
    """Mark the job failed (claimable again); False, writing nothing, if it is no longer ours."""
    job = get_job(conn, claim.job_id)
    n = conn.execute(
        jobs.update()
        .where(_held(claim))
        .values(
            status="failed",
            error=error[:2000],
            updated_at=now(),
            claim_token=None,
            lease_until=None,
        )
    ).rowcount
    if not n:
        return False
    log_event(
        conn,
        study_id=job["study_id"],
        action="fail",
        entity="job",
        entity_id=claim.job_id,
        payload={"kind": job["kind"]},
    )
    return True


class _Heartbeat(threading.Thread):
    """Renews the lease every third of it while the handler works between progress reports."""

    def __init__(self, project: Project, holder: list[Claim], lease_s: float):
        super().__init__(name=f"kvali-lease-{holder[0].job_id}", daemon=True)
        self.project, self.holder, self.lease_s = project, holder, lease_s
        self.stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self.stopped.wait(self.lease_s / 3):
            try:
                with self.project.begin() as conn:
                    self.holder[0] = renew(conn, self.holder[0], lease_s=self.lease_s)
            except LeaseLost:
                self.lost = True
                return
            except Exception:  # noqa: BLE001 - a busy database: the next beat tries again
                continue


def run_job(
    project: Project,
    job_id: int,
    *,
    progress: ProgressCallback | None = None,
    claimed: Claim | None = None,
    lease_s: float = LEASE_S,
) -> dict[str, Any]:
    """Run (or resume) a job to the end in this process; returns its result.

    The job is claimed first (or ``claimed`` is the caller's own claim of it); a job another
    worker holds under a live lease is refused. Progress is written to the job row (for other
    processes, e.g. the web UI) and passed to ``progress`` with an estimate of the time left.
    An error marks the job failed and is re-raised; running it again resumes from its last
    checkpoint.
    """
    with project.begin() as conn:
        job = get_job(conn, job_id)
        if job["status"] == "done":
            return job["result"] or {}
        if claimed is not None:
            if claimed.job_id != job_id or job["claim_token"] != claimed.token:
                raise KvaliError("job {job_id} was not claimed with this token", job_id=job_id)
            claimed = renew(conn, claimed, lease_s=lease_s)
        else:
            claimed = claim(conn, job_id, lease_s=lease_s)
            if claimed is None:
                lease = job["lease_until"]
                until = lease.strftime("%Y-%m-%d %H:%M:%S") if lease else "?"
                raise KvaliError(
                    "job {job_id} is being run by another worker (its lease runs until {until}); "
                    "run it again after that if that worker has stopped",
                    job_id=job_id,
                    until=until,
                )
        job = get_job(conn, job_id)
    holder = [claimed]
    beat = _Heartbeat(project, holder, lease_s)
    handler = _handler(job["kind"])
    t0 = time.monotonic()
    first: list[float] = []

    def report(done: float, total: float | None, message: str = "") -> None:
        if beat.lost:
            raise LeaseLost(job_id)
        with project.begin() as conn:
            holder[0] = set_progress(conn, holder[0], done, total, message, lease_s=lease_s)
        if not first:
            first.append(done)  # work done before this run (resumed) doesn't count toward speed
        eta = None
        elapsed = time.monotonic() - t0
        if total and done > first[0] and elapsed > 0:
            eta = (total - done) * elapsed / (done - first[0])
        if progress is not None:
            progress(Progress(job_id, done, total, message, eta))

    beat.start()
    try:
        result = handler(project, job, report)
    except BaseException as exc:
        beat.stopped.set()
        beat.join()
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            # Left "running" like a killed process, but with the lease given up, so the next
            # run resumes it at once instead of waiting for the lease to lapse.
            with project.begin() as conn:
                release(conn, holder[0])
            raise
        if not isinstance(exc, LeaseLost):
            with project.begin() as conn:
                fail(
                    conn,
                    holder[0],
                    f"{type(exc).__name__}: {exc}" if not isinstance(exc, KvaliError) else str(exc),
                )
        raise
    beat.stopped.set()
    beat.join()
    if beat.lost:
        raise LeaseLost(job_id)
    with project.begin() as conn:
        finish(conn, holder[0], result)
    return result
