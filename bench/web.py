"""Web workbench benchmark: the coding screen on a 300,000-character transcript with 2,000 codings.

    .venv/bin/python bench/web.py [--chars 300000 --codings 2000 --applies 30] [--no-browser]

Builds the long interview (bench/longdata.py, through the real services; not timed), then:

* ``page_server_ms``: server time of ``GET /interviews/{id}/transcript`` (first chunk of turns
  rendered, every coding as compact JSON), median of 10, through the in-process test client;
* ``apply_server_ms``: server time (``Server-Timing``) of ``POST /api/codings`` — median and max
  of ``--applies`` codings on random spans;
* in headless Chromium (/usr/bin/chromium, skipped with ``--no-browser`` or when missing):
  ``first_screen_ms`` (navigation start → turns shown and margin bars drawn, best of 3) and
  ``apply_roundtrip_ms`` as the page's own script measured it.

Every measurement is also taken on a transcript a tenth as long (``baseline_*``), in the same
run, and reported as ``*_ratio`` = long / short: about 1 means the screen's cost does not grow
with the transcript (the first screen renders a fixed number of turns), 10 means linear. These
replaced the wall-clock assertions of tests/web/test_browser.py (first screen < 1 s, apply
< 100 ms). Prints a summary and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from kvali.project import Project
from kvali.studies.service import create_study
from longdata import build_long_interview

TOKEN = "bench"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _server_ms(response) -> float:  # type: ignore[no-untyped-def]
    return float(response.headers["server-timing"].split("dur=")[1])


def run(chars: int, n_codings: int, applies: int, browser: bool) -> dict[str, float]:
    """The long transcript's numbers, its short baseline's and their ratios."""
    out = measure(chars, n_codings, applies, browser)
    base = measure(max(chars // 10, 3000), max(n_codings // 10, 20), applies, browser)
    for key in [k for k in out if k.endswith("_ms")]:
        if key in base:
            out[f"baseline_{key}"] = base[key]
            out[f"{key.removesuffix('_ms')}_ratio"] = round(out[key] / max(base[key], 0.01), 2)
    return out


def measure(chars: int, n_codings: int, applies: int, browser: bool) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from kvali.web import create_app

    tmp = Path(tempfile.mkdtemp(prefix="kvali-bench-web-"))
    project = Project.init(tmp / "p")
    with project.begin() as conn:
        create_study(conn, title="Bench")
    t0 = time.perf_counter()
    long = build_long_interview(project, chars=chars, codings=n_codings)
    setup_s = time.perf_counter() - t0
    app = create_app(project, token=TOKEN, user="bench")
    client = TestClient(
        app, base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    page = f"/interviews/{long['interview_id']}/transcript"
    client.get(page)
    page_ms = [_server_ms(client.get(page)) for _ in range(10)]
    rnd = random.Random(1)
    apply_ms = []
    for _ in range(applies):
        start = rnd.randrange(long["chars"] - 200)
        r = client.post(
            "/api/codings",
            json={
                "transcript_id": long["transcript_id"],
                "code": "Langkode 1",
                "start": start,
                "end": start + rnd.randint(5, 150),
            },
        )
        r.raise_for_status()
        apply_ms.append(_server_ms(r))
    out = {
        "chars": long["chars"],
        "codings": n_codings,
        "setup_s": round(setup_s, 2),
        "page_server_ms": round(statistics.median(page_ms), 1),
        "apply_server_median_ms": round(statistics.median(apply_ms), 1),
        "apply_server_max_ms": round(max(apply_ms), 1),
    }
    if browser and Path("/usr/bin/chromium").exists():
        out |= _browser(app, long, page)
    project.close()
    return out


class _LiveServer:
    """uvicorn on a free 127.0.0.1 port in a background thread (the benchmark's own: benchmarks
    run with the ``all`` extras only, without pytest or tests/)."""

    def __init__(self, app: Any):
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> _LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _poll(pg, expression: str, arg=None, timeout_s: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``expression`` is truthy by asking the page (DevTools evaluate): Playwright's
    wait_for_function compiles its predicate with eval, which the workbench's CSP refuses."""
    deadline = time.monotonic() + timeout_s
    while not pg.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not true after {timeout_s} s: {expression}")
        time.sleep(0.01)


def _browser(app, long, page: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with _LiveServer(app) as server, sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pg = b.new_page(viewport={"width": 1400, "height": 900})
        pg.goto(f"{server.url}/overview?token={TOKEN}")
        firsts = []
        for _ in range(3):
            pg.goto(server.url + page)
            _poll(pg, "window.kvReady !== undefined")
            firsts.append(pg.evaluate("window.kvReady"))
        trips = []
        for word in ("deler", "leder", "team", "tid", "kultur"):
            pg.evaluate(
                """(w) => { for (const p of document.querySelectorAll('#turns .tx')) {
                    const i = p.firstChild.data.indexOf(w); if (i < 0) continue;
                    const r = document.createRange(); r.setStart(p.firstChild, i);
                    r.setEnd(p.firstChild, i + w.length);
                    document.getSelection().removeAllRanges(); document.getSelection().addRange(r);
                    return; } }""",
                word,
            )
            _poll(
                pg, "(w) => document.getElementById('sel-text').textContent === '«' + w + '»'", word
            )
            pg.keyboard.press("/")
            pg.keyboard.type("Langkode 2")
            pg.keyboard.press("Enter")
            _poll(pg, f"window.kvTimings.length === {len(trips) + 1}")
            trips.append(pg.evaluate("window.kvTimings[window.kvTimings.length - 1]"))
        b.close()
    return {
        "first_screen_ms": round(min(firsts), 1),
        "apply_roundtrip_ms": round(statistics.median(t["clientMs"] for t in trips), 1),
        "apply_server_browser_ms": round(statistics.median(t["serverMs"] for t in trips), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=int, default=300_000)
    ap.add_argument("--codings", type=int, default=2000)
    ap.add_argument("--applies", type=int, default=30)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    out = run(args.chars, args.codings, args.applies, not args.no_browser)
    for k, v in out.items():
        print(f"{k:>26}  {v}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
