"""The quotes page and its API: flags highlighted, accept one / all, keep, edit, settings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import write


@pytest.fixture
def dialect(web: dict[str, Any], tmp_path) -> dict[str, Any]:
    from kvali.codings.service import add_coding
    from kvali.interviews.service import add_interview
    from kvali.transcripts.service import get_text, import_transcript

    project, sid = web["project"], web["sid"]
    with project.begin() as conn:
        add_interview(conn, sid, label="Intervju 3", participants=["R1"])
        tid = import_transcript(
            conn,
            sid,
            "Intervju 3",
            write(tmp_path, "i3.txt", "I: Og tida?\nR1: Æ veit itj ka dokker vil med det.\n"),
        )
        text = get_text(conn, tid)
        a = text.index("Æ veit")
        cid = add_coding(
            conn, sid, transcript_id=tid, code="Tid", start=a, end=len(text), gold=True
        )
    return {**web, "cid": cid}


def test_page_highlights_flags_and_its_twin_answers_json(dialect):
    client, cid = dialect["client"], dialect["cid"]
    html = client.get("/quotes").text
    assert f'id="quote-{cid}"' in html and 'class="flag flag-dialect"' in html
    assert "/static/quotes.js" in html
    data = client.get("/quotes.json").json()
    q = next(q for q in data["quotes"] if q["coding_id"] == cid)
    assert [f["word"] for f in q["flags"]] == ["Æ", "itj", "ka", "dokker"]
    assert data["open"] >= 1 and data["settings"]["standard"] == "nb"


def test_accept_keep_edit_through_the_api(dialect):
    client, cid = dialect["client"], dialect["cid"]
    q = client.get("/quotes.json").json()["quotes"]
    flags = next(x for x in q if x["coding_id"] == cid)["flags"]
    itj = next(f for f in flags if f["word"] == "itj")
    r = client.post(f"/api/quotes/{cid}/accept", json={"start": itj["start"], "end": itj["end"]})
    assert r.status_code == 200, r.text
    assert r.json()["text"].startswith("Æ veit ikke ka") and r.json()["updated_by"] == "Forsker A"
    again = client.post(f"/api/quotes/{cid}/accept", json={"start": itj["start"]})
    assert again.status_code == 409  # that flag is gone: the page was out of date
    dok = next(f for f in r.json()["flags"] if f["word"] == "dokker")
    r = client.post(f"/api/quotes/{cid}/keep", json={"start": dok["start"]})
    assert r.json()["kept"] == ["dokker"]
    r = client.post(f"/api/quotes/{cid}/accept-all")
    assert r.json()["flags"] == [] and r.json()["text"] == "Jeg veit ikke hva dokker vil med det."
    r = client.put(f"/api/quotes/{cid}/rendering", json={"text": "Jeg vet ikke hva dere vil."})
    assert r.json()["rendering"] == "Jeg vet ikke hva dere vil." and r.json()[
        "verbatim"
    ].startswith("Æ")
    assert client.put(f"/api/quotes/{cid}/rendering", json={"text": ""}).status_code == 422
    r = client.put("/api/quotes/settings", json={"report_quotes": "verbatim", "conservative": True})
    assert r.json() == {"standard": "nb", "conservative": True, "report_quotes": "verbatim"}
    assert client.post("/api/quotes/999999/accept-all").status_code == 404


def test_reports_page_counts_open_quotes_and_the_view_prints_renderings(dialect):
    client, cid = dialect["client"], dialect["cid"]
    data = client.get("/reports", headers={"Accept": "application/json"}).json()
    assert data["quotes"]["open"] >= 1 and data["quotes"]["mode"] == "published"
    assert 'href="/quotes"' in client.get("/reports").text
    assert client.post(f"/api/quotes/{cid}/accept-all").status_code == 200
    view = client.get("/reports/view").text
    assert "Jeg veit ikke hva dere vil med det." in view and "Æ veit itj" not in view
    data = client.get("/reports", headers={"Accept": "application/json"}).json()
    assert data["quotes"]["rendered"] == 1
