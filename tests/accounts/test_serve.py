"""`kvali serve --accounts` and `--host`: the real command, its refusals, a login over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from kvali.cli import cli
from tests.web.conftest import free_port

PW = "owner password"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def test_serve_refuses_what_would_open_it_up(project):
    p = project.path
    r = run("-p", p, "serve", "--host", "0.0.0.0", "--port", free_port())
    assert r.exit_code == 2 and "--accounts" in r.output
    r = run("-p", p, "serve", "--accounts", "--port", free_port())
    assert r.exit_code == 2 and "no owner account" in r.output
    run("-p", p, "user", "add", "Ola", "--role", "coder", "--password-stdin", input=PW + "\n")
    r = run("-p", p, "serve", "--accounts", "--port", free_port())
    assert r.exit_code == 2 and "no owner account" in r.output  # a coder is not enough
    r = run("-p", p, "serve", "--accounts", "--token", "abc", "--port", free_port())
    assert r.exit_code == 2 and "--token" in r.output


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_kvali_serve_accounts_logs_people_in(tmp_path):
    env = dict(os.environ)
    kvali = [str(Path(sys.executable).with_name("kvali"))]
    folder = str(tmp_path / "p")
    subprocess.run([*kvali, "init", folder, "--title", "Studie"], check=True, env=env)
    subprocess.run(
        [*kvali, "-p", folder, "user", "add", "Ola", "--role", "owner", "--password-stdin"],
        input=PW + "\n",
        text=True,
        check=True,
        env=env,
    )
    port = free_port()
    proc = subprocess.Popen(
        [*kvali, "-p", folder, "serve", "--accounts", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.get(base + "/overview", follow_redirects=False, timeout=60)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "kvali serve did not start"
                time.sleep(0.2)
        assert first.status_code == 303 and first.headers["location"].startswith("/login")
        with httpx.Client(base_url=base, timeout=60) as c:
            assert c.get("/overview.json").status_code == 401
            assert c.get("/?token=anything").status_code in (303, 401)  # no token mode
            r = c.post("/api/session", json={"username": "Ola", "password": "wrong"})
            assert r.status_code == 401
            r = c.post("/api/session", json={"username": "Ola", "password": PW})
            assert r.status_code == 200 and r.json() == {"name": "Ola", "role": "owner"}
            assert c.get("/overview.json").status_code == 200
            r = c.post("/api/memos", json={"text": "Første notat"})
            assert r.status_code == 201
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/login" in out
    assert "token" not in out.lower()
    events = subprocess.run(
        [*kvali, "-p", folder, "events", "--json"], capture_output=True, text=True, env=env
    ).stdout
    assert '"actor": "Ola"' in events and PW not in events
