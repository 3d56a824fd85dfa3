"""Analysis screens' API (blind coding, review, agreement, frameworks, coverage) and the
transcription job and talk statistics, through the test client on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kvali.web import create_app
from tests.conftest import snapshot
from tests.web.conftest import BASE_URL, TOKEN

NEW_PAGES = ["/blind", "/agreement", "/frameworks", "/coverage", "/talkstats", "/transcription"]


def as_user(web: dict[str, Any], name: str) -> TestClient:
    """A second researcher's workbench on the same project (coders are users)."""
    app = create_app(web["project"], token=TOKEN, user=name)
    return TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})


def span(web: dict[str, Any], needle: str) -> tuple[int, int]:
    from kvali.transcripts.service import get_text

    with web["project"].begin() as conn:
        text = get_text(conn, web["ids"]["t1"])
    s = text.index(needle)
    return s, s + len(needle)


def code(client: TestClient, web: dict[str, Any], code_id: int, needle: str) -> int:
    s, e = span(web, needle)
    r = client.post(
        "/api/codings",
        json={"transcript_id": web["ids"]["t1"], "code": code_id, "start": s, "end": e},
    )
    assert r.status_code == 201, r.text
    return r.json()["coding"][0]


def double_code(web: dict[str, Any]) -> dict[str, Any]:
    """Interview 1 blind for Forsker A and B: one exact agreement, one different code."""
    a, ids = web["client"], web["ids"]
    b = as_user(web, "Forsker B")
    r = a.post("/api/interviews/1/blind", json={"coders": "Forsker A, Forsker B"})
    assert r.status_code == 200 and r.json()["blind"] is True, r.text
    out = {
        "a_same": code(a, web, ids["share"], "Vi deler erfaringer"),
        "b_same": code(b, web, ids["share"], "Vi deler erfaringer"),
        "a_diff": code(a, web, ids["time"], "Uten tid blir det ingenting av det."),
        "b_diff": code(b, web, ids["share"], "Uten tid blir det ingenting av det."),
        "b": b,
    }
    return out


@pytest.mark.parametrize("path", NEW_PAGES)
def test_new_pages_and_json_twins(web, path):
    client = web["client"]
    html = client.get(path)
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    twin = client.get(path + ".json")
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    assert f'href="{path}"' in client.get("/overview").text  # in the navigation
    openapi = client.get("/openapi.json").json()["paths"]
    assert path in openapi and path + ".json" in openapi


def test_blind_coding_mark_done_review_and_resolve(web):
    a, project = web["client"], web["project"]
    ids = double_code(web)
    b = ids["b"]
    # Blind: each sees only their own codings, on the page and in the live state.
    mine = {c[0] for c in a.get("/interviews/1/transcript.json").json()["codings"]}
    theirs = {c[0] for c in b.get("/api/interviews/1/codings").json()["codings"]}
    assert mine == {ids["a_same"], ids["a_diff"]} and theirs == {ids["b_same"], ids["b_diff"]}
    page = a.get("/interviews/1/transcript").text
    assert 'id="blind-badge"' in page and 'id="mark-done"' in page
    # The review stays shut until both are done; refusing changes nothing.
    before = snapshot(project)
    r = a.get("/interviews/1/review.json")
    assert r.status_code == 422 and "still blind" in r.json()["error"]
    assert a.post("/api/interviews/1/review/accept-agreements", json={}).status_code == 422
    assert a.post("/api/interviews/1/blind", json={"coders": "Forsker A"}).status_code == 422
    assert a.post("/api/interviews/99/blind/done").status_code == 404
    assert snapshot(project) == before
    assert a.post("/api/interviews/1/blind/done").json()["blind"] is True
    state = b.post("/api/interviews/1/blind/done").json()
    assert state["open"] is True and all(c["done_at"] for c in state["coders"])
    assert len(a.get("/interviews/1/transcript.json").json()["codings"]) == 4
    rounds = a.get("/blind.json").json()["rounds"]
    assert rounds[0]["interview"] == "Intervju 1" and rounds[0]["open"] is True
    # Side by side: the different code is an item; the exact agreement is counted apart.
    rv = a.get("/interviews/1/review.json").json()
    assert rv["coders"] == ["Forsker A", "Forsker B"] and rv["agreements"] == 1
    (item,) = rv["items"]
    assert item["kind"] == "code" and item["text"] == "Uten tid blir det ingenting av det."
    assert [c["id"] for c in item["a"]] == [ids["a_diff"]]
    html = a.get("/interviews/1/review").text
    assert "Forsker B" in html and "Resolve" in html
    # Bad resolutions: no memo, take outside replace, span missing → 422, nothing changed.
    replace = [ids["a_diff"], ids["b_diff"]]
    before = snapshot(project)
    url = "/api/interviews/1/review/resolve"
    assert a.post(url, json={"replace": replace, "take": [ids["a_diff"]]}).status_code == 422
    bad = {"replace": replace, "take": [ids["a_same"]], "memo": "x"}
    assert a.post(url, json=bad).status_code == 422
    assert a.post(url, json={"replace": replace, "code": 1, "memo": "x"}).status_code == 422
    assert a.post(url, json={"replace": [999999], "memo": "x"}).status_code == 404
    assert snapshot(project) == before
    r = a.post(url, json={"replace": replace, "take": [ids["a_diff"]], "memo": "Tid, ikke deling"})
    assert r.status_code == 200, r.text
    assert len(r.json()["consensus_ids"]) == 1 and r.json()["memo_id"]
    assert a.post("/api/interviews/1/review/accept-agreements", json={}).json() == {"accepted": 1}
    rv = a.get("/interviews/1/review.json").json()
    assert rv["items"] == [] and rv["agreements"] == 0
    hist = rv["history"]
    assert [h["kind"] for h in hist] == ["consensus", "agree"]
    assert {c["coder"] for c in hist[0]["replaced"]} == {"Forsker A", "Forsker B"}
    assert hist[0]["consensus"][0]["code_id"] == web["ids"]["time"]


def test_review_without_blind_mode_needs_two_coders(web):
    client = web["client"]
    r = client.get("/interviews/1/review.json")
    assert r.status_code == 422 and "coder_a" in r.json()["error"]
    r = client.get("/interviews/1/review.json?coder_a=Forsker A&coder_b=Forsker A")
    assert r.status_code == 422


def test_agreement_page_levels_and_chart(web):
    a = web["client"]
    ids = double_code(web)
    a.post("/api/interviews/1/blind/done")
    ids["b"].post("/api/interviews/1/blind/done")
    q = "coder_a=Forsker A&coder_b=Forsker B"
    for level in ("char", "turn", "sentence"):
        res = a.get(f"/agreement.json?{q}&level={level}&uncoded=exclude").json()["result"]
        assert res["level"] == level and res["include_uncoded"] is False
        assert {c["code"] for c in res["codes"]} >= {"Samskaping/Deling/Tid"}
        assert res["transcripts"][0]["interview"] == "Intervju 1"
    html = a.get(f"/agreement?{q}").text
    assert "<svg" in html and "κ" in html
    auto = a.get("/agreement.json").json()
    assert sorted(auto["result"]["coders"]) == ["Forsker A", "Forsker B"]
    before = snapshot(web["project"])
    assert a.get(f"/agreement.json?{q}&level=word").status_code == 422
    assert a.get("/agreement.json?coder_a=Forsker A").status_code == 422
    assert a.get("/agreement.json?coder_a=Forsker A&coder_b=Nobody").status_code == 404
    assert snapshot(web["project"]) == before


def test_agreement_page_with_nothing_to_compare(web):
    data = web["client"].get("/agreement.json").json()
    assert data["result"] is None and data["message"]


def test_frameworks_matrix_evidence_and_qdc(web):
    client, ids, project = web["client"], web["ids"], web["project"]
    shipped = client.get("/frameworks.json?lang=nb").json()["shipped"]
    assert {s["key"] for s in shipped} >= {"irgens", "klev_levin"}
    r = client.post("/api/frameworks", json={"key": "irgens", "language": "nb"})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    own = client.post(
        "/api/frameworks",
        json={"name": "Eget", "items": [{"name": "Tid", "keywords": "tid, tirsdager"}]},
    ).json()["id"]
    item = client.post(f"/api/frameworks/{own}/items", json={"name": "Deling", "keywords": "deler"})
    assert item.status_code == 201
    fw = {f["id"]: f for f in client.get("/frameworks.json").json()["frameworks"]}
    assert [i["name"] for i in fw[own]["items"]] == ["Tid", "Deling"]
    tid_item = fw[own]["items"][0]["id"]
    link = client.post(f"/api/frameworks/{own}/items/{tid_item}/codes", json={"codes": "Tid"})
    assert link.json()["code_ids"] == [ids["time"]]
    coding = code(client, web, ids["time"], "Og det krever tid.")
    m = client.get(f"/frameworks/{own}/matrix.json").json()["matrix"]
    cell = m["rows"][0]["cells"][0]
    assert cell["column"] == "Intervju 1" and cell["suggested"] == "explicit"
    assert cell["passages"][0]["coding_id"] == coding
    assert m["rows"][1]["cells"][0]["suggested"] == "implicit"  # «deler» in a participant turn
    assert "◐" in client.get(f"/frameworks/{own}/matrix").text
    assert client.get(f"/frameworks/{own}/matrix.json?by=theme").json()["matrix"]["by"] == "theme"
    # Bad input changes nothing.
    before = snapshot(project)
    url = f"/api/frameworks/{own}/evidence"
    assert (
        client.put(url, json={"item": tid_item, "level": "maybe", "interview": 1}).status_code
        == 422
    )
    assert client.put(url, json={"item": tid_item, "level": "explicit"}).status_code == 422
    assert (
        client.put(url, json={"item": 99999, "level": "explicit", "interview": 1}).status_code
        == 404
    )
    bad = {"item": tid_item, "level": "explicit", "interview": 1, "coding_ids": [99999]}
    assert client.put(url, json=bad).status_code == 404
    assert (
        client.post("/api/frameworks", json={"key": "irgens", "language": "nb"}).status_code == 422
    )
    assert client.post("/api/frameworks", json={}).status_code == 422
    assert client.delete(f"{url}?item={tid_item}&interview=1").status_code == 404
    assert snapshot(project) == before
    body = {"item": tid_item, "level": "not_found", "interview": 2, "note": "Ikke i intervju 2"}
    assert client.put(url, json=body).status_code == 200
    cell = client.get(f"/frameworks/{own}/matrix.json").json()["matrix"]["rows"][0]["cells"][1]
    assert (cell["level"], cell["set"], cell["note"]) == ("not_found", True, "Ikke i intervju 2")
    assert client.delete(f"{url}?item={tid_item}&interview=2").json() == {"ok": True}
    assert not client.get(f"/frameworks/{own}/matrix.json").json()["matrix"]["rows"][0]["cells"][1][
        "set"
    ]
    # Export .qdc, and import it back under another name by upload.
    qdc = client.get(f"/frameworks/{fid}/export.qdc")
    assert qdc.status_code == 200 and b"CodeBook" in qdc.content
    assert "attachment" in qdc.headers["content-disposition"]
    before = snapshot(project)
    files = {"file": ("irgens.qdc", qdc.content, "application/xml")}
    assert client.post("/api/frameworks/upload", files=files).status_code == 422  # same name
    files = {"file": ("x.txt", b"hello", "text/plain")}
    assert client.post("/api/frameworks/upload", files=files).status_code == 422
    assert snapshot(project) == before
    renamed = qdc.content.replace(b"Irgens", b"Irgens kopi", 1)
    files = {"file": ("kopi.qdc", renamed, "application/xml")}
    r = client.post("/api/frameworks/upload", files=files)
    assert r.status_code == 201, r.text
    assert len(client.get("/frameworks.json").json()["frameworks"]) == 3


def test_guide_coverage_page(web):
    from kvali.guides.service import add_node

    client, project, sid = web["client"], web["project"], web["sid"]
    with project.begin() as conn:
        topic = add_node(conn, sid, text="Tid til samarbeid")
        add_node(conn, sid, text="Hvor mye tid har dere?", parent_id=topic)
        add_node(conn, sid, text="Økonomi og budsjett", parent_id=None)
    data = client.get("/coverage.json").json()["coverage"]
    assert data["study"]["never_touched"] == ["Økonomi og budsjett"]
    topics = {tp["text"]: tp for tp in data["study"]["topics"]}
    assert "Intervju 1" in topics["Tid til samarbeid"]["touched_in"]
    html = client.get("/coverage").text
    assert "✓" in html and "✗" in html and 'id="never-touched"' in html
    one = client.get("/coverage.json?interview=2").json()["coverage"]
    assert [iv["interview"] for iv in one["interviews"]] == ["Intervju 2"]
    assert client.get("/coverage.json?interview=77").status_code == 404


def test_audio_upload_runs_a_background_job_with_progress(web, monkeypatch):
    from kvali.jobs import service as jobs

    calls: list[dict] = []

    def fake(project, job, report):
        calls.append(job["params"])
        report(1, 4, "window 1 of 4")
        report(4, 4, "done")
        return {"turns": 0}

    monkeypatch.setitem(jobs.HANDLERS, "transcribe", fake)
    client, project = web["client"], web["project"]
    from kvali.interviews.service import add_interview

    with project.begin() as conn:
        add_interview(conn, web["sid"], label="Opptak", participants=[], mode="digital")
    iid = next(
        i["id"]
        for i in client.get("/interviews.json").json()["interviews"]
        if i["label"] == "Opptak"
    )
    before = snapshot(project)
    wav = {"file": ("opptak.wav", b"RIFF....WAVEfmt ", "audio/wav")}
    assert (
        client.post(f"/api/interviews/{iid}/audio", files={"file": ("a.txt", b"x")}).status_code
        == 422
    )
    assert client.post("/api/interviews/999/audio", files=wav).status_code == 404
    assert client.post("/api/interviews/1/audio", files=wav).status_code == 422  # has a transcript
    r = client.post(f"/api/interviews/{iid}/audio", files=wav, data={"speakers": "0"})
    assert r.status_code == 422
    assert snapshot(project) == before
    assert not list(project.media_dir.glob("*")) if project.media_dir.exists() else True
    queued = not project.is_sqlite  # PostgreSQL: the job goes to the queue, a worker runs it
    if queued:
        from kvali.jobs import distributed

        stop = distributed.Worker(project, lease=5, poll_s=0.2).start_thread()
    r = client.post(f"/api/interviews/{iid}/audio", files=wav, data={"language": "en"})
    assert r.status_code == 202, r.text
    jid = r.json()["job_id"]
    if queued:
        try:
            distributed.wait_for(project, jid)
        finally:
            stop()
        assert getattr(web["app"].state, "job_worker", None) is None  # none in the server
    else:
        web["app"].state.job_worker.shutdown(wait=True)
    job = client.get(f"/api/jobs/{jid}").json()
    assert (job["status"], job["done"], job["total"], job["fraction"]) == ("done", 4, 4, 1.0)
    assert calls[0]["interview"] == "Opptak" and calls[0]["language"] == "en"
    assert (project.path / r.json()["audio_path"]).is_file()
    assert client.get("/transcription.json").json()["jobs"][0]["id"] == jid
    assert client.get("/api/jobs/424242").status_code == 404


def test_job_view_estimates_time_left():
    from datetime import datetime, timedelta

    from kvali.web.routes.transcribe import job_view

    t0 = datetime(2024, 1, 1, 12, 0, 0)
    row = {
        "id": 1,
        "kind": "transcribe",
        "status": "running",
        "done": 60.0,
        "total": 240.0,
        "message": "",
        "error": None,
        "attempts": 1,
        "params": {"interview": "X"},
        "result": None,
        "started_at": t0,
        "updated_at": t0 + timedelta(seconds=30),
    }
    assert job_view(row)["eta_s"] == 90.0 and job_view(row)["fraction"] == 0.25


def test_talk_statistics_page(web):
    data = web["client"].get("/talkstats.json").json()
    per = {x["interview"]: x for x in data["interviews"]}
    assert per["Intervju 1"]["timed"] is True
    assert per["Intervju 1"]["interviewer_backchannels"] >= 1  # «Ja.»
    assert any(m["mode"] == "in_person" for m in data["modes"])
    html = web["client"].get("/talkstats").text
    assert "<svg" in html and "Intervju 1" in html


def test_edit_an_interview(web):
    client, project = web["client"], web["project"]
    before = snapshot(project)
    assert client.patch("/api/interviews/1", json={"mode": "telepathy"}).status_code == 422
    assert client.patch("/api/interviews/1", json={"label": " "}).status_code == 422
    assert client.patch("/api/interviews/1", json={"duration_min": -5}).status_code == 422
    assert client.patch("/api/interviews/1", json={"label": "Intervju 2"}).status_code in (409, 422)
    assert client.patch("/api/interviews/99", json={"label": "X"}).status_code == 404
    assert snapshot(project) == before
    body = {"label": "Intervju A", "date": "2024-03-05", "mode": "hybrid", "duration_min": 45}
    r = client.patch("/api/interviews/1", json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["label"], got["date"], got["mode"], got["duration_s"]) == (
        "Intervju A",
        "2024-03-05",
        "hybrid",
        2700,
    )
    assert 'data-method="PATCH"' in client.get("/interviews").text
