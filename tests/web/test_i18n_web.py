"""The workbench speaks the catalogue: pages and service errors in the language the user chose."""

from __future__ import annotations

from typing import Any


def test_service_error_in_bokmal_in_the_workbench(web: dict[str, Any]) -> None:
    client = web["client"]
    body = {"transcript_id": web["ids"]["t1"], "start": 0, "end": 5}
    nb = client.post("/api/codings?lang=nb", json=body)
    en = client.post("/api/codings?lang=en", json=body)
    assert nb.status_code == en.status_code == 422
    assert nb.json()["error"] == "oppgi en kode (code) eller en ny (new_code)"
    assert en.json()["error"] == "name a code (code) or a new one (new_code)"
    client.cookies.set("kvali_lang", "nb")
    missing = client.get("/api/interviews/999999/codings")
    assert missing.status_code == 404 and missing.json()["error"] == "ikke noe intervju 999999"
    page = client.get("/interviews/999999/transcript", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "Noe gikk galt" in page.text and "ikke noe intervju 999999" in page.text


def test_pages_in_bokmal_use_terms_and_no_raw_keys(web: dict[str, Any]) -> None:
    client = web["client"]
    client.cookies.set("kvali_lang", "nb")
    html = client.get("/interviews", headers={"accept": "text/html"}).text
    assert "Intervjuer" in html and "fysisk" in html and "digitalt" in html
    assert "in_person" not in html.replace('value="in_person"', "")
    memos = client.get("/memos", headers={"accept": "text/html"}).text
    assert "refleksivitetslogg" in memos
    client.cookies.set("kvali_lang", "en")
    assert "in person" in client.get("/interviews", headers={"accept": "text/html"}).text


def test_coding_screen_messages_follow_the_language(web: dict[str, Any]) -> None:
    import json
    import re

    client = web["client"]
    iid = client.get("/interviews.json").json()["interviews"][0]["id"]
    html = client.get(f"/interviews/{iid}/transcript?lang=nb", headers={"accept": "text/html"}).text
    boot = json.loads(re.search(r'id="kv-boot">(.*?)</script>', html, re.S).group(1))
    assert boot["messages"]["saved"] == "Lagret"
    assert boot["messages"]["no_selection"] != "Select text in the transcript to code it."
