"""The job queue's own cost on PostgreSQL (procrastinate under kvali's jobs), without audio:

    KVALI_TEST_POSTGRES_URL=postgresql://… .venv/bin/python bench/queue_latency.py [--jobs 20]

* ``enqueue_ms``: one transaction with the job row, its event and the procrastinate job
  (``distributed.enqueue``), commit included — the median of N.
* ``pickup_ms``: from that commit to the handler starting in a worker that is already
  listening (LISTEN/NOTIFY wakes it; the claim, the lease and the job read included) — median.
* ``roundtrip_ms``: enqueue to the job row saying ``done`` for a handler that does nothing.

The worker runs in a thread of this process on its own event loop, so the handler can be a
no-op registered here. What a dead worker costs is measured with real processes in
tests/speech/test_workers.py (the take-over time is one lease plus a sweep). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from kvali.jobs import distributed
from kvali.jobs import service as jobs
from kvali.project import Project

started: dict[int, float] = {}


def noop(project, job, report):  # noqa: ANN001, ANN201 - the handler protocol
    started[job["id"]] = time.perf_counter()
    report(1, 1, "done")
    return {}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=20)
    args = ap.parse_args()
    url = os.environ["KVALI_TEST_POSTGRES_URL"]
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")  # fmt: skip
    db = f"kvali_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {db}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            project = Project.init(Path(tmp) / "p", database_url=url.rsplit("/", 1)[0] + "/" + db)
            jobs.register("noop", noop)
            worker = distributed.Worker(project, lease=10, poll_s=5)
            stop = worker.start_thread()
            time.sleep(3)  # the worker is listening
            enq, pick, trip = [], [], []
            for _ in range(args.jobs):
                t0 = time.perf_counter()
                with project.begin() as conn:
                    jid = distributed.enqueue(project, conn, "noop", {})
                t1 = time.perf_counter()
                while True:
                    with project.begin() as conn:
                        if jobs.get_job(conn, jid)["status"] == "done":
                            break
                    time.sleep(0.002)
                t2 = time.perf_counter()
                enq.append((t1 - t0) * 1000)
                pick.append((started[jid] - t1) * 1000)
                trip.append((t2 - t0) * 1000)
            out = {
                "jobs": args.jobs,
                "enqueue_ms": round(statistics.median(enq), 1),
                "pickup_ms": round(statistics.median(pick), 1),
                "pickup_max_ms": round(max(pick), 1),
                "pickup_over_1s": [i for i, p in enumerate(pick) if p > 1000],
                "roundtrip_ms": round(statistics.median(trip), 1),
            }
            stop()
            project.close()
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
