"""The permission table (issue 13.2): every route of ``/openapi.json`` has a row in
``web.policy``, and each role, logged in through ``/api/session``, gets exactly what its row
says — 403 (and nothing written) where the role may not, past the check where it may.

A route with no row fails ``test_every_route_has_a_row``: a new route must be given a row
(owners only, if nobody says otherwise) before this suite passes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kvali.accounts import Principal, set_principal
from kvali.accounts.principal import allowed
from kvali.codings.service import add_coding
from kvali.errors import PermissionDenied
from kvali.memos.service import add_memo
from kvali.web.policy import OWNER, POLICY, PUBLIC, action_for, has_row
from tests.conftest import snapshot
from tests.web.teamserver import ROLES, client, make_team


@pytest.fixture
def team(study, tmp_path) -> dict[str, Any]:
    return make_team(study, tmp_path)


# Routes outside the OpenAPI document, walked too.
HIDDEN = [("GET", "/"), ("GET", "/lang/{lang}"), ("GET", "/login"), ("GET", "/openapi.json")]

# What the table must say for the decisions the issue names (the rest follows from the table).
EXPECTED = {
    ("POST", "/api/codings"): "code",
    ("POST", "/api/memos"): "memo",
    ("POST", "/api/transcripts/{transcript_id}/turns/{position}/text"): "code",
    ("POST", "/api/interviews/{interview_id}/blind/done"): "code",
    ("POST", "/api/participants/{code}/withdraw"): "owner",
    ("POST", "/api/privacy/key"): "owner",
    ("POST", "/api/privacy/key/destroy"): "owner",
    ("GET", "/exchange/export.qdpx"): "owner",
    ("POST", "/api/interviews/{interview_id}/blind"): "owner",
    ("GET", "/overview"): "read",
    ("GET", "/reports/download/{fmt}"): "read",
}

VALUES = {"code": "R1", "fmt": "md", "decision": "accept", "label": "PER", "lang": "en"}


def routes(app) -> list[tuple[str, str]]:
    spec = app.openapi()
    found = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops]
    return found + HIDDEN


def concrete(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES.get(m.group(1), "1"), template)


def test_every_route_has_a_row(team):
    missing = [f"{m} {p}" for m, p in routes(team["app"]) if not has_row(m, p)]
    # (without a row a route is the owner's alone; the table must say so, or say who else)
    assert missing == [], "routes without a row in web/policy.py POLICY: " + ", ".join(missing)
    stale = [f"{m} {p}" for m, p in POLICY if (m, p) not in set(routes(team["app"]))]
    assert stale == [], "rows for routes that do not exist: " + ", ".join(stale)
    for key, action in EXPECTED.items():
        assert action_for(*key) == action, key
    assert action_for("GET", "/a/route/nobody/declared") == OWNER  # default deny


def test_unknown_routes_are_the_owners_alone(team):
    for name in ("Kari", "Per"):
        c = client(team, name)
        assert c.get("/no/such/page").status_code == 403
        assert c.post("/api/no/such/thing", json={}).status_code == 403
    assert client(team, "Ola").get("/no/such/page").status_code == 404


def _send(c: TestClient, method: str, path: str):
    # A body that is not JSON: a route with a body refuses it (422) after the permission check,
    # so the walk proves the check without running the change. Routes without one run.
    return c.request(
        method,
        path,
        content=b"{" if method != "GET" else None,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        follow_redirects=False,
    )


@pytest.mark.parametrize("name", ["Per", "Kari", "Ola"])
def test_each_role_gets_what_the_table_says(team, name):
    role = ROLES[name]
    c = client(team, name)
    denied, let_through = [], []
    for method, template in routes(team["app"]):
        action = action_for(method, template)
        path = concrete(template)
        if action == PUBLIC or allowed(role, action):
            let_through.append((method, template, path))
        else:
            denied.append((method, template, path))
    before = snapshot(team["project"])
    for method, template, path in denied:
        r = _send(c, method, path)
        assert r.status_code == 403, (role, method, template, r.status_code, r.text[:200])
        assert f"{name} ({role})" in r.json()["error"]
    assert snapshot(team["project"]) == before, "a refused request wrote something"
    wrong = []
    for method, template, path in let_through:
        if template == "/api/session" and method == "DELETE":
            continue  # logging out would end the walk
        r = _send(c, method, path)
        if r.status_code in (401, 403) or r.status_code >= 500:
            wrong.append((method, template, r.status_code, r.text[:200]))
    assert wrong == [], wrong
    refused = {(m, t) for m, t, _ in denied}
    coding, withdraw = ("POST", "/api/codings"), ("POST", "/api/participants/{code}/withdraw")
    expect = {"reader": coding in refused, "coder": withdraw in refused - {coding}}
    assert expect.get(role, not refused), (role, len(refused))
    assert (coding in refused) == (role == "reader")


def test_the_services_check_the_role_too(team):
    """The route table is one wall; the services that change data are the other."""
    project, sid, ids = team["project"], team["sid"], team["ids"]
    before = snapshot(project)
    set_principal(Principal("Per", "reader"))
    try:
        with pytest.raises(PermissionDenied), project.begin() as conn:
            add_coding(conn, sid, transcript_id=ids["t1"], code=ids["time"], start=0, end=5)
        with project.begin() as conn:
            add_memo(conn, sid, text="Lesers notat")  # a reader writes memos
    finally:
        set_principal(None)
    after = snapshot(project)
    assert {k: v for k, v in after.items() if k not in ("memos", "events")} == {
        k: v for k, v in before.items() if k not in ("memos", "events")
    }


def test_roles_working_through_the_workbench(team):
    """The real actions of each role, end to end: the coder codes, corrects a turn and marks
    blind coding done; the reader writes a memo but cannot code; the owner withdraws."""
    ids = team["ids"]
    ola, kari, per = (client(team, n) for n in ("Ola", "Kari", "Per"))
    coding = {"transcript_id": ids["t1"], "code": ids["time"], "start": 0, "end": 5}
    assert kari.post("/api/codings", json=coding).status_code == 201
    assert per.post("/api/codings", json=coding).status_code == 403
    assert per.post("/api/memos", json={"text": "Veileder"}).status_code == 201
    assert per.get("/codebook.json").status_code == 200
    assert kari.post("/api/codes", json={"name": "Ny kode"}).status_code == 201
    assert kari.post("/api/interviews/1/blind", json={"coders": ["Kari", "Ola"]}).status_code == 403
    assert kari.post("/api/codes/1/rename", json={"name": "X"}).status_code == 403
    r = ola.post("/api/interviews/1/blind", json={"coders": ["Kari", "Ola"]})
    assert r.status_code != 403, r.text
    assert per.post("/api/participants/R1/withdraw", json={"confirm": "R1"}).status_code == 403
    assert kari.post("/api/participants/R1/withdraw", json={"confirm": "R1"}).status_code == 403
    r = ola.post("/api/participants/R2/withdraw", json={"confirm": "R2"})
    assert r.status_code == 200, r.text
