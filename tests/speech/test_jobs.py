"""The job queue on both backends: enqueue, run, progress, failure, resume from a checkpoint,
and honest claims (one winner of two claimants, leases that lapse and are taken over)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kvali.errors import InputError, KvaliError, NotFoundError
from kvali.jobs import service as jobs
from kvali.jobs.tables import jobs as jobs_table
from kvali.project import Project
from kvali.util import now


class Boom(Exception):
    pass


def _counting_handler(project, job, report):  # noqa: ANN001 - the handler protocol
    """Five steps, each checkpointed in the job's params-free progress (done)."""
    start = int(job["done"])
    for step in range(start, 5):
        if job["params"].get("fail_at") == step and job["attempts"] == 1:
            raise Boom(f"killed at step {step}")
        report(step + 1, 5, f"step {step + 1}")
    return {"steps_run": 5 - start}


@pytest.fixture(autouse=True)
def _register() -> None:
    jobs.register("count", _counting_handler)


def test_enqueue_run_list(study) -> None:
    project, sid = study
    with project.begin() as conn:
        jid = jobs.enqueue(conn, "count", {"x": 1}, study_id=sid)
        assert jobs.get_job(conn, jid)["status"] == "queued"
    seen = []
    result = jobs.run_job(project, jid, progress=seen.append)
    assert result == {"steps_run": 5}
    assert [p.done for p in seen] == [1, 2, 3, 4, 5]
    assert seen[-1].fraction == 1.0 and seen[-1].eta_s == 0
    with project.begin() as conn:
        job = jobs.get_job(conn, jid)
        assert (job["status"], job["done"], job["total"], job["attempts"]) == ("done", 5, 5, 1)
        assert [j["id"] for j in jobs.list_jobs(conn, study_id=sid, status="done")] == [jid]
    assert jobs.run_job(project, jid) == {"steps_run": 5}  # done: not run again


def test_failed_job_resumes_from_checkpoint(study) -> None:
    project, sid = study
    with project.begin() as conn:
        jid = jobs.enqueue(conn, "count", {"fail_at": 2}, study_id=sid)
    with pytest.raises(Boom):
        jobs.run_job(project, jid)
    with project.begin() as conn:
        job = jobs.get_job(conn, jid)
        assert job["status"] == "failed" and "killed at step 2" in job["error"]
        assert jobs.find_unfinished(conn, "count", {"fail_at": 2}, study_id=sid) == jid
    assert jobs.run_job(project, jid) == {"steps_run": 3}
    with project.begin() as conn:
        assert jobs.get_job(conn, jid)["attempts"] == 2
        assert jobs.find_unfinished(conn, "count", {"fail_at": 2}, study_id=sid) is None


def test_claim_and_errors(study) -> None:
    project, sid = study
    with project.begin() as conn:
        with pytest.raises(InputError):
            jobs.enqueue(conn, "no-such-kind", {})
        with pytest.raises(NotFoundError):
            jobs.get_job(conn, 999)
        a = jobs.enqueue(conn, "count", {}, study_id=sid)
        b = jobs.enqueue(conn, "count", {}, study_id=sid)
        ca, cb = jobs.claim(conn), jobs.claim(conn)
        assert (ca.job_id, cb.job_id) == (a, b) and ca.token != cb.token
        assert jobs.claim(conn) is None  # both running under live leases
        assert jobs.claim(conn, a) is None
        jobs.finish(conn, ca, {})
        assert jobs.claim(conn, a) is None  # done is never claimed again


def _second(project: Project) -> Project:
    """Another worker: its own engine and connections on the same database."""
    return Project.open(project.path)


def test_two_claimants_one_winner(study) -> None:
    """B's UPDATE waits behind A's uncommitted claim, then finds the job held: only A has it."""
    project, sid = study
    other = _second(project)
    try:
        with project.begin() as conn:
            jid = jobs.enqueue(conn, "count", {}, study_id=sid)
            spare = jobs.enqueue(conn, "count", {}, study_id=sid)
        got: dict[str, object] = {}

        def claimant_b() -> None:
            with other.begin() as conn:
                got["by_id"] = jobs.claim(conn, jid)
                got["any"] = jobs.claim(conn)

        with project.begin() as conn:
            mine = jobs.claim(conn, jid)
            b = threading.Thread(target=claimant_b)
            b.start()
            time.sleep(0.5)  # B is now blocked on A's write lock (SQLite) or row lock (PG)
            assert b.is_alive()
        b.join(30)
        assert mine is not None and mine.job_id == jid
        assert got["by_id"] is None
        assert got["any"] is not None and got["any"].job_id == spare  # the next free one
        with project.begin() as conn:
            row = jobs.get_job(conn, jid)
            assert (row["status"], row["attempts"], row["claim_token"]) == (
                "running",
                1,
                mine.token,
            )
            claims = conn.execute(
                sa.text("SELECT entity_id FROM events WHERE action = 'claim' ORDER BY id")
            ).scalars()
            assert list(claims) == [jid, spare]
    finally:
        other.close()


def test_expired_lease_is_taken_over_and_the_old_worker_stops(study) -> None:
    project, sid = study
    other = _second(project)
    try:
        with project.begin() as conn:
            jid = jobs.enqueue(conn, "count", {}, study_id=sid)
            old = jobs.claim(conn, jid, lease_s=60)
        with other.begin() as conn:
            assert jobs.claim(conn, jid) is None  # the lease holds
        with project.begin() as conn:  # time passes: the first worker has gone quiet
            conn.execute(
                jobs_table.update()
                .where(jobs_table.c.id == jid)
                .values(lease_until=now() - timedelta(seconds=1))
            )
        with other.begin() as conn:
            new = jobs.claim(conn, jid)
            assert new is not None and new.token != old.token
        with project.begin() as conn:
            with pytest.raises(jobs.LeaseLost, match=f"job {jid} was taken over"):
                jobs.set_progress(conn, old, 3, 5)
            with pytest.raises(jobs.LeaseLost):
                jobs.finish(conn, old, {"stale": True})
            assert jobs.fail(conn, old, "late error") is False
            with pytest.raises(jobs.LeaseLost):
                jobs.renew(conn, old)
        with other.begin() as conn:
            jobs.set_progress(conn, new, 5, 5)
            jobs.finish(conn, new, {"ok": True})
            row = jobs.get_job(conn, jid)
            assert (row["status"], row["result"], row["error"], row["attempts"]) == (
                "done",
                {"ok": True},
                None,
                2,
            )
    finally:
        other.close()


def test_run_job_refuses_a_job_it_did_not_claim(study) -> None:
    project, sid = study
    ran: list[int] = []
    jobs.register("mark", lambda p, job, report: ran.append(job["id"]) or {"ran": True})
    with project.begin() as conn:
        jid = jobs.enqueue(conn, "mark", {}, study_id=sid)
        held = jobs.claim(conn, jid)
    with pytest.raises(KvaliError, match=f"job {jid} is being run by another worker"):
        jobs.run_job(project, jid)
    forged = jobs.Claim(jid, "0" * 32, held.lease_until)
    with pytest.raises(KvaliError, match="not claimed with this token"):
        jobs.run_job(project, jid, claimed=forged)
    assert ran == []
    assert jobs.run_job(project, jid, claimed=held) == {"ran": True}  # the holder may run it
    assert ran == [jid]


def test_heartbeat_keeps_the_lease_while_the_handler_works(study) -> None:
    """No progress report for longer than the lease: the heartbeat must still hold the job."""
    project, sid = study
    other = _second(project)
    seen: list[object] = []

    def slow(p, job, report):  # noqa: ANN001 - the handler protocol
        time.sleep(2.5)  # the lease (1.5 s) would have lapsed twice over without renewal
        with other.begin() as conn:
            seen.append(jobs.claim(conn, job["id"]))
        report(1, 1, "done")
        return {}

    jobs.register("slow", slow)
    try:
        with project.begin() as conn:
            jid = jobs.enqueue(conn, "slow", {}, study_id=sid)
        jobs.run_job(project, jid, lease_s=1.5)
        assert seen == [None]
    finally:
        other.close()


def test_interrupted_run_gives_its_lease_up(study) -> None:
    project, sid = study

    def interrupted(p, job, report):  # noqa: ANN001 - the handler protocol
        report(1, 2, "half")
        raise KeyboardInterrupt

    jobs.register("interrupted", interrupted)
    with project.begin() as conn:
        jid = jobs.enqueue(conn, "interrupted", {}, study_id=sid)
    with pytest.raises(KeyboardInterrupt):
        jobs.run_job(project, jid)
    with project.begin() as conn:
        assert jobs.get_job(conn, jid)["status"] == "running"
        assert jobs.claim(conn, jid) is not None  # resumable at once, not after the lease


def test_a_worker_whose_job_was_taken_over_stops_without_writing(study) -> None:
    project, sid = study
    other = _second(project)
    taken: list[jobs.Claim] = []

    def stalls(p, job, report):  # noqa: ANN001 - the handler protocol
        report(1, 3, "one")
        with other.begin() as conn:  # this worker stalled past its lease; another takes over
            conn.execute(
                jobs_table.update()
                .where(jobs_table.c.id == job["id"])
                .values(lease_until=now() - timedelta(seconds=1))
            )
            taken.append(jobs.claim(conn, job["id"]))
        report(2, 3, "two")  # refused: the job is no longer this worker's
        return {"stale": True}

    jobs.register("stalls", stalls)
    try:
        with project.begin() as conn:
            jid = jobs.enqueue(conn, "stalls", {}, study_id=sid)
        with pytest.raises(jobs.LeaseLost, match=f"job {jid} was taken over"):
            jobs.run_job(project, jid)
        with project.begin() as conn:
            row = jobs.get_job(conn, jid)
            assert (row["status"], row["done"], row["result"], row["error"]) == (
                "running",
                1,
                None,
                None,
            )
            assert row["claim_token"] == taken[0].token  # still the new holder's
            actions = conn.execute(
                sa.text("SELECT action FROM events WHERE entity = 'job' ORDER BY id")
            ).scalars()
            assert list(actions) == ["enqueue", "claim", "claim"]  # no fail, no finish
    finally:
        other.close()
