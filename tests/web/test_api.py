"""The workbench API through FastAPI's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from fastapi.testclient import TestClient

from kvali.web import create_app
from tests.conftest import snapshot
from tests.web.conftest import BASE_URL, TOKEN

PAGES = [
    "/overview",
    "/guide",
    "/participants",
    "/interviews",
    "/codebook",
    "/search?q=tid",
    "/reports",
    "/memos",
    "/events",
    "/participants/R1/withdraw",
]


def test_token_required_and_nothing_changes(web):
    project = web["project"]
    anon = TestClient(web["app"], base_url=BASE_URL)
    before = snapshot(project)
    assert anon.get("/overview").status_code == 401
    assert anon.get("/overview.json").json()["error"].startswith("missing access token")
    assert anon.post("/api/codes", json={"name": "X"}).status_code == 401
    assert anon.post("/api/codes?token=nope", json={"name": "X"}).status_code == 403
    bad = {"Authorization": "Bearer nope"}
    assert anon.post("/api/codes", json={"name": "X"}, headers=bad).status_code == 403
    assert anon.get("/static/app.css").status_code == 401
    assert anon.get("/openapi.json").status_code == 401
    assert snapshot(project) == before
    # The token once in the URL, then an HttpOnly SameSite=Strict cookie.
    r = anon.get(f"/overview?token={TOKEN}")
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "kvali_token=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert anon.get("/overview.json").status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_its_json_twin(web, path):
    client = web["client"]
    html = client.get(path)
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    base, _, query = path.partition("?")
    twin = client.get(base + ".json" + ("?" + query if query else ""))
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    accept = client.get(path, headers={"Accept": "application/json"})
    assert accept.json() == twin.json() or base in ("/events", "/reports")


def test_overview_progress_per_interview(web):
    client, ids, project = web["client"], web["ids"], web["project"]
    from kvali.db import schema as t

    with project.begin() as conn:
        conn.execute(
            t.transcripts.update().where(t.transcripts.c.id == ids["t2"]).values(pseudonymized=True)
        )
    client.post(
        "/api/codings", json={"transcript_id": ids["t1"], "code": ids["time"], "start": 0, "end": 5}
    )
    progress = {p["label"]: p for p in client.get("/overview.json").json()["progress"]}
    assert progress["Intervju 1"] | {} == progress["Intervju 1"]
    assert (progress["Intervju 1"]["transcribed"], progress["Intervju 1"]["coded"]) == (True, True)
    assert progress["Intervju 1"]["pseudonymized"] is False
    assert progress["Intervju 2"]["pseudonymized"] is True
    assert progress["Intervju 2"]["coded"] is False
    html = client.get("/overview").text
    assert "Progress per interview" in html and "Pseudonymized" in html


def test_openapi_describes_the_api(web):
    paths = web["client"].get("/openapi.json").json()["paths"]
    for p in (
        "/api/codings",
        "/api/codings/{coding_id}",
        "/api/codes/{code_id}/merge",
        "/overview.json",
        "/reports/download/{fmt}",
        "/interviews/{interview_id}/transcript.json",
    ):
        assert p in paths


def test_code_a_span_with_code_points(study, tmp_path):
    """Offsets are code points: text after an emoji is coded where the server expects it."""
    from kvali.interviews.service import add_interview
    from kvali.transcripts.service import get_text, import_transcript
    from tests.helpers import write
    from tests.web.conftest import EMOJI_TRANSCRIPT

    project, sid = study
    with project.begin() as conn:
        add_interview(conn, sid, label="E", participants=[])
        tid = import_transcript(conn, sid, "E", write(tmp_path, "e.txt", EMOJI_TRANSCRIPT))
        text = get_text(conn, tid)
    client = TestClient(
        create_app(project, token=TOKEN),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    start = text.index("vi deler erfaringer")
    r = client.post(
        "/api/codings",
        json={
            "transcript_id": tid,
            "new_code": "Deling",
            "start": start,
            "end": start + 19,
            "gold": True,
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["detail"]["text"] == "vi deler erfaringer" and body["detail"]["is_gold"]
    assert body["coding"][2:] == [start, start + 19, 1]
    assert any(c["name"] == "Deling" for c in body["codes"])
    state = client.get("/interviews/1/transcript.json").json()
    assert state["codings"] == [body["coding"]]
    assert "".join(t[6] + "\n" for t in state["turns"])[:-1] == text


def test_bad_requests_are_4xx_and_change_nothing(web):
    client, ids, project, sid = web["client"], web["ids"], web["project"], web["sid"]
    from kvali.codes.service import create_code
    from kvali.studies.service import create_study

    with project.begin() as conn:
        other = create_study(conn, title="Other study")
        foreign = create_code(conn, other, name="Fremmed")
    before = snapshot(project)
    cases = [
        ({"transcript_id": 999, "code": ids["time"], "start": 0, "end": 3}, 404),
        ({"transcript_id": ids["t1"], "code": ids["time"], "start": 5, "end": 10**6}, 422),
        ({"transcript_id": ids["t1"], "code": ids["time"], "start": 8, "end": 3}, 422),
        ({"transcript_id": ids["t1"], "code": foreign, "start": 0, "end": 3}, 404),
        ({"transcript_id": ids["t1"], "code": "No such code", "start": 0, "end": 3}, 404),
        ({"transcript_id": ids["t1"], "start": 0, "end": 3}, 422),
        ({"transcript_id": "x", "code": 1, "start": 0, "end": 3}, 422),
        ({"transcript_id": ids["t1"], "new_code": "a/b", "start": 0, "end": 3}, 422),
    ]
    for body, status in cases:
        r = client.post("/api/codings", json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]
    assert client.patch("/api/codings/999", json={"gold": True}).status_code == 404
    assert client.delete("/api/codings/999").status_code == 404
    assert client.get("/interviews/999/transcript.json").status_code == 404
    assert client.get("/api/transcripts/999/turns").status_code == 404
    assert client.post("/api/codes/999/merge", json={"into": ids["time"]}).status_code == 404
    assert (
        client.post(f"/api/codes/{ids['time']}/merge", json={"into": ids["time"]}).status_code
        == 422
    )
    assert client.get("/reports/download/pdf").status_code == 422
    r = client.post("/api/participants/R1/withdraw", json={"confirm": "R2"})
    assert r.status_code == 422 and "nothing was erased" in r.json()["error"]
    assert (
        client.post("/api/participants/R404/withdraw", json={"confirm": "R404"}).status_code == 404
    )
    assert client.get("/interviews/999/transcript").headers["content-type"].startswith("text/html")
    assert snapshot(project) == before
    assert sid


def test_gold_recode_memo_and_remove(web):
    client, ids = web["client"], web["ids"]
    r = client.post(
        "/api/codings", json={"transcript_id": ids["t1"], "code": "Tid", "start": 10, "end": 30}
    ).json()
    cid = r["coding"][0]
    assert r["detail"]["coder"] == "Forsker A"
    assert client.patch(f"/api/codings/{cid}", json={"gold": True}).json()["coding"][4] == 1
    moved = client.patch(f"/api/codings/{cid}", json={"code": "Deler erfaringer"}).json()
    new_id = moved["coding"][0]
    assert moved["replaced"] == cid and moved["detail"]["code"] == "Deler erfaringer"
    assert moved["detail"]["is_gold"] and moved["coding"][2:4] == [10, 30]
    assert (
        client.post(f"/api/codings/{new_id}/memos", json={"text": "Sterkt sitat"}).status_code
        == 201
    )
    detail = client.get(f"/api/codings/{new_id}").json()
    assert [m["text"] for m in detail["memos"]] == ["Sterkt sitat"]
    assert client.delete(f"/api/codings/{new_id}").json() == {"ok": True}
    assert client.get("/api/interviews/1/codings").json()["codings"] == []
    assert client.delete(f"/api/codings/{new_id}").status_code == 422


def test_codebook_tree_operations_and_history(web):
    client, ids = web["client"], web["ids"]
    new = client.post("/api/codes", json={"name": "Tillit", "parent": "Deling"}).json()["id"]
    assert (
        client.post(f"/api/codes/{new}/rename", json={"name": "Tillit i team"}).status_code == 200
    )
    assert client.post(f"/api/codes/{new}/move", json={"parent": "Nettverk"}).status_code == 200
    client.post(
        "/api/codings", json={"transcript_id": ids["t1"], "code": new, "start": 0, "end": 4}
    )
    assert client.post(f"/api/codes/{new}/merge", json={"into": "Faglig påfyll"}).json() == {
        "codings_moved": 1
    }
    split = client.post(f"/api/codes/{ids['time']}/split", json={"into": "Tid A, Tid B"}).json()
    assert set(split["codes"]) == {"Tid A", "Tid B"}
    assert client.post("/api/cycles", json={"name": "Runde 2"}).json() == {"number": 2}
    book = client.get("/codebook.json").json()
    assert [h["kind"] for h in book["history"]] == ["rename", "move", "merge", "split"]
    assert book["history"][2]["from"] == ["Tillit i team"]
    assert [c["number"] for c in book["cycles"]] == [1, 2]
    page = client.get("/codebook").text
    assert "Cycle history" in page and "Tillit i team" in page


def test_participants_interviews_guide_memos(web, tmp_path):
    client = web["client"]
    assert (
        client.post(
            "/api/participants",
            json={
                "code": "R3",
                "attributes": "skoletype=ungdomsskole\når=3",
                "consent_date": "2022-04-01",
            },
        ).status_code
        == 201
    )
    r = client.put("/api/participants/R3/attributes", json={"attributes": {"år": "4"}}).json()
    assert r["attributes"] == {"skoletype": "ungdomsskole", "år": "4"}
    assert (
        client.post(
            "/api/participants/R3/member-check", json={"status": "approved", "comments": "OK"}
        ).status_code
        == 200
    )
    assert (
        client.post("/api/participants/R3/member-check", json={"status": "maybe"}).status_code
        == 422
    )
    iid = client.post(
        "/api/interviews",
        json={"label": "Intervju 3", "participants": "R3", "mode": "hybrid", "duration_min": "50"},
    ).json()["id"]
    up = client.post(
        f"/api/interviews/{iid}/transcript",
        files={"file": ("i3.txt", "I: Hei?\nR3: Vi deler alt. 😀\n".encode())},
    )
    assert up.status_code == 201, up.text
    rows = {i["label"]: i for i in client.get("/interviews.json").json()["interviews"]}
    assert rows["Intervju 3"]["duration_s"] == 3000 and rows["Intervju 3"]["mode"] == "hybrid"
    plan = client.get("/participants/R3/withdraw.json").json()["plan"]
    assert plan["interviews_deleted"] == ["Intervju 3"] and plan["turns"] == 2
    assert "Intervju 3" in client.get("/participants/R3/withdraw").text
    done = client.post("/api/participants/R3/withdraw", json={"confirm": "R3"}).json()
    assert done["interviews_deleted"] == ["Intervju 3"]
    assert client.get("/participants.json").json()["participants"][-1]["withdrawn"] is True
    md = "# G\n\n## Samarbeid\n\n- Hvordan deler dere?\n  - tid\n"
    assert client.put("/api/guide", json={"markdown": md}).json()["keywords"] == 1
    topic = client.get("/guide.json").json()["guide"]["topics"][0]
    assert (
        client.post(
            "/api/guide/nodes", json={"text": "Hva hindrer?", "parent_id": topic["id"]}
        ).status_code
        == 201
    )
    assert client.put("/api/guide", json={"markdown": "no topics"}).status_code == 422
    assert (
        client.post(
            "/api/memos", json={"text": "Min forforståelse", "kind": "reflexivity"}
        ).status_code
        == 201
    )
    memos = client.get("/memos.json?kind=reflexivity").json()["memos"]
    assert [m["text"] for m in memos] == ["Min forforståelse"]
    assert client.patch(f"/api/memos/{memos[0]['id']}", json={"text": "Endret"}).status_code == 200
    assert client.get("/events.json?entity=memo").json()["events"][0]["action"] == "update"


def test_search_filters(web):
    client, ids = web["client"], web["ids"]
    hits = client.get("/search.json?q=tid").json()["hits"]
    assert {h["interview"] for h in hits} == {"Intervju 1", "Intervju 2"}
    assert all(h["interview_id"] for h in hits)
    assert {
        h["interview"] for h in client.get("/search.json?q=tid&mode=digital").json()["hits"]
    } == {"Intervju 2"}
    by_attr = client.get("/search.json", params={"q": "tid", "attr": "skoletype=barneskole"}).json()
    assert {h["interview"] for h in by_attr["hits"]} == {"Intervju 1"}
    turns = client.get("/interviews/2/transcript.json").json()["turns"]
    s = next(t[4] for t in turns if t[6].startswith("Tid er alltid"))
    r = client.post(
        "/api/codings", json={"transcript_id": ids["t2"], "code": "Tid", "start": s, "end": s + 6}
    )
    assert r.status_code == 201
    coded = client.get(f"/search.json?q=tid&code={ids['time']}").json()["hits"]
    assert {h["interview"] for h in coded} == {"Intervju 2"}
    assert client.get("/search.json?q=tid&attr=bad").status_code == 422


@pytest.mark.parametrize("fmt", ["md", "html", "docx", "xlsx", "csv", "json"])
def test_report_downloads(web, fmt):
    client = web["client"]
    client.post(
        "/api/codings",
        json={
            "transcript_id": web["ids"]["t1"],
            "code": "Tid",
            "start": 120,
            "end": 160,
            "gold": True,
        },
    )
    r = client.get(f"/reports/download/{fmt}?lang=nb")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
        assert "Test study" in text
    elif fmt == "csv":
        names = set(zipfile.ZipFile(io.BytesIO(r.content)).namelist())
        assert {"analysis_model.csv", "theme_matrix.csv", "condensation.csv"} <= names
    elif fmt in ("md", "html", "json"):
        assert "Test study" in r.text
    assert not any((web["project"].exports_dir).iterdir())


def test_language_switch(web):
    client = web["client"]
    r = client.get("/lang/nb?next=/codebook", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/codebook"
    client.cookies.set("kvali_lang", "nb")
    assert "Kodebok" in client.get("/codebook").text and 'lang="nb"' in client.get("/overview").text
    evil = client.get("/lang/xx?next=//evil.example", follow_redirects=False)
    assert evil.headers["location"] == "/"


def test_two_clients_coding_at_once_lose_nothing(web):
    import threading

    ids, app = web["ids"], web["app"]
    clients = [
        TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})
        for _ in range(2)
    ]
    errors: list[str] = []

    def work(k: int) -> None:
        for i in range(10):
            r = clients[k].post(
                "/api/codings",
                json={
                    "transcript_id": ids["t1"],
                    "code": "Tid",
                    "start": i * 10 + k,
                    "end": i * 10 + k + 5,
                },
            )
            if r.status_code != 201:
                errors.append(r.text)

    before = clients[0].get("/api/events/latest").json()["id"]
    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    state = clients[1].get("/api/interviews/1/codings").json()
    assert len(state["codings"]) == 20 and state["event_id"] > before


def test_serve_binds_localhost_and_prints_tokenised_url(study, monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from kvali.cli import cli

    project, _ = study
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    result = CliRunner().invoke(
        cli, ["-p", str(project.path), "serve", "--token", "abc", "--port", "0"]
    )
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["app"].state.token == "abc"
    assert f"http://127.0.0.1:{seen['port']}/?token=abc" in result.output
    result = CliRunner().invoke(cli, ["-p", str(project.path), "serve"])
    assert "?token=" in result.output and seen["app"].state.token in result.output


def test_every_page_sits_under_a_stage_with_its_state(web):
    from kvali.web.nav import PAGES, current_stage

    client = web["client"]
    html = client.get("/overview").text
    for stage in ("Study", "Data", "Coding", "Analysis", "Report"):
        assert f'class="stage-name" id="stage-{stage.lower()}">{stage}<' in html
    for _stage, href, _label in PAGES:
        assert f'href="{href}"' in html
    assert "0 of 2 interviews checked" in html and "pseudonymized: 0 of 2" in html
    nb = client.get("/interviews?lang=nb").text
    assert "0 av 2 intervjuer kontrollert" in nb and ">Analyse<" in nb
    # Pages reached from others belong to a stage too.
    iid = client.get("/interviews.json").json()["interviews"][0]["id"]
    assert current_stage(f"/interviews/{iid}/transcript") == "coding"
    assert current_stage("/participants/R1/withdraw") == "study"
    assert current_stage("/frameworks/1/matrix") == "analysis"
    screen = client.get(f"/interviews/{iid}/transcript").text
    assert 'class="stage current">\n        <span class="stage-name" id="stage-coding">' in screen


def test_retrieve_page_twin_exports_and_codebook_links(web):
    from kvali.codings.service import code_quote

    client, project, sid = web["client"], web["project"], web["sid"]
    with project.begin() as conn:
        code_quote(
            conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.", coder="Forsker A"
        )
        code_quote(conn, sid, interview="Intervju 2", code="Deler erfaringer", quote="Vi deler erfaringer i team.", coder="Forsker A")  # fmt: skip
    theme = web["ids"]["theme"]
    book = client.get("/codebook").text
    assert f'href="/retrieve?code={theme}"' in book  # the theme rolls up its codes' codings
    assert '<span class="total">2</span>' in book
    twin = client.get(f"/retrieve.json?code={theme}").json()
    assert twin["result"]["counts"] == {
        "passages": 2,
        "interviews": 2,
        "per_interview": {"Intervju 1": 1, "Intervju 2": 1},
        "per_code": {"Samskaping/Deling/Tid": 1, "Samskaping/Deling/Deler erfaringer": 1},
    }
    assert twin["options"]["attributes"]["skoletype"] == ["barneskole", "ungdomsskole"]
    only = client.get(f"/retrieve.json?code={theme}&attr=skoletype%3Dungdomsskole&mode=&coder=")
    assert [p["interview"] for p in only.json()["result"]["passages"]] == ["Intervju 2"]
    assert client.get(f"/retrieve.json?code={theme}&attr=nonsense").status_code == 422
    html = client.get(f"/retrieve?code={theme}&mode=in_person&lang=nb").text
    assert "1 passasjer i 1 intervjuer" in html and "Åpne i transkripsjonen" in html
    assert "#at=" in html
    csv_ = client.get(f"/retrieve/export.csv?code={theme}")
    assert csv_.headers["content-type"].startswith("text/csv")
    assert "Vi deler erfaringer i team." in csv_.content.decode("utf-8-sig")
    docx = client.get(f"/retrieve/export.docx?code={theme}")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert client.get("/retrieve/export.csv?code=99999").status_code == 404


def test_cli_coding_retrieve(web, tmp_path):
    import json

    from click.testing import CliRunner

    from kvali.cli import cli as main
    from kvali.codings.service import code_quote

    project, sid = web["project"], web["sid"]
    with project.begin() as conn:
        code_quote(
            conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.", coder="Forsker A"
        )
    runner = CliRunner()
    base = ["--project", str(project.path), "--user", "Forsker A"]
    out = runner.invoke(main, [*base, "coding", "retrieve", "Samskaping", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["counts"]["passages"] == 1
    out = runner.invoke(main, [*base, "coding", "retrieve", "Deling"])
    assert "«Tid er alt.»" in out.output and "Intervju 1" in out.output
    target = tmp_path / "p.docx"
    out = runner.invoke(main, [*base, "coding", "retrieve", "Tid", "--export", str(target)])
    assert out.exit_code == 0 and target.read_bytes()[:2] == b"PK"


def test_charts_page_and_overview_progress(web):
    from kvali.codings.service import add_coding

    client, project, sid, ids = web["client"], web["project"], web["sid"], web["ids"]
    with project.begin() as conn:
        add_coding(
            conn, sid, transcript_id=ids["t1"], code="Tid", start=0, end=10, coder="Forsker A"
        )
    twin = client.get("/charts.json").json()
    assert twin["heatmap"][0]["cells"][0]["count"] == 1 and twin["max"] == 1
    html = client.get("/charts?lang=nb").text
    assert "Temaer × intervjuer" in html and 'data-color="#5b9bd5"' in html
    overview = client.get("/overview.json").json()
    assert overview["coding_progress"][0]["coded_chars"] == 10
    assert "% of the text coded" in client.get("/overview").text
