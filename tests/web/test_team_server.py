"""`kvali serve --accounts` (issue 13.1, 13.2, 13.6): logging in and out, the session cookie,
expiry, the login throttle, the logged-in person as actor, CSRF on cookie sessions, and the
token mode unchanged. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kvali.accounts.tables import account_sessions
from kvali.db import schema as t
from kvali.web.common import SESSION_COOKIE
from kvali.web.session import LoginThrottle
from tests.conftest import snapshot
from tests.web.conftest import BASE_URL
from tests.web.teamserver import PASSWORDS, client, make_team


@pytest.fixture
def team(study, tmp_path) -> dict[str, Any]:
    return make_team(study, tmp_path)


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_the_session(team):
    c = TestClient(team["app"], base_url=BASE_URL)
    r = c.post("/api/session", json={"username": "Kari", "password": PASSWORDS["Kari"]})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    for part in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=43200"):
        assert part.lower() in cookie.lower(), part
    assert "secure" not in cookie.lower()  # plain http here; https (the proxy) makes it Secure
    token = c.cookies[SESSION_COOKIE]
    assert c.get("/api/session").json() == {"name": "Kari", "role": "coder"}
    assert c.get("/overview.json").status_code == 200
    r = c.delete("/api/session")
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert SESSION_COOKIE not in c.cookies
    # the old cookie, replayed, is dead: the session was deleted on the server
    replay = TestClient(team["app"], base_url=BASE_URL, cookies={SESSION_COOKIE: token})
    assert replay.get("/api/session").status_code == 401
    actions = _events(team["project"], "session")
    assert [(e["actor"], e["action"]) for e in actions] == [("Kari", "login"), ("Kari", "logout")]


def _events(project, entity):
    with project.begin() as conn:
        q = sa.select(t.events).where(t.events.c.entity == entity).order_by(t.events.c.id)
        return [dict(r) for r in conn.execute(q).mappings()]


def test_without_a_session_nothing_is_answered_and_nothing_changes(team):
    anon = client(team)
    before = snapshot(team["project"])
    r = anon.get("/overview", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Foverview"
    r = anon.get("/interviews?x=1", follow_redirects=False)
    assert r.headers["location"] == "/login?next=%2Finterviews%3Fx%3D1"
    assert anon.get("/overview.json").status_code == 401
    assert anon.get("/openapi.json").status_code == 401
    assert anon.post("/api/memos", json={"text": "x"}).status_code == 401
    bogus = TestClient(team["app"], base_url=BASE_URL, cookies={SESSION_COOKIE: "made-up"})
    assert bogus.post("/api/memos", json={"text": "x"}).status_code == 401
    assert anon.get("/static/app.js").status_code == 200  # the login page needs it
    assert snapshot(team["project"]) == before


def test_wrong_password_is_401_and_the_delay_grows(team):
    anon = client(team)
    before = snapshot(team["project"])
    took = []
    for _ in range(4):
        started = time.monotonic()
        r = anon.post("/api/session", json={"username": "Kari", "password": "guess"})
        took.append(time.monotonic() - started)
        assert r.status_code == 401 and "wrong user name or password" in r.json()["error"]
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    # waits of 0, 0.05, 0.1, 0.2 s before the password is checked
    assert took[3] >= 0.2 and took[2] >= 0.1 and took[1] >= 0.05
    r = anon.post("/api/session", json={"username": "Nobody", "password": "guess"})
    assert r.status_code == 401  # an unknown name reads the same
    assert snapshot(team["project"]) == before  # a failed login writes nothing
    # the right password still works (after its wait), and clears the name's count
    r = anon.post("/api/session", json={"username": "Kari", "password": PASSWORDS["Kari"]})
    assert r.status_code == 200
    assert anon.post("/api/session", json={"username": "Kari"}).status_code == 422


def test_the_throttle_counts_per_name_and_per_address():
    th = LoginThrottle(base=1, cap=5)
    assert th.delay("a", "1.2.3.4", at=0) == 0
    for _ in range(3):
        th.failed("a", "1.2.3.4")
    assert th.delay("a", "9.9.9.9") == 4  # the name, from anywhere
    assert th.delay("b", "1.2.3.4") == 4  # any name from that address
    assert th.delay("b", "9.9.9.9") == 0
    for _ in range(5):
        th.failed("a", "1.2.3.4")
    assert th.delay("a", "1.2.3.4") == 5  # capped
    th.succeeded("a")
    assert th.delay("a", "9.9.9.9") == 0
    assert th.delay("a", "1.2.3.4", at=time.monotonic() + 16 * 60) == 0  # forgotten


def test_sessions_expire(team):
    c = client(team, "Kari")
    assert c.get("/api/session").status_code == 200
    with team["project"].begin() as conn:
        conn.execute(
            account_sessions.update().values(
                expires_at=conn.execute(sa.select(account_sessions.c.created_at)).scalar()
            )
        )
    assert c.get("/api/session").status_code == 401
    assert c.get("/overview", follow_redirects=False).status_code == 303


def test_the_logged_in_person_is_the_actor_and_the_coder(team):
    ids = team["ids"]
    kari, per = client(team, "Kari"), client(team, "Per")
    body = {"transcript_id": ids["t1"], "code": ids["time"], "start": 0, "end": 5}
    r = kari.post("/api/codings", json=body)
    assert r.status_code == 201, r.text
    assert per.post("/api/memos", json={"text": "Veileders merknad"}).status_code == 201
    assert per.post("/api/codings", json=body).status_code == 403
    with team["project"].begin() as conn:
        coder = conn.execute(
            sa.select(t.users.c.name).join(t.codings, t.codings.c.coder_id == t.users.c.id)
        ).scalar_one()
    assert coder == "Kari"
    assert [e["actor"] for e in _events(team["project"], "coding")] == ["Kari"]
    assert [e["actor"] for e in _events(team["project"], "memo")] == ["Per"]
    page = kari.get("/overview")
    assert "Kari (coder)" in page.text  # who is logged in, with a log-out button


def test_a_change_from_another_origin_is_refused_on_a_cookie_session(team):
    kari = client(team, "Kari")
    before = snapshot(team["project"])
    evil = {"Origin": "http://evil.example"}
    r = kari.post("/api/memos", json={"text": "x"}, headers=evil)
    assert r.status_code == 403 and "another origin" in r.json()["error"]
    r = kari.post(
        "/api/session", json={"username": "Ola", "password": "owner password"}, headers=evil
    )
    assert r.status_code == 403  # no login forgery either
    r = kari.delete("/api/session", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = kari.get("/overview.json", headers={"Host": "evil.example"})
    assert r.status_code == 421
    assert snapshot(team["project"]) == before
    same = {"Origin": BASE_URL}
    assert kari.post("/api/memos", json={"text": "x"}, headers=same).status_code == 201


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_the_login_page(team, lang):
    anon = client(team)
    r = anon.get(f"/login?next=/codebook&lang={lang}")
    assert r.status_code == 200
    assert ("Log in" if lang == "en" else "Logg inn") in r.text
    assert 'data-api="/api/session"' in r.text and 'data-next="/codebook"' in r.text
    assert "<script>" not in r.text and not re.search(r"\son\w+=", r.text)
    assert "script-src 'self'" in r.headers["content-security-policy"]
    r = anon.get("/login?next=//evil.example")
    assert 'data-next="/"' in r.text  # no open redirect


def test_token_mode_is_unchanged(web):
    """The local workbench has no login routes and still answers to its token alone."""
    paths = web["app"].openapi()["paths"]
    assert "/api/session" not in paths
    assert web["client"].get("/api/session").status_code == 404
    anon = TestClient(web["app"], base_url=BASE_URL)
    assert anon.get("/overview.json").status_code == 401
    assert anon.post("/api/session", json={"username": "a", "password": "b"}).status_code == 401
