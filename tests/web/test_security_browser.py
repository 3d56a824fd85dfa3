"""The Content-Security-Policy and the framing and Origin rules in real Chromium.

Every HTML page the OpenAPI document lists is opened with the CSP on; the script records
``securitypolicyviolation`` events (in frames too) and console reports, and there must be none.
A page on another origin (a second local server) then tries to frame the workbench and to post
to it, with the token, and is refused.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import TOKEN, LiveServer, free_port
from tests.web.test_browser import ARGS, CHROMIUM, shot, sync_api, wait_for

RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from kvali.analysis.demo import add_demo_analysis
    from kvali.demo.build import populate_demo
    from kvali.project import Project
    from kvali.web import create_app

    project = Project.init(tmp_path_factory.mktemp("csp") / "demo")
    populate_demo(project)
    add_demo_analysis(project)  # a second coder, a framework matrix, guide coverage
    app = create_app(project, token=TOKEN, user="Forsker A")
    with LiveServer(app) as server:
        yield {"url": server.url, "project": project, "app": app}
    project.close()


@pytest.fixture(scope="module")
def chromium(demo_site: dict[str, Any]) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def tab(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1300, "height": 900})
    context.add_init_script(RECORD)
    page = context.new_page()
    page.console_reports = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and page.console_reports.append(m.text),
    )
    yield page
    context.close()


def html_pages(site: dict[str, Any], page: Any) -> list[str]:
    """Every GET page of the OpenAPI document that is not a twin, an API or a download, with
    its path ids taken from the demo study. A new page with a new kind of id fails here."""
    base = site["url"]
    get = lambda path: page.request.get(f"{base}{path}").json()  # noqa: E731
    interviews = [i for i in get("/interviews.json")["interviews"] if i.get("transcript_id")]
    values = {
        "interview_id": interviews[0]["id"],
        "code_id": next(c["id"] for c in get("/codebook.json")["codes"] if c["codings"]),
        "framework_id": get("/frameworks.json")["frameworks"][0]["id"],
        "code": get("/participants.json")["participants"][0]["code"],
    }
    spec = get("/openapi.json")
    out = []
    for path, ops in spec["paths"].items():
        content = ops.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        if "get" not in ops or "text/html" not in content or path.startswith("/api/"):
            continue
        if path.endswith((".json", ".docx", ".qdc", ".qdpx")) or "{fmt}" in path:
            continue
        out.append(path.format(**values))
    out.append(f"/pseudonymize?view={values['interview_id']}")
    out.append("/interviews/999999/transcript")  # the error page
    return out


def test_every_page_runs_under_the_csp_without_a_violation(demo_site, tab):
    tab.goto(f"{demo_site['url']}/overview?token={TOKEN}")
    pages = html_pages(demo_site, tab)
    assert len(pages) >= 24, pages
    problems = {}
    for path in pages:
        tab.goto(f"{demo_site['url']}{path}")
        tab.wait_for_load_state("networkidle")
        seen = [v for f in tab.frames for v in f.evaluate("window.__csp || []")]
        if seen or tab.console_reports:
            problems[path] = seen + tab.console_reports
        tab.console_reports.clear()
    assert problems == {}
    # The pages' scripts really ran: the codebook got its colours and depths from data-.
    tab.goto(f"{demo_site['url']}/codebook")
    swatch = tab.locator("#codebook .swatch").first
    assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    # ... and the report preview iframe (frame-ancestors 'self') shows the report with its CSS.
    tab.goto(f"{demo_site['url']}/reports")
    frame = tab.frame_locator("iframe.report")
    assert frame.locator("h1").first.inner_text()
    shot(tab, "reports-under-csp")


def test_the_recorder_sees_a_violation(demo_site, tab):
    """The check above cannot pass vacuously: an inline handler is blocked and reported."""
    tab.goto(f"{demo_site['url']}/overview?token={TOKEN}")
    tab.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"1\">')")
    tab.evaluate("document.body.insertAdjacentHTML('beforeend', '<b style=\"color:red\">x</b>')")
    wait_for(tab, "window.__csp.length >= 2")
    seen = " ".join(tab.evaluate("window.__csp"))
    assert "script-src" in seen and "style-src" in seen


class _Attacker(http.server.BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = self.pages.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker(demo_site: dict[str, Any]) -> Iterator[str]:
    """Another origin (localhost on another port) serving pages that target the workbench."""
    target = demo_site["url"]
    _Attacker.pages = {
        "/frame": f'<iframe id="victim" src="{target}/overview?token={TOKEN}"></iframe>',
        "/post": (
            f'<form id="f" method="post" action="{target}/api/memos?token={TOKEN}"'
            ' enctype="text/plain"><input name=\'{"text": "forged", "x": "\' value=\'"}\'>'
            "</form>"
        ),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()


def _memos(site: dict[str, Any]) -> int:
    from kvali.memos.service import list_memos
    from kvali.studies.service import default_study_id

    with site["project"].begin() as conn:
        return len(list_memos(conn, default_study_id(conn)))


def test_another_site_can_neither_frame_nor_post(demo_site, tab, attacker):
    tab.goto(f"{attacker}/frame")
    tab.wait_for_timeout(1500)
    framed = [f for f in tab.frames if f != tab.main_frame]
    assert framed, "the iframe element is there"
    # Chromium refuses to render it (frame-ancestors 'none' / X-Frame-Options: DENY).
    assert all(
        not f.url.startswith(demo_site["url"])
        or f.evaluate("!document.body || !document.body.innerHTML")
        for f in framed
    )
    assert tab.console_reports, "Chromium reports the refused frame"
    before = _memos(demo_site)
    tab.goto(f"{attacker}/post")
    with tab.expect_navigation():
        tab.evaluate("document.getElementById('f').submit()")
    assert "another origin" in tab.content()
    assert _memos(demo_site) == before
