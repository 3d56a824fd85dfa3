"""Security headers, the Host check and the Origin check (web/security.py), on both databases.

Each refusal is checked twice: the status and message, and that nothing was written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from kvali.web.security import SecurityPolicy, content_security_policy, same_origin, style_hash
from tests.conftest import snapshot
from tests.web.conftest import BASE_URL, TOKEN, free_port

ORIGIN = "http://127.0.0.1:8765"
MEMO = {"text": "Refleksjon etter intervju 1", "kind": "reflexivity"}


def test_every_kind_of_response_carries_the_security_headers(web):
    client = web["client"]
    anon = TestClient(web["app"], base_url=BASE_URL)
    responses = {
        "page": client.get("/overview"),
        "twin": client.get("/overview.json"),
        "api": client.get("/api/events/latest"),
        "static": client.get("/static/app.js"),
        "not found": client.get("/interviews/999999/transcript"),
        "no token": anon.get("/overview"),
        "foreign host": client.get("/overview", headers={"Host": "evil.example"}),
    }
    for kind, r in responses.items():
        csp = r.headers.get("content-security-policy", "")
        assert csp == content_security_policy(), kind
        assert r.headers["x-frame-options"] == "DENY", kind
        assert r.headers["x-content-type-options"] == "nosniff", kind
        assert r.headers["referrer-policy"] == "same-origin", kind
        assert "camera=()" in r.headers["permissions-policy"], kind
    directives = dict(d.strip().split(" ", 1) for d in content_security_policy().split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'none'"
    assert "unsafe" not in content_security_policy()


def test_pages_have_no_inline_script_or_style(web):
    """What the CSP forbids must not be in any template: inline scripts, on*= handlers,
    style attributes, javascript: links (JSON data blocks are allowed)."""
    client, ids = web["client"], web["ids"]
    pages = ["/overview", "/guide", "/participants", "/interviews", "/codebook", "/search",
             "/reports", "/memos", "/events", "/transcription", "/talkstats", "/blind",
             "/agreement", "/frameworks", "/coverage", "/suggestions", "/categories",
             "/exchange", "/pseudonymize", f"/codebook/{ids['share']}/split",
             "/participants/R1/withdraw", "/interviews/1/transcript"]  # fmt: skip
    for path in pages:
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert not re.search(r"<[a-z][^>]*\sstyle\s*=", html), path
        assert "javascript:" not in html, path


def test_the_report_view_may_be_framed_by_the_workbench_only(web):
    r = web["client"].get("/reports/view")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and r.headers["x-frame-options"] == "SAMEORIGIN"
    css = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    assert f"'sha256-{style_hash(css)}'" in csp and "unsafe" not in csp


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8765", "127.0.0.1.nip.io:8765", "localhost.evil.example", ""],
)
def test_a_foreign_host_is_refused_and_nothing_runs(web, host):
    """DNS rebinding: a page on a name that resolves to 127.0.0.1 must not reach the handlers,
    even with the token."""
    project, client = web["project"], web["client"]
    before = snapshot(project)
    r = client.post("/api/memos", json=MEMO, headers={"Host": host})
    assert r.status_code == 421, r.text
    assert "does not answer for host" in r.json()["error"]
    page = client.get("/overview", headers={"Host": host})
    assert page.status_code == 421 and page.headers["content-type"].startswith("text/html")
    assert snapshot(project) == before


def test_host_policy():
    served = SecurityPolicy.serving(8765, ["kvali.example.org", "proxy.local:8443"])
    assert served.host_allowed("127.0.0.1:8765") and served.host_allowed("LOCALHOST:8765")
    assert not served.host_allowed("127.0.0.1:8766")  # another port is another server
    assert served.host_allowed("kvali.example.org") and served.host_allowed("kvali.example.org:443")
    assert served.host_allowed("proxy.local:8443") and not served.host_allowed("proxy.local:9")
    assert not served.host_allowed("evil.example") and not served.host_allowed(None)
    default = SecurityPolicy()
    assert default.host_allowed("127.0.0.1:1234") and default.host_allowed("localhost")
    assert not default.host_allowed("testserver") and not default.host_allowed("[::1]:8765")
    assert same_origin("http://127.0.0.1:8765", "127.0.0.1:8765")
    assert same_origin("https://kvali.example.org", "kvali.example.org")
    assert same_origin("http://127.0.0.1:80/x", "127.0.0.1")
    assert not same_origin("http://127.0.0.1:8766", "127.0.0.1:8765")
    assert not same_origin("null", "127.0.0.1:8765")
    assert not same_origin("http://127.0.0.1.evil.example:8765", "127.0.0.1:8765")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:9999"},  # another local server is another origin
        {"Origin": "http://localhost:8765"},  # a different name for the same server, too
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Referer": "http://evil.example/page"},
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_state_change_from_another_origin_is_refused(web, headers, method):
    project, client = web["project"], web["client"]
    before = snapshot(project)
    targets = {
        "POST": ("/api/memos", MEMO),
        "PUT": ("/api/guide", {"markdown": "# Guide\n\n## Ny\n"}),
        "PATCH": ("/api/study", {"title": "Kapret"}),
        "DELETE": ("/api/codings/1", None),
    }
    path, body = targets[method]
    r = client.request(method, path, json=body, headers=headers)
    assert r.status_code == 403, r.text
    assert "another" in r.json()["error"] and "nothing was changed" in r.json()["error"]
    assert snapshot(project) == before


def test_same_origin_and_script_clients_may_change_data(web):
    client = web["client"]
    for headers in (
        {"Origin": ORIGIN},
        {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-origin", "Referer": ORIGIN + "/memos"},
        {"Referer": ORIGIN + "/memos"},
        {},  # curl or a script with the bearer token: no Origin, no Referer
    ):
        r = client.post("/api/memos", json=MEMO, headers=headers)
        assert r.status_code == 201, (headers, r.text)
    # GET is never refused for its Origin: a link from elsewhere still opens a page.
    assert client.get("/overview", headers={"Origin": "http://evil.example"}).status_code == 200


def test_the_origin_check_comes_before_the_token(web):
    """A forged request is refused as forged even when it would carry the credential (the
    cookie of a future session mode)."""
    anon = TestClient(web["app"], base_url=BASE_URL)
    r = anon.post(f"/api/memos?token={TOKEN}", json=MEMO, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "another origin" in r.json()["error"]


def test_openapi_declares_the_refusals(web):
    spec = web["client"].get("/openapi.json").json()
    op = spec["paths"]["/api/memos"]["post"]
    assert {"401", "403", "421"} <= set(op["responses"])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_kvali_serve_answers_only_for_its_own_address(tmp_path):
    """The real command: 127.0.0.1:PORT and localhost:PORT, plus --allowed-host names."""
    env = dict(os.environ, KVALI_USER="Forsker A")
    kvali = [str(Path(sys.executable).with_name("kvali"))]
    subprocess.run([*kvali, "init", str(tmp_path / "p"), "--title", "Studie"], check=True, env=env)
    port = free_port()
    proc = subprocess.Popen(
        [
            *kvali,
            "--project",
            str(tmp_path / "p"),
            "serve",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--allowed-host",
            "kvali.example.org",
        ],  # fmt: skip
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/overview.json"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.get(url, headers=auth)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "kvali serve did not start"
                time.sleep(0.2)
        assert first.status_code == 200
        for host, status in [
            (f"localhost:{port}", 200),
            ("kvali.example.org", 200),
            ("evil.example", 421),
            (f"127.0.0.1:{port + 1}", 421),
        ]:
            assert httpx.get(url, headers={**auth, "Host": host}).status_code == status, host
    finally:
        proc.terminate()
        proc.wait(timeout=15)
