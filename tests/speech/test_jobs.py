"""The job queue on both backends: enqueue, run, progress, failure, resume from a checkpoint."""

from __future__ import annotations

import pytest

from kvali.errors import InputError, NotFoundError
from kvali.jobs import service as jobs


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
        assert jobs.claim(conn) == a
        assert jobs.claim(conn) == b
        assert jobs.claim(conn) is None
