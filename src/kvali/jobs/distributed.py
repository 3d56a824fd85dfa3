"""Jobs between machines: on a PostgreSQL project, kvali's job rows are carried by procrastinate.

procrastinate (PostgreSQL as the broker, LISTEN/NOTIFY to wake workers) moves a job id to a
worker; kvali's own ``claim``/lease/checkpoints (``jobs.service``) decide who may write and where a
job resumes. The two are written in ONE transaction: ``enqueue`` inserts the job row and defers
the procrastinate job on the same connection, so a job is either on both or on neither.

Faults: a worker that dies stops its procrastinate heartbeat and its kvali lease renewals. Every
worker sweeps for procrastinate jobs whose worker's heartbeat is older than the lease
(``get_stalled_jobs``) and puts them back on the queue (``retry_job``); the worker that picks one
up waits for the kvali lease to lapse, claims it, and the handler resumes after the last
checkpointed window. A job that fails (a bad file) fails once: the task is deferred with no
retries, and the error is on the kvali job row.

SQLite projects never come here: their jobs run in the process that started them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kvali.errors import KvaliError
from kvali.i18n import _
from kvali.jobs import service as jobs

if TYPE_CHECKING:
    import procrastinate

    from kvali.project import Project

log = logging.getLogger("kvali.worker")

TASK = "kvali.run_job"
QUEUES: dict[str, str] = {"transcribe": "transcribe"}
"""The procrastinate queue of each job kind (``kvali worker --queue``); others go to ``jobs``."""
DEFAULT_QUEUE = "jobs"
SCHEMA_LOCK = 0x6B76616C69  # pg_advisory_xact_lock key while the procrastinate schema is created


def uses_queue(project: Project) -> bool:
    """Jobs go onto the distributed queue on PostgreSQL; SQLite runs them in-process."""
    return not project.is_sqlite


def live_workers(project: Project, within_s: float | None = None) -> int:
    """Workers whose procrastinate heartbeat is recent (0 before any worker made its tables)."""
    within = within_s if within_s is not None else max(lease_s(), 30.0)
    try:
        with project.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM procrastinate_workers "
                        "WHERE last_heartbeat > now() - make_interval(secs => :s)"
                    ),
                    {"s": within},
                ).scalar()
                or 0
            )
    except sa.exc.ProgrammingError:  # no worker has ever run on this database
        return 0


def await_worker(project: Project, grace_s: float = 3.0) -> bool:
    """Whether a worker is alive, allowing one that is just starting a moment to say so."""
    deadline = time.monotonic() + grace_s
    while True:
        if live_workers(project):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)


def queue_of(kind: str) -> str:
    return QUEUES.get(kind, DEFAULT_QUEUE)


def lease_s() -> float:
    """The kvali lease (and the time after which a silent worker's job is retried)."""
    return float(os.environ.get("KVALI_JOB_LEASE_S") or jobs.LEASE_S)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _require() -> Any:
    try:
        import procrastinate
    except ImportError:
        raise KvaliError(
            "jobs on a PostgreSQL project run on the job queue: install kvali[worker] "
            "(pip install 'kvali[worker]')"
        ) from None
    return procrastinate


def _conninfo(project: Project) -> str:
    return project.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


_HAS_SCHEMA = sa.text(
    # pg_tables under the statement's snapshot: to_regclass may answer from a catalog cache
    # that has not yet seen a schema another transaction committed while we waited.
    "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() "
    "AND tablename = 'procrastinate_jobs')"
)


def ensure_schema(conn: sa.Connection) -> None:
    """Create procrastinate's tables in the project database the first time they are needed."""
    procrastinate = _require()
    if conn.execute(_HAS_SCHEMA).scalar():
        return
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
    if conn.execute(_HAS_SCHEMA).scalar():
        return
    schema = procrastinate.schema.SchemaManager.get_schema()
    conn.connection.driver_connection.execute(schema)  # plain SQL, no parameters


def make_app(project: Project, *, pool_max: int = 4) -> procrastinate.App:
    """procrastinate on the project's database; its pool opens only in a worker (enqueueing
    uses the caller's connection). A worker holds one connection to LISTEN, the others fetch,
    beat and finish: a small pool keeps a team's workers within PostgreSQL's connection limit."""
    procrastinate = _require()
    return procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=_conninfo(project), min_size=2, max_size=max(2, pool_max)
        ),
    )


def defer(conn: sa.Connection, app: procrastinate.App, job_id: int, kind: str) -> int | None:
    """Put kvali job ``job_id`` on the queue, in the caller's transaction; None if already there."""
    procrastinate = _require()
    ensure_schema(conn)
    try:
        # In a savepoint: "already queued" is a unique violation, which would otherwise abort
        # the caller's whole transaction (and its commit would silently roll everything back).
        with conn.begin_nested():
            return app.configure_task(
                TASK,
                queue=queue_of(kind),
                queueing_lock=f"kvali-job-{job_id}",
                connection=conn.connection.driver_connection,
            ).defer(job_id=job_id)
    except procrastinate.exceptions.AlreadyEnqueued:
        return None


def enqueue(
    project: Project,
    conn: sa.Connection,
    kind: str,
    params: dict[str, Any],
    *,
    study_id: int | None = None,
) -> int:
    """``jobs.enqueue`` plus the queue entry, in one transaction (the caller's)."""
    jid = jobs.enqueue(conn, kind, params, study_id=study_id)
    defer(conn, make_app(project), jid, kind)
    return jid


def requeue(project: Project, conn: sa.Connection, job_id: int) -> int:
    """Put an unfinished job (failed, or queued but lost) back on the queue to be resumed;
    returns its attempts so far (``wait_for(after_attempt=…)``)."""
    job = jobs.get_job(conn, job_id)
    live = job["status"] == "running" and job["lease_until"] and job["lease_until"] > jobs.now()
    if job["status"] != "done" and not live:  # a live holder is working on it already
        defer(conn, make_app(project), job_id, job["kind"])
    return job["attempts"]


def wait_for(
    project: Project,
    job_id: int,
    *,
    progress: jobs.ProgressCallback | None = None,
    poll_s: float = 0.5,
    after_attempt: int = 0,
) -> dict[str, Any]:
    """Follow a queued job's row until it is done (its result) or failed (its error raised).

    ``after_attempt`` (what ``requeue`` returns): a failure counts only from a later attempt, so
    following a job requeued after a failure waits for the new run, not the old error."""
    t0, first = time.monotonic(), None
    while True:
        with project.begin() as conn:
            job = jobs.get_job(conn, job_id)
        if job["status"] == "done":
            return job["result"] or {}
        if job["status"] == "failed" and job["attempts"] > after_attempt:
            raise KvaliError("job {job_id} failed: {error}", job_id=job_id, error=job["error"])
        if progress is not None and job["status"] == "running":
            done, total = job["done"], job["total"]
            first = done if first is None else first
            elapsed, eta = time.monotonic() - t0, None
            if total and done > first and elapsed > 0:
                eta = (total - done) * elapsed / (done - first)
            progress(jobs.Progress(job_id, done, total, job["message"], eta))
        time.sleep(poll_s)


# ---------------------------------------------------------------------------- the worker


class Worker:
    """One ``kvali worker`` process: procrastinate's worker running kvali's ``run_job``."""

    def __init__(
        self,
        project: Project,
        *,
        queues: Iterable[str] | None = None,
        concurrency: int = 1,
        device: str | None = None,
        lease: float | None = None,
        heartbeat_s: float | None = None,
        poll_s: float | None = None,
        on_event: Callable[[str], None] | None = None,
    ):
        self.project = project
        self.queues = list(queues) if queues else None
        self.concurrency = concurrency
        self.overrides = {"device": device} if device else {}
        self.lease = lease or lease_s()
        # procrastinate's worker heartbeat: a few beats per lease, so a dead worker is seen
        # as stalled about one lease after it stopped.
        self.heartbeat_s = heartbeat_s or float(
            os.environ.get("KVALI_WORKER_HEARTBEAT_S") or max(0.5, self.lease / 4)
        )
        self.poll_s = poll_s or float(os.environ.get("KVALI_WORKER_POLL_S") or 5.0)
        self.name = worker_name()
        self.on_event = on_event or (lambda line: log.info(line))
        self.app = make_app(project, pool_max=3 + concurrency)
        self.app.task(name=TASK, pass_context=False)(self._run)

    def _run(self, job_id: int) -> dict[str, Any]:
        """The procrastinate task: claim the kvali job (waiting out a dead holder's lease), run it."""
        held, seen_until = None, None
        for _try in range(3):
            with self.project.begin() as conn:
                job = jobs.get_job(conn, job_id)
                if job["status"] == "done":
                    return {"already_done": True}
                held = jobs.claim(conn, job_id, lease_s=self.lease, worker=self.name)
            if held is not None:
                break
            # Running under another worker's lease: procrastinate saw that worker as stalled,
            # so its lease lapses soon; if the lease was renewed meanwhile, the holder lives.
            until = job["lease_until"]
            if seen_until is not None and until != seen_until:
                break
            seen_until = until
            wait = (until - jobs.now()).total_seconds() if until else 0
            time.sleep(min(max(wait, 0) + 0.2, 2 * self.lease))
        if held is None:
            self.on_event(
                _("job {job}: another worker holds it and is alive; left to it", job=job_id)
            )
            return {"held_elsewhere": True}
        with self.project.begin() as conn:
            attempt = jobs.get_job(conn, job_id)["attempts"]
        seen: list[float] = []

        def progress(p: jobs.Progress) -> None:
            if not seen:
                seen.append(p.done)
                self.on_event(
                    _(
                        "job {job} attempt {attempt}: started at {done:g} of {total:g}",
                        job=job_id,
                        attempt=attempt,
                        done=p.done,
                        total=p.total or 0,
                    )
                )

        try:
            result = jobs.run_job(
                self.project,
                job_id,
                claimed=held,
                lease_s=self.lease,
                progress=progress,
                overrides=self.overrides,
            )
        except jobs.LeaseLost:
            self.on_event(_("job {job}: taken over by another worker; stopped", job=job_id))
            raise
        except Exception as exc:
            self.on_event(_("job {job} failed: {error}", job=job_id, error=exc))
            raise
        self.on_event(_("job {job} done", job=job_id))
        return result

    async def _sweep(self) -> None:
        """Put jobs of workers silent for longer than the lease back on the queue."""
        manager = self.app.job_manager
        while True:
            await asyncio.sleep(max(0.5, self.lease / 3))
            try:
                stalled = await manager.get_stalled_jobs(
                    seconds_since_heartbeat=self.lease, task_name=TASK
                )
                for job in stalled:
                    if self.queues and job.queue not in self.queues:
                        continue
                    await manager.retry_job(job)
                    self.on_event(
                        _(
                            "job {job}: its worker went silent; requeued",
                            job=job.task_kwargs.get("job_id"),
                        )
                    )
            except Exception as exc:  # noqa: BLE001 - e.g. two sweepers racing: next round
                log.debug("sweep: %s", exc)

    async def run_async(self, *, signals: bool = True) -> None:
        """Run until stopped (SIGINT/SIGTERM with ``signals``: the running jobs finish first)."""
        async with self.app.open_async():
            with self.project.begin() as conn:
                ensure_schema(conn)
            sweep = asyncio.create_task(self._sweep())
            self.on_event(
                _(
                    "worker {name}: queues {queues}, concurrency {n}, lease {lease:g} s",
                    name=self.name,
                    queues=", ".join(self.queues or [_("all")]),
                    n=self.concurrency,
                    lease=self.lease,
                )
            )
            try:
                await self.app.run_worker_async(
                    queues=self.queues,
                    concurrency=self.concurrency,
                    name=self.name,
                    wait=True,
                    fetch_job_polling_interval=self.poll_s,
                    update_heartbeat_interval=self.heartbeat_s,
                    stalled_worker_timeout=max(self.lease * 3, 30.0),
                    install_signal_handlers=signals,
                )
            finally:
                sweep.cancel()

    def run(self) -> None:
        asyncio.run(self.run_async())

    def start_thread(self) -> Callable[[], None]:
        """Run on an event loop of its own in a thread (tests, benchmarks); returns ``stop``."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kvali-worker", daemon=True)
        thread.start()
        ended = threading.Event()
        errors: list[Exception] = []

        async def main() -> None:
            try:
                await self.run_async(signals=False)
            except Exception as exc:
                log.exception("the worker stopped")
                errors.append(exc)
            finally:
                ended.set()

        running = asyncio.run_coroutine_threadsafe(main(), loop)

        def stop(timeout: float = 30) -> None:
            running.cancel()  # procrastinate stops its worker gracefully on cancellation
            ended.wait(timeout)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            loop.close()
            if errors:
                raise errors[0]  # the worker had stopped on an error: say so

        return stop
