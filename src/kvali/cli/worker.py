"""CLI: ``kvali worker`` runs jobs of a PostgreSQL project from the queue (jobs/distributed.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from kvali.cli.base import Ctx, pass_ctx
from kvali.jobs.distributed import DEFAULT_QUEUE, QUEUES

QUEUE_NAMES = sorted(set(QUEUES.values()) | {DEFAULT_QUEUE})


@click.command()
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The project folder as this machine mounts it (media/ is read from there); "
    "default: kvali's --project.",
)
@click.option(
    "--queue",
    "queues",
    type=click.Choice(QUEUE_NAMES),
    multiple=True,
    help="Only this kind of work (repeatable; default: every queue).",
)
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Jobs run at the same time by this worker.")  # fmt: skip
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default=None,
    help="Run the models of every job here on this device (a GPU worker: cuda); "
    "default: what each job asked for.",
)
@click.option(
    "--lease",
    "lease_s",
    type=click.FloatRange(1, 3600),
    envvar="KVALI_JOB_LEASE_S",
    default=None,
    help="Seconds a job stays this worker's without renewal; a worker silent for longer loses "
    "its jobs to the others (default 60, or $KVALI_JOB_LEASE_S).",
)
@pass_ctx
def worker(
    obj: Ctx,
    project_dir: Path | None,
    queues: tuple[str, ...],
    concurrency: int,
    device: str | None,
    lease_s: float | None,
) -> None:
    """Run jobs (transcriptions) of a PostgreSQL project queued from any machine, until stopped.

    Start it on any machine that reaches the project's PostgreSQL and mounts the project
    folder (docs/team.md). Ctrl-C stops taking jobs and lets the running ones finish."""
    from kvali.errors import KvaliError
    from kvali.i18n import _
    from kvali.jobs.distributed import Worker, uses_queue

    if project_dir is not None:
        obj.project_dir = project_dir
    project = obj.project
    if not uses_queue(project):
        raise KvaliError(
            "kvali worker needs a PostgreSQL project; a SQLite project runs its jobs in the "
            "process that starts them (kvali transcribe, kvali job run)"
        )

    def say(line: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {line}", err=True)
        sys.stderr.flush()

    try:
        Worker(
            project,
            queues=queues or None,
            concurrency=concurrency,
            device=device,
            lease=lease_s,
            on_event=say,
        ).run()
    except KeyboardInterrupt:
        pass
    say(_("worker stopped"))


COMMANDS = [worker]
