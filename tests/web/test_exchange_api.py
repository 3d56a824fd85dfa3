"""REFI-QDA exchange in the workbench, and the smaller editors (consent after creation, member
check DOCX, split by coding, single guide entries), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi.testclient import TestClient

from kvali.web import create_app
from tests.conftest import snapshot
from tests.web.conftest import BASE_URL, TOKEN
from tests.web.test_analysis_api import code


def client_for(project: Any) -> TestClient:
    app = create_app(project, token=TOKEN, user="Forsker B")
    return TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})


def test_export_qdpx_qdc_and_import_them_elsewhere(web, make_project):
    client, ids = web["client"], web["ids"]
    code(client, web, ids["share"], "Vi deler erfaringer")
    qdpx = client.get("/exchange/export.qdpx")
    assert qdpx.status_code == 200 and qdpx.headers["content-type"] == "application/zip"
    assert 'filename="Test_study.qdpx"' in qdpx.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(qdpx.content)).namelist()
    assert "project.qde" in names and sum(n.startswith("sources/") for n in names) == 2
    qdc = client.get("/exchange/export.qdc")
    assert qdc.status_code == 200 and b"<CodeBook" in qdc.content and "Deler erfaringer" in qdc.text
    assert "kvali-export" not in " ".join(p.name for p in web["project"].path.rglob("*"))
    # Into an empty project: the import makes the study, with the same coding on the same text.
    other = client_for(make_project())
    r = other.post(
        "/api/exchange/import",
        files={"file": ("from-kvali.qdpx", qdpx.content, "application/zip")},
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["file"] == "from-kvali.qdpx" and isinstance(out["warnings"], list)
    assert out["counts"]["codings"] == 1 and out["counts"]["interviews"] == 2
    hits = other.get("/search.json?q=erfaringer&code=Deler erfaringer").json()["hits"]
    assert [h["interview"] for h in hits] == ["Intervju 1"]
    assert other.get("/exchange.json").json()["imports"][0]["file"] == "from-kvali.qdpx"
    assert "from-kvali.qdpx" in other.get("/exchange").text
    # A codebook into the first study: existing paths are reused, nothing is duplicated.
    r = client.post("/api/exchange/import", files={"file": ("cb.qdc", qdc.content)})
    assert r.status_code == 201, r.text
    assert len(client.get("/codebook.json").json()["codes"]) == 6


def test_bad_import_files_are_4xx_and_write_nothing(web):
    client, project = web["client"], web["project"]
    qdc = client.get("/exchange/export.qdc").content
    before = snapshot(project)
    cases = [
        (("broken.qdpx", b"PK\x03\x04 this is not a zip"), "not a readable"),
        (("empty.qdpx", b""), "empty"),
        (("notes.txt", b"hello"), "upload a REFI-QDA"),
        (("codebook.qdpx", qdc), "codebook"),
        (("bad.qdc", b"<CodeBook><Codes><Code"), "bad.qdc"),
    ]
    for (name, content), needle in cases:
        r = client.post("/api/exchange/import", files={"file": (name, content)})
        assert r.status_code == 422, (name, r.text)
        assert needle in r.json()["error"] and "kvali-upload" not in r.json()["error"]
    assert client.post("/api/exchange/import").status_code == 422
    assert snapshot(project) == before


def test_consent_after_creation_and_member_check_docx(web):
    client, project = web["client"], web["project"]
    page = client.get("/participants").text
    assert 'data-api="/api/participants/R1/consent"' in page and "member-check.docx" in page
    r = client.put(
        "/api/participants/R1/consent",
        json={"consent_date": "2024-02-03", "document": "samtykke/R1.pdf"},
    )
    assert r.status_code == 200
    person = client.get("/participants.json").json()["participants"][0]
    assert (person["consent_date"], person["consent_document"]) == ("2024-02-03", "samtykke/R1.pdf")
    before = snapshot(project)
    assert client.put("/api/participants/R1/consent", json={"consent_date": "x"}).status_code == 422
    assert client.put("/api/participants/R9/consent", json={}).status_code == 404
    assert client.get("/participants/R9/member-check.docx").status_code == 404
    assert snapshot(project) == before
    docx = client.get("/participants/R1/member-check.docx?lang=en")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "R1-Intervju_1.docx" in docx.headers["content-disposition"]
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Transcript check" in text and "Vi deler erfaringer" in text
    assert not (project.exports_dir / "member-check").exists()  # made in a temporary folder
    person = client.get("/participants.json").json()["participants"][0]
    assert person["member_check_status"] == "sent"
    r = client.post(
        "/api/participants/R1/member-check",
        json={"status": "changes_requested", "comments": "Rett navnet"},
    )
    assert r.status_code == 200
    person = client.get("/participants.json").json()["participants"][0]
    assert (person["member_check_status"], person["member_check_comments"]) == (
        "changes_requested",
        "Rett navnet",
    )


def test_split_a_code_coding_by_coding(web):
    client, ids, project = web["client"], web["ids"], web["project"]
    first = code(client, web, ids["share"], "Vi deler erfaringer")
    second = code(client, web, ids["share"], "Uten tid blir det ingenting av det.")
    page = client.get(f"/codebook/{ids['share']}/split.json").json()
    assert page["code"]["name"] == "Deler erfaringer"
    assert [c["id"] for c in page["codings"]] == [first, second]
    assert page["codings"][0]["text"] == "Vi deler erfaringer"
    html = client.get(f"/codebook/{ids['share']}/split").text
    assert f'data-coding="{second}"' in html and "Uten tid blir" in html
    assert f'href="/codebook/{ids["share"]}/split"' in client.get("/codebook").text
    assert client.get("/codebook/999/split.json").status_code == 404
    before = snapshot(project)
    bad = client.post(
        f"/api/codes/{ids['share']}/split",
        json={"into": ["Deling", "Tidsbruk"], "assign": {str(second): "Annet"}},
    )
    assert bad.status_code == 422
    bad = client.post(
        f"/api/codes/{ids['share']}/split",
        json={"into": ["Deling ukentlig", "Tidsbruk"], "assign": {"9999": "Tidsbruk"}},
    )
    assert bad.status_code == 422
    assert snapshot(project) == before
    r = client.post(
        f"/api/codes/{ids['share']}/split",
        json={"into": ["Deling ukentlig", "Tidsbruk"], "assign": {str(second): "Tidsbruk"}},
    )
    assert r.status_code == 200, r.text
    codes = {c["name"]: c for c in client.get("/codebook.json").json()["codes"]}
    assert codes["Deling ukentlig"]["codings"] == 1 and codes["Tidsbruk"]["codings"] == 1
    moved = client.get(f"/codebook/{codes['Tidsbruk']['id']}/split.json").json()["codings"]
    assert [c["text"] for c in moved] == ["Uten tid blir det ingenting av det."]


def test_edit_and_delete_single_guide_entries(web):
    client, project = web["client"], web["project"]
    md = "# G\n\n## Samarbeid\n\n- Hvordan deler dere?\n  - tid\n  - rom\n- Hva hindrer?\n"
    assert client.put("/api/guide", json={"markdown": md}).status_code == 200
    data = client.get("/guide.json").json()
    topic = data["guide"]["topics"][0]
    q1, q2 = topic["questions"]
    kws = data["keyword_nodes"][str(q1["id"])]
    assert [k["text"] for k in kws] == ["tid", "rom"]
    html = client.get("/guide").text
    assert f'data-api="/api/guide/nodes/{kws[1]["id"]}" data-method="PATCH"' in html
    before = snapshot(project)
    assert client.patch(f"/api/guide/nodes/{q1['id']}", json={"text": "  "}).status_code == 422
    assert client.patch("/api/guide/nodes/9999", json={"text": "X"}).status_code == 404
    assert client.delete("/api/guide/nodes/9999").status_code == 404
    assert snapshot(project) == before
    r = client.patch(f"/api/guide/nodes/{kws[1]['id']}", json={"text": "møterom"})
    assert r.status_code == 200 and r.json()["text"] == "møterom"
    r = client.patch(f"/api/guide/nodes/{q2['id']}", json={"text": "Hva står i veien?"})
    assert r.status_code == 200
    topic = client.get("/guide.json").json()["guide"]["topics"][0]
    assert topic["questions"][0]["keywords"] == ["tid", "møterom"]
    assert topic["questions"][1]["text"] == "Hva står i veien?"
    # Deleting a question deletes its keywords; the next question moves up; a new one lands last.
    r = client.delete(f"/api/guide/nodes/{q1['id']}")
    assert r.json()["deleted"] == {"topics": 0, "questions": 1, "keywords": 2}
    assert (
        client.post(
            "/api/guide/nodes", json={"text": "Hva nå?", "parent_id": topic["id"]}
        ).status_code
        == 201
    )
    data = client.get("/guide.json").json()
    assert [q["text"] for q in data["guide"]["topics"][0]["questions"]] == [
        "Hva står i veien?",
        "Hva nå?",
    ]
    assert {n["kind"] for n in data["nodes"]} == {"topic", "question"}
    events = client.get("/events.json?entity=guide_node").json()["events"]
    assert [e["action"] for e in events[:4]] == ["create", "delete", "update", "update"]
    assert client.delete(f"/api/guide/nodes/{topic['id']}").json()["deleted"]["questions"] == 2
    assert client.get("/guide.json").json()["guide"]["topics"] == []
