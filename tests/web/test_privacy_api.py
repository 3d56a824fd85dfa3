"""The pseudonymization screen's API on SQLite and PostgreSQL: the study list, detection, review
(per occurrence, per name everywhere, in bulk from a score), missed spans, categories, apply,
the key shown with its passphrase and destroyed; bad input is a 4xx and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("spacy")

from kvali.privacy import vault  # noqa: E402
from kvali.transcripts.service import get_text  # noqa: E402
from tests.conftest import snapshot  # noqa: E402

PASS = "correct horse battery staple"
NAMES = ("Ingrid", "Fjellvang", "Romsdal", "teamlederne")


def interview_ids(client: Any) -> dict[str, int]:
    return {i["label"]: i["id"] for i in client.get("/pseudonymize.json").json()["interviews"]}


def by_text(client: Any, **params: Any) -> dict[str, dict[str, Any]]:
    rows = client.get("/pseudonymize.json", params=params).json()["suggestions"]
    return {r["text"]: r for r in rows}


def test_review_apply_show_key_and_destroy(web):
    client, project = web["client"], web["project"]
    ivs = interview_ids(client)
    html = client.get("/pseudonymize").text
    for needle in ('id="pz-term-add"', 'id="pz-detect"', 'id="pz-apply"', 'type="password"'):
        assert needle in html
    assert 'href="/pseudonymize" aria-current="page"' in html
    assert "Pseudonymisering" in client.get("/pseudonymize?lang=nb").text
    # Study list: add, remove.
    r = client.post("/api/privacy/terms", json={"term": "Fjellvang skole", "label": "ORG"})
    assert r.status_code == 201, r.text
    gone = client.post("/api/privacy/terms", json={"term": "Nordbø", "label": "LOC"}).json()["id"]
    assert client.delete(f"/api/privacy/terms/{gone}").json() == {"removed": gone}
    terms = client.get("/pseudonymize.json").json()["terms"]
    assert [x["term"] for x in terms] == ["Fjellvang skole"]
    # Detection for the study; filters.
    r = client.post("/api/privacy/detect", json={})
    assert r.status_code == 200 and r.json()["suggestions"] >= 3, r.text
    rows = by_text(client)
    assert {"Ingrid Berg", "Fjellvang skole", "Romsdal"} <= rows.keys()
    assert rows["Fjellvang skole"]["source"] == "list" and rows["Fjellvang skole"]["score"] == 1.0
    assert "[Romsdal]" in rows["Romsdal"]["context"] and rows["Romsdal"]["status"] == "pending"
    assert set(by_text(client, label="LOC")) == {"Romsdal"}
    assert set(by_text(client, source="list")) == {"Fjellvang skole"}
    assert set(by_text(client, interview=ivs["Intervju 2"])) == {"Romsdal"}
    assert "Romsdal" not in by_text(client, min_score=0.95)
    # One occurrence; a name everywhere (reject, then accept again); the rest in bulk.
    sid = rows["Ingrid Berg"]["id"]
    assert client.post(f"/api/privacy/suggestions/{sid}/reject").json()["suggestions"] == 1
    assert set(by_text(client, status="rejected")) == {"Ingrid Berg"}
    assert client.post(f"/api/privacy/suggestions/{sid}/reset").json()["status"] == "pending"
    assert client.post(f"/api/privacy/suggestions/{sid}/accept").status_code == 200
    ent = rows["Romsdal"]["entity_id"]
    assert client.post(f"/api/privacy/entities/{ent}/reject").json()["suggestions"] == 1
    entities = {e["id"]: e for e in client.get("/pseudonymize.json").json()["entities"]}
    assert entities[ent]["status"] == "rejected"
    assert client.post(f"/api/privacy/entities/{ent}/accept").status_code == 200
    r = client.post("/api/privacy/suggestions/accept", json={"all": True, "min_score": 0.5})
    assert r.status_code == 200 and r.json()["suggestions"] >= 1, r.text
    assert client.get("/pseudonymize.json").json()["counts"]["pending"] == 0
    # Categories: one name, a whole label.
    eid = rows["Ingrid Berg"]["entity_id"]
    r = client.put(f"/api/privacy/entities/{eid}/category", json={"category": "navn på lærer"})
    assert r.json()["category"] == "navn på lærer"
    r = client.put("/api/privacy/labels/LOC/category", json={"category": "navn på region"})
    assert r.json()["entities"] == 1
    # Missed names: by text in one interview, and by a selection (code-point offsets).
    r = client.post(
        "/api/privacy/spans",
        json={"label": "ORG", "text": "nettverket", "interview": ivs["Intervju 2"]},
    )
    assert r.status_code == 201 and r.json() == {"added": 2}, r.text
    view = client.get(f"/pseudonymize.json?view={ivs['Intervju 1']}").json()["view"]
    with project.begin() as conn:
        assert view["text"] == get_text(conn, web["ids"]["t1"])
    start = view["text"].index("teamlederne")
    r = client.post(
        "/api/privacy/spans",
        json={"label": "MISC", "interview": ivs["Intervju 1"], "start": start, "end": start + 11},
    )
    assert r.status_code == 201, r.text
    view = client.get(f"/pseudonymize.json?view={ivs['Intervju 1']}").json()["view"]
    assert {"start": start, "end": start + 11} in [
        {k: m[k] for k in ("start", "end")} for m in view["marks"]
    ]
    assert "<mark" in client.get(f"/pseudonymize?view={ivs['Intervju 1']}").text
    # Apply: counts back, the passphrase nowhere in the answer.
    r = client.post("/api/privacy/apply", json={"style": "thesis", "passphrase": PASS})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["transcripts"] == 2 and out["replacements"] >= 6 and PASS not in r.text
    for label, iid in ivs.items():
        page = client.get(f"/interviews/{iid}/transcript").text
        data = client.get(f"/interviews/{iid}/transcript.json").text
        for name in NAMES:
            assert name not in page and name not in data, (label, name)
    assert "xxx (navn på lærer)" in client.get(f"/interviews/{ivs['Intervju 1']}/transcript").text
    state = client.get("/pseudonymize.json").json()
    assert state["key_exists"] and state["suggestions"] == [] and state["terms"] == []
    assert state["last_apply"]["replacements"] == out["replacements"]
    assert all(e["text"] is None for e in state["entities"])
    assert 'id="pz-key-show"' in client.get("/pseudonymize").text
    # The key with the passphrase; then destroyed for good.
    r = client.post("/api/privacy/key", json={"passphrase": PASS})
    assert r.status_code == 200 and PASS not in r.text
    key = {e["original"]: e["replacement"] for e in r.json()["entries"]}
    assert key["Ingrid Berg"] == "xxx (navn på lærer)" and key["Romsdal"] == "xxx (navn på region)"
    r = client.post("/api/privacy/key/destroy", json={"confirm": "destroy"})
    assert r.json() == {"destroyed": True}
    assert not vault.default_path(project.path).exists()
    assert client.post("/api/privacy/key", json={"passphrase": PASS}).status_code == 404
    assert 'id="pz-no-key"' in client.get("/pseudonymize").text


def test_bad_input_is_4xx_and_changes_nothing(web):
    client, project = web["client"], web["project"]
    ivs = interview_ids(client)
    assert client.post("/api/privacy/detect", json={}).status_code == 200
    rows = by_text(client)
    sid, eid = rows["Romsdal"]["id"], rows["Romsdal"]["entity_id"]
    before = snapshot(project)
    cases: list[tuple[str, str, dict | None, int, str]] = [
        ("post", "/api/privacy/suggestions/99999/accept", None, 404, "no suggestion 99999"),
        ("post", "/api/privacy/suggestions/accept", {"ids": [sid, 99999]}, 404, "99999"),
        ("post", "/api/privacy/suggestions/reject", {"ids": []}, 422, "at least one"),
        ("post", "/api/privacy/suggestions/accept", {"ids": [sid], "min_score": 0.5}, 422, "all"),
        (
            "post",
            "/api/privacy/suggestions/accept",
            {"all": True, "min_score": 2},
            422,
            "min_score",
        ),
        ("post", f"/api/privacy/suggestions/{sid}/maybe", None, 422, "decision"),
        ("post", "/api/privacy/entities/99999/reject", None, 404, "no entity"),
        ("put", "/api/privacy/entities/99999/category", {"category": "x"}, 404, "no entity"),
        ("put", f"/api/privacy/entities/{eid}/category", {"category": "  "}, 422, "empty"),
        ("put", "/api/privacy/labels/XYZ/category", {"category": "x"}, 422, "label"),
        ("post", "/api/privacy/terms", {"term": " ", "label": "PER"}, 422, "empty"),
        ("post", "/api/privacy/terms", {"term": "Kari", "label": "NAME"}, 422, "label"),
        ("delete", "/api/privacy/terms/99999", None, 404, "no study-list term"),
        ("post", "/api/privacy/detect", {"interview": "Intervju 9"}, 404, "Intervju 9"),
        ("post", "/api/privacy/spans", {"label": "PER", "text": "Zzyzx"}, 404, "nothing matched"),
        ("post", "/api/privacy/spans", {"label": "PER", "start": 0, "end": 4}, 422, "interview"),
        ("post", "/api/privacy/spans", {"label": "PER"}, 422, "select text"),
        (
            "post",
            "/api/privacy/spans",
            {"label": "PER", "interview": ivs["Intervju 1"], "start": 5, "end": 10**6},
            422,
            "outside the text",
        ),
        ("post", "/api/privacy/apply", {"style": "fancy", "passphrase": PASS}, 422, "style"),
        ("post", "/api/privacy/apply", {"style": "tags", "passphrase": "short"}, 422, "8"),
        ("post", "/api/privacy/apply", {"style": "tags"}, 422, "passphrase"),
        ("post", "/api/privacy/key", {"passphrase": PASS}, 404, "no key file"),
        ("post", "/api/privacy/key/destroy", {"confirm": "destroy"}, 404, "no key file"),
    ]
    for method, url, body, status, needle in cases:
        r = client.request(method.upper(), url, json=body)
        assert r.status_code == status, (url, body, r.text)
        assert needle in r.json()["error"] and PASS not in r.text, (url, r.text)
    assert client.get("/pseudonymize.json?status=maybe").status_code == 422
    assert client.get("/pseudonymize.json?view=Intervju%209").status_code == 404
    assert snapshot(project) == before
    # With a key: a wrong passphrase and a wrong confirmation change nothing.
    r = client.post("/api/privacy/apply", json={"style": "tags", "passphrase": PASS})
    assert r.status_code == 200, r.text
    path = vault.default_path(project.path)
    key_bytes, before = path.read_bytes(), snapshot(project)
    wrong = "not the passphrase"
    for url, body, status in [
        ("/api/privacy/apply", {"style": "tags", "passphrase": wrong}, 400),
        ("/api/privacy/detect", {"passphrase": wrong}, 400),
        ("/api/privacy/key", {"passphrase": wrong}, 400),
        ("/api/privacy/key/destroy", {"confirm": "yes"}, 422),
    ]:
        r = client.post(url, json=body)
        assert r.status_code == status, (url, r.text)
        assert wrong not in r.text and PASS not in r.text
    assert "wrong passphrase" in client.post("/api/privacy/key", json={"passphrase": wrong}).text
    assert snapshot(project) == before and path.read_bytes() == key_bytes


def test_openapi_and_catalogues(web):
    paths = web["client"].get("/openapi.json").json()["paths"]
    for p in (
        "/pseudonymize.json",
        "/api/privacy/terms",
        "/api/privacy/terms/{term_id}",
        "/api/privacy/detect",
        "/api/privacy/suggestions/{decision}",
        "/api/privacy/suggestions/{suggestion_id}/{decision}",
        "/api/privacy/entities/{entity_id}/{decision}",
        "/api/privacy/entities/{entity_id}/category",
        "/api/privacy/labels/{label}/category",
        "/api/privacy/spans",
        "/api/privacy/apply",
        "/api/privacy/key",
        "/api/privacy/key/destroy",
    ):
        assert p in paths, p
