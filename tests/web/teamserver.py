"""A team server for the tests: the mini study, an owner, a coder and a reader, and clients
logged in through ``/api/session``."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kvali.accounts import service as acc
from kvali.project import Project
from kvali.web import create_app
from tests.helpers import mini_study
from tests.web.conftest import BASE_URL

PASSWORDS = {"Ola": "owner password", "Kari": "coder password", "Per": "reader password"}
ROLES = {"Ola": "owner", "Kari": "coder", "Per": "reader"}


def make_team(study: tuple[Project, int], tmp_path) -> dict[str, Any]:
    """The mini study on a team server with an owner, a coder and a reader."""
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        for name, role in ROLES.items():
            acc.add_user(conn, name, role=role, password=PASSWORDS[name])
    app = create_app(project, accounts=True, login_delay=0.05)
    return {"project": project, "sid": sid, "ids": ids, "app": app}


def client(team: dict[str, Any], name: str | None = None) -> TestClient:
    c = TestClient(team["app"], base_url=BASE_URL, raise_server_exceptions=False)
    if name:
        r = c.post("/api/session", json={"username": name, "password": PASSWORDS[name]})
        assert r.status_code == 200, r.text
        assert r.json() == {"name": name, "role": ROLES[name]}
    return c
