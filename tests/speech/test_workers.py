"""Jobs between machines, for real: two `kvali worker` processes on a real PostgreSQL project.

A transcription (an espeak-ng clip in windows of 3 s, so several checkpoints) is queued with
`kvali transcribe --no-wait`; the worker that holds it is killed with SIGKILL after its first
checkpoint; the other worker finds it stalled once the (short) lease lapses, claims it, resumes
after the last checkpointed window and finishes. The turns must equal an in-process run of the
same clip with the same parameters: nothing lost, nothing twice. A recording that cannot be
decoded fails once with its error on the job, and is not retried.

The workers read the project through another path than the one it was created at (a symlink
standing in for the team's shared mount, docs/team.md): the job names its media relative to the
project folder, so a worker needs only the folder, wherever it is mounted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kvali.cli import cli
from kvali.interviews.media import store_media
from kvali.interviews.service import add_interview, update_interview
from kvali.jobs import service as jobs
from kvali.participants.service import add_participant
from kvali.pipelines.tables import transcription_chunks
from kvali.transcripts.service import get_turns, transcript_id_for
from tests.conftest import PG_URL

from .conftest import needs_audio, needs_resemblyzer

pytest.importorskip("procrastinate")

pytestmark = [
    needs_audio,
    needs_resemblyzer,
    pytest.mark.skipif(not PG_URL, reason="needs KVALI_TEST_POSTGRES_URL"),
    pytest.mark.parametrize("backend", ["postgresql"]),
]

LEASE_S = 3
PARAMS = {"language": "en", "speakers": 2, "window_s": 3}


def _interview(project, sid, label, audio: Path | None):  # noqa: ANN001, ANN202
    with project.begin() as conn:
        add_participant(conn, sid, code=f"R{label}")
        iid = add_interview(conn, sid, label=label, participants=[f"R{label}"], interviewers=["A"])
        if audio is not None:
            update_interview(conn, sid, iid, audio_path=store_media(project, audio))


def _turns(project, sid, label):  # noqa: ANN001, ANN202
    with project.begin() as conn:
        tid = transcript_id_for(conn, sid, label)
        return [(t["speaker"], t["start_ms"], t["end_ms"], t["text"]) for t in get_turns(conn, tid)]


def _worker(shared: Path, log: Path) -> subprocess.Popen:
    env = os.environ | {"KVALI_JOB_LEASE_S": str(LEASE_S), "KVALI_WORKER_POLL_S": "0.5"}
    code = "from kvali.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--project", str(shared), "--queue", "transcribe"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
        cwd=str(log.parent),  # not the project: the worker finds it by --project alone
    )


def _until(check, timeout: float, what: str):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _job(project, jid):  # noqa: ANN001, ANN202
    with project.begin() as conn:
        return jobs.get_job(conn, jid)


def _claims(project, jid) -> list[str]:  # noqa: ANN001
    with project.begin() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT payload FROM events WHERE entity = 'job' AND action = 'claim' "
                "AND entity_id = :j ORDER BY id"
            ),
            {"j": jid},
        ).scalars()
        return [p["worker"] for p in rows]


def _enqueue(project, label: str) -> int:  # noqa: ANN001
    args = ["-p", str(project.path), "transcribe", label, "--language", "en", "--speakers", "2"]
    result = CliRunner().invoke(cli, [*args, "--window", "3", "--no-wait", "--json"])
    assert result.exit_code == 0, result.output

    out = json.loads(result.output)
    assert out["queued"] is True
    return out["job_id"]


def test_two_workers_one_killed_mid_transcription(study, english_clip, tmp_path) -> None:  # noqa: ANN001
    project, sid = study
    clip, _lines = english_clip
    # The reference: the same clip and parameters, in this process (as on SQLite).
    _interview(project, sid, "REF", clip)
    with project.begin() as conn:
        ref = jobs.enqueue(conn, "transcribe", {"interview": "REF", **PARAMS}, study_id=sid)
    jobs.run_job(project, ref)
    expected = _turns(project, sid, "REF")
    assert len(expected) >= 3

    _interview(project, sid, "I1", clip)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 50)
    _interview(project, sid, "BAD", bad)
    shared = tmp_path / "mnt" / "kvali-project"  # the team's mount of the project folder
    shared.parent.mkdir()
    shared.symlink_to(project.path, target_is_directory=True)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [_worker(shared, log) for log in logs]
    try:
        jid = _enqueue(project, "I1")
        assert _job(project, jid)["status"] == "queued"

        def checkpointed() -> bool:
            with project.begin() as conn:
                return bool(
                    conn.execute(
                        sa.select(sa.func.count())
                        .select_from(transcription_chunks)
                        .where(transcription_chunks.c.job_id == jid)
                    ).scalar()
                )

        _until(checkpointed, 180, "the first checkpoint")
        holder = _claims(project, jid)[-1]
        pid = int(holder.rsplit(":", 1)[1])
        victim = next(w for w in workers if w.pid == pid)  # one of ours holds it
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        victim.wait(10)
        # The job list shows the remote job's progress and where it ran, as for a local one.
        out = CliRunner().invoke(cli, ["-p", str(project.path), "job", "list", "--json"])
        listed = {j["id"]: j for j in json.loads(out.output)}[jid]
        assert listed["status"] == "running" and listed["worker"] == holder
        assert 0 < listed["done"] < listed["total"]
        with project.begin() as conn:
            checkpoint_ms = conn.execute(
                sa.select(sa.func.max(transcription_chunks.c.end_ms)).where(
                    transcription_chunks.c.job_id == jid
                )
            ).scalar()
        survivor = next(w for w in workers if w is not victim)
        survivor_log = logs[workers.index(survivor)]

        _until(lambda: _job(project, jid)["status"] == "done", 240, "the take-over to finish")
        job = _job(project, jid)
        assert job["attempts"] == 2 and job["error"] is None
        print(f"killed → done in {time.monotonic() - killed_at:.1f} s (lease {LEASE_S} s)")
        claims = _claims(project, jid)
        assert len(claims) == 2 and claims[0] == holder
        assert int(claims[1].rsplit(":", 1)[1]) == survivor.pid
        log = survivor_log.read_text()
        assert "its worker went silent; requeued" in log, log
        resumed = [ln for ln in log.splitlines() if f"job {jid} attempt 2: started at" in ln]
        assert resumed, log
        started_at = float(resumed[0].split("started at ")[1].split(" of ")[0])
        assert started_at >= checkpoint_ms > 0  # after the checkpoint, not from the start
        assert _turns(project, sid, "I1") == expected  # no turn lost, none twice

        # A recording that cannot be decoded: one failure with the reason, no retry loop.
        bid = _enqueue(project, "BAD")
        _until(lambda: _job(project, bid)["status"] == "failed", 120, "the bad file to fail")
        time.sleep(3 * LEASE_S)  # several sweeps and polls later: still one attempt
        job = _job(project, bid)
        assert job["attempts"] == 1 and "cannot decode audio" in job["error"], job
        with project.begin() as conn:
            carried = conn.execute(
                sa.text(
                    "SELECT status, attempts FROM procrastinate_jobs "
                    "WHERE (args->>'job_id')::int = :j"
                ),
                {"j": bid},
            ).all()
        assert [tuple(r) for r in carried] == [("failed", 1)]  # one job, run once
        assert survivor.poll() is None  # the worker is still there for the next job
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
