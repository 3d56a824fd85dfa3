"""The job queue between machines without audio: a worker on a thread of this process (so the
handlers can be defined here) against a real PostgreSQL project; the SQLite path stays local.

The process-level faults (SIGKILL of a worker mid-transcription) are in tests/speech/test_workers.py.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kvali.cli import cli
from kvali.errors import KvaliError
from kvali.jobs import service as jobs
from tests.conftest import PG_URL

pytest.importorskip("procrastinate")

from kvali.jobs import distributed  # noqa: E402 - after the skip

seen: list[dict] = []


def _steps(project, job, report):  # noqa: ANN001, ANN202 - the handler protocol
    seen.append(dict(job["params"]))
    if job["params"].get("bad"):
        raise KvaliError("cannot decode audio: {exc}", exc="not a recording")
    if job["params"].get("fail_first") and job["attempts"] == 1:
        report(1, 3, "step 1")
        raise KvaliError("cannot decode audio: {exc}", exc="a network share went away")
    for i in range(3):
        report(i + 1, 3, f"step {i + 1}")
        time.sleep(0.05)
    return {"steps": 3}


@pytest.fixture(autouse=True)
def _register():  # noqa: ANN202
    jobs.register("steps", _steps)
    seen.clear()
    yield
    jobs.HANDLERS.pop("steps", None)


def _procrastinate_jobs(conn: sa.Connection) -> list[tuple]:
    if conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
        return []
    return [
        tuple(r)
        for r in conn.execute(
            sa.text("SELECT (args->>'job_id')::int, queue_name, status FROM procrastinate_jobs")
        )
    ]


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.skipif(not PG_URL, reason="needs KVALI_TEST_POSTGRES_URL")
def test_the_job_and_its_queue_entry_commit_together(study) -> None:  # noqa: ANN001
    project, sid = study
    assert distributed.uses_queue(project)
    with pytest.raises(RuntimeError), project.begin() as conn:
        distributed.enqueue(project, conn, "steps", {}, study_id=sid)
        raise RuntimeError("the caller's transaction fails after the enqueue")
    with project.begin() as conn:
        assert jobs.list_jobs(conn) == [] and _procrastinate_jobs(conn) == []
        jid = distributed.enqueue(project, conn, "steps", {}, study_id=sid)
        distributed.requeue(project, conn, jid)  # already waiting: not queued twice
    with project.begin() as conn:
        assert [j["id"] for j in jobs.list_jobs(conn)] == [jid]  # the refusal rolled back nothing
        assert _procrastinate_jobs(conn) == [(jid, "jobs", "todo")]
    assert distributed.queue_of("transcribe") == "transcribe"


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.skipif(not PG_URL, reason="needs KVALI_TEST_POSTGRES_URL")
def test_a_worker_runs_queued_jobs_and_the_list_shows_it(study) -> None:  # noqa: ANN001
    project, sid = study
    lines: list[str] = []
    stop = distributed.Worker(
        project, device="cuda", lease=5, poll_s=0.2, on_event=lines.append
    ).start_thread()
    try:
        with project.begin() as conn:
            jid = distributed.enqueue(project, conn, "steps", {"device": "cpu"}, study_id=sid)
            bad = distributed.enqueue(project, conn, "steps", {"bad": True}, study_id=sid)
        progress: list[float] = []
        result = distributed.wait_for(project, jid, progress=lambda p: progress.append(p.done))
        assert result == {"steps": 3}
        assert all(0 < d <= 3 for d in progress)
        with pytest.raises(KvaliError, match=f"job {bad} failed: cannot decode audio"):
            distributed.wait_for(project, bad, poll_s=0.1)
        time.sleep(1)  # a sweep or two later, the failed job is still failed, run once
        with project.begin() as conn:
            assert jobs.get_job(conn, bad)["attempts"] == 1
            assert jobs.get_job(conn, jid)["params"]["device"] == "cpu"  # the row keeps its own
        assert seen[0]["device"] == "cuda"  # the GPU worker ran it on its device
        assert len(seen) == 2
        out = CliRunner().invoke(cli, ["-p", str(project.path), "job", "list", "--json"])
        assert out.exit_code == 0, out.output
        listed = {j["id"]: j for j in json.loads(out.output)}
        assert listed[jid]["status"] == "done" and listed[jid]["done"] == 3
        assert listed[jid]["worker"] == distributed.worker_name()
        assert listed[bad]["status"] == "failed" and "cannot decode" in listed[bad]["error"]
        out = CliRunner().invoke(cli, ["-p", str(project.path), "job", "list"])
        assert distributed.worker_name() in out.output and "100%" in out.output
        assert any(f"job {jid} done" in line for line in lines)

        # Failed once, requeued (as `kvali transcribe` does on a failed job): the follower
        # waits for the new attempt instead of reporting the old failure, and it resumes.
        with project.begin() as conn:
            again = distributed.enqueue(project, conn, "steps", {"fail_first": True})
        with pytest.raises(KvaliError, match="a network share went away"):
            distributed.wait_for(project, again, poll_s=0.1)
        with project.begin() as conn:
            tried = distributed.requeue(project, conn, again)
        assert tried == 1
        assert distributed.wait_for(project, again, poll_s=0.1, after_attempt=tried) == {"steps": 3}
        with project.begin() as conn:
            assert jobs.get_job(conn, again)["attempts"] == 2
    finally:
        stop()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_projects_run_jobs_in_process(project) -> None:  # noqa: ANN001
    assert not distributed.uses_queue(project)
    out = CliRunner().invoke(cli, ["-p", str(project.path), "worker"])
    assert out.exit_code != 0 and "kvali worker needs a PostgreSQL project" in out.output


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.skipif(not PG_URL, reason="needs KVALI_TEST_POSTGRES_URL")
def test_kvali_transcribe_queues_and_follows_the_job(study, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """`kvali transcribe` on PostgreSQL: the job goes to the queue, a worker runs it, the command
    waits for its row and prints the result; --here runs it in the command's own process."""
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant

    project, sid = study
    ran_in: list[str] = []

    def fake(p, job, report):  # noqa: ANN001, ANN202 - the transcribe handler's protocol
        ran_in.append(threading.current_thread().name)
        report(1, 2, "window 1")
        report(2, 2, "window 2")
        return {"turns": 2, "duration_ms": 2000, "speakers": ["A"], "speech_s": 2.0}

    monkeypatch.setitem(jobs.HANDLERS, "transcribe", fake)
    with project.begin() as conn:
        for label in ("I1", "I2"):
            add_participant(conn, sid, code=f"R{label}")
            add_interview(conn, sid, label=label, participants=[f"R{label}"], interviewers=["A"])
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF")
    stop = distributed.Worker(project, lease=5, poll_s=0.2).start_thread()
    try:
        base = ["-p", str(project.path), "transcribe"]
        out = CliRunner().invoke(cli, [*base, "I1", "--audio", str(audio), "--json"])
        assert out.exit_code == 0, out.output
        result = json.loads(out.output)
        assert result["turns"] == 2
        assert len(ran_in) == 1 and ran_in[0] != "MainThread"  # on the worker's thread
        out = CliRunner().invoke(cli, [*base, "I2", "--audio", str(audio), "--here", "--json"])
        assert out.exit_code == 0, out.output
        assert ran_in[1] == "MainThread"  # --here: in the command's process, as on SQLite
        with project.begin() as conn:
            rows = {j["params"]["interview"]: j for j in jobs.list_jobs(conn)}
            assert rows["I1"]["status"] == rows["I2"]["status"] == "done"
            assert [r[0] for r in _procrastinate_jobs(conn)] == [rows["I1"]["id"]]
    finally:
        stop()
