"""End to end in headless Chromium (Debian's /usr/bin/chromium through Playwright).

One live server on SQLite for the module: the demo study, an interview with emoji, and a
300,000-character interview with 2,000 codings for the speed checks. Screenshots of the main
pages go to artifacts/screenshots/. (The API tests cover PostgreSQL; the browser talks to the
same handlers, so running it twice would only add time.)
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import EMOJI_TRANSCRIPT, TOKEN, LiveServer

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = (  # Debian's package; $KVALI_CHROMIUM names another build
    os.environ.get("KVALI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

if not CHROMIUM or not Path(CHROMIUM).exists():
    pytest.skip(
        "no Chromium (apt-get install chromium, or set KVALI_CHROMIUM)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from kvali.demo.build import populate_demo
    from kvali.interviews.service import add_interview
    from kvali.project import Project
    from kvali.studies.service import default_study_id
    from kvali.transcripts.service import import_transcript
    from kvali.web import create_app
    from tests.helpers import bench_module, write

    build_long_interview = bench_module("longdata").build_long_interview

    root = tmp_path_factory.mktemp("web")
    project = Project.init(root / "demo")
    populate_demo(project)
    with project.begin() as conn:
        sid = default_study_id(conn)
        emoji_iid = add_interview(conn, sid, label="Emoji", participants=[], mode="digital")
        import_transcript(conn, sid, "Emoji", write(root, "emoji.txt", EMOJI_TRANSCRIPT))
    long = build_long_interview(project)
    with LiveServer(create_app(project, token=TOKEN, user="Forsker A")) as server:
        yield {"url": server.url, "project": project, "emoji": emoji_iid, "long": long}
    project.close()


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.goto(f"{site['url']}/overview?token={TOKEN}")
    yield pg
    context.close()


def api(page: Any, path: str) -> Any:
    return page.request.get(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + path).json()


def select_text(page: Any, needle: str) -> None:
    """Select ``needle`` in the transcript as a mouse would (a DOM range on the turn's text)."""
    page.evaluate(
        """(needle) => {
            for (const p of document.querySelectorAll('#turns .tx')) {
                const i = p.firstChild.data.indexOf(needle);
                if (i >= 0) {
                    const r = document.createRange();
                    r.setStart(p.firstChild, i); r.setEnd(p.firstChild, i + needle.length);
                    const s = document.getSelection(); s.removeAllRanges(); s.addRange(r);
                    return;
                }
            }
            throw new Error('not found: ' + needle);
        }""",
        needle,
    )
    # expect(), not wait_for_function with an argument: Playwright compiles that predicate
    # with eval in the page, which the workbench's CSP (no 'unsafe-eval') refuses
    sync_api.expect(page.locator("#sel-text")).to_have_text(f"«{needle}»")


def wait_for(page: Any, expression: str, timeout: float = 5000) -> Any:
    """Poll a JavaScript expression until it is truthy. Not ``page.wait_for_function``: Playwright
    compiles its predicate with eval in the page, which the workbench's CSP (no 'unsafe-eval')
    refuses; ``page.evaluate`` goes through the DevTools protocol, which the CSP allows."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            value = page.evaluate(expression)
        except sync_api.Error as exc:  # the page reloaded itself mid-poll: ask the new one
            if "context was destroyed" not in str(exc) or time.monotonic() > deadline:
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout:.0f} ms: {expression}")
        time.sleep(0.05)


def shot(page: Any, name: str) -> None:
    """Save a screenshot; Chromium sometimes refuses a capture on a loaded machine, so retry."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for attempt in range(4):
        try:
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
            return
        except Exception:  # playwright's Error: "Unable to capture screenshot"
            if attempt == 3:
                raise
            page.wait_for_timeout(500 * (attempt + 1))


def test_select_a_passage_code_it_and_flag_gold(page, site):
    page.goto(f"{site['url']}/interviews/{site['emoji']}/transcript")
    select_text(page, "vi deler erfaringer")
    page.keyboard.press("/")
    page.keyboard.type("Emojikode")
    page.keyboard.press("Enter")  # "Create code «Emojikode»" is the only option
    page.wait_for_selector("#detail:not([hidden])")
    assert page.inner_text("#d-text") == "vi deler erfaringer"
    page.wait_for_selector(".bar")
    data = api(page, f"/interviews/{site['emoji']}/transcript.json")
    text = "\n".join(t[6] for t in data["turns"])
    start = text.index("vi deler erfaringer")  # Python counts code points
    coding = data["codings"][-1]
    assert coding[2:4] == [start, start + len("vi deler erfaringer")]
    assert "😀" in text[:start]
    page.locator("#d-gold").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#d-gold[aria-pressed='true']")
    data = api(page, f"/interviews/{site['emoji']}/transcript.json")
    assert data["codings"][-1][4] == 1
    # The quick-code shortcut: select another passage, press 1.
    select_text(page, "Tid er alt")
    page.keyboard.press("1")
    wait_for(page, "document.querySelectorAll('.bar').length === 2")
    shot(page, "coding")


def test_two_tabs_see_each_others_codings(browser, site):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    a, b = context.new_page(), context.new_page()
    url = f"{site['url']}/interviews/{site['emoji']}/transcript?token={TOKEN}"
    a.goto(url)
    b.goto(url)
    before = b.locator(".bar").count()
    select_text(a, "Takk")
    a.keyboard.press("/")
    a.keyboard.type("Fra fane A")
    a.keyboard.press("Enter")
    wait_for(a, f"document.querySelectorAll('.bar').length === {before + 1}")
    # Tab B updates itself from the event log within a few seconds, no reload needed.
    wait_for(b, f"document.querySelectorAll('.bar').length === {before + 1}", timeout=8000)
    b.reload()
    assert b.locator(".bar").count() == before + 1
    context.close()


def test_long_transcript_first_screen_and_apply(page, site):
    """A 300k-character transcript opens, codes and scrolls to its end; how fast is measured by
    bench/web.py (ratios against a short transcript), not asserted here."""
    long = site["long"]
    page.goto(f"{site['url']}/interviews/{long['interview_id']}/transcript")
    wait_for(page, "window.kvReady !== undefined")
    assert page.evaluate("window.kvReady") > 0
    assert page.locator(".bar").count() > 20
    shot(page, "coding-long")
    applies = []
    for needle in ("Vi deler erfaringer", "Rektor leder", "Tillit respekt"):
        select_text(page, needle.lower().split()[1])
        page.keyboard.press("/")
        page.keyboard.type("Langkode 3")
        page.keyboard.press("Enter")
        wait_for(page, f"window.kvTimings.length === {len(applies) + 1}")
        applies.append(page.evaluate("window.kvTimings[window.kvTimings.length - 1]"))
    assert len(applies) == 3 and all(a["serverMs"] > 0 and a["clientMs"] > 0 for a in applies)
    # Scrolling to the end loads every chunk; the bars then cover the whole transcript.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    for _ in range(20):
        page.keyboard.press("End")
        if page.evaluate("document.querySelectorAll('#turns .turn').length") >= 1602:
            break
        time.sleep(0.2)
    assert page.locator(".bar").count() >= 2000


def test_merge_two_codes_in_the_codebook(page, site):
    page.goto(f"{site['url']}/codebook")
    item = page.locator("li[data-code-id]", has=page.locator("strong", has_text="Langkode 6"))
    item.locator("summary").click()
    item.locator("form.merge input[name=into]").fill("Lang analyse/Langkode 7")
    item.locator("form.merge button").click()
    page.wait_for_load_state("load")
    page.wait_for_selector("#history td:text('merge')")
    history = api(page, "/codebook.json")["history"]
    assert history[-1]["kind"] == "merge" and history[-1]["from"] == ["Langkode 6"]
    assert history[-1]["to"] == ["Langkode 7"]
    shot(page, "codebook")


def test_download_docx_report(page, site):
    import docx

    page.goto(f"{site['url']}/reports?lang=nb")
    for fmt in ("md", "html", "docx", "xlsx", "csv", "json"):
        assert page.locator(f"#dl-{fmt}").is_visible()
    with page.expect_download() as info:
        page.click("#dl-docx")
    download = info.value
    assert download.suggested_filename == "report.docx"
    document = docx.Document(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for tb in document.tables for row in tb.rows for c in row.cells)
    assert "Profesjonelle læringsfellesskap" in text
    assert "Samskaping" in cells and len(document.tables) >= 3
    page.frame_locator("iframe.report").locator("svg").first.wait_for()
    shot(page, "reports")


def test_pages_language_and_screenshots(page, site):
    for name, path in [
        ("overview", "/overview"),
        ("participants", "/participants"),
        ("interviews", "/interviews"),
        ("guide", "/guide"),
        ("search", "/search?q=tid"),
        ("memos", "/memos"),
        ("events", "/events"),
        ("withdraw", "/participants/R1/withdraw"),
    ]:
        page.goto(site["url"] + path)
        assert page.locator("h1").count() == 1
        shot(page, name)
    page.goto(site["url"] + "/overview")
    page.click("a[lang=nb]")
    page.wait_for_selector("html[lang=nb]")
    assert page.locator("nav a[aria-current=page]").inner_text() == "Oversikt"
    shot(page, "overview-nb")
    page.click("a[lang=en]")
    page.wait_for_selector("html[lang=en]")
    # Keyboard: the skip link is the first stop, then the menu.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"


def test_blind_coding_mark_done_review_and_resolve(page, site, tmp_path):
    """Forsker A codes blind in the browser (Forsker B's codings, made in B's own workbench —
    here the service — stay hidden), marks done, then resolves the difference side by side."""
    from kvali.analysis.blind import code_as, mark_done, set_blind
    from kvali.codes.service import list_codes
    from kvali.interviews.service import add_interview
    from kvali.studies.service import default_study_id
    from kvali.transcripts.service import get_text, import_transcript
    from tests.helpers import write

    project, url = site["project"], site["url"]
    with project.begin() as conn:
        sid = default_study_id(conn)
        iid = add_interview(conn, sid, label="Blind", participants=[], mode="in_person")
        tid = import_transcript(conn, sid, "Blind", write(tmp_path, "b.txt", EMOJI_TRANSCRIPT))
        set_blind(conn, sid, tid, coders=["Forsker A", "Forsker B"])
        s = get_text(conn, tid).index("vi deler erfaringer")
        other = next(c["id"] for c in list_codes(conn, sid) if c["level"] == "code")
        code_as(conn, sid, transcript_id=tid, code=other, start=s, end=s + 19, coder="Forsker B")
        mark_done(conn, sid, tid, coder="Forsker B")
    page.goto(f"{url}/interviews/{iid}/transcript")
    page.wait_for_selector("#blind-badge")
    assert page.locator(".bar").count() == 0  # B's coding is not shown to A
    select_text(page, "vi deler erfaringer")
    page.keyboard.press("/")
    page.keyboard.type("Blindkode")
    page.keyboard.press("Enter")
    wait_for(page, "document.querySelectorAll('.bar').length === 1")
    shot(page, "coding-blind")
    page.click("#mark-done")
    page.wait_for_selector("#blind-badge >> text=Comparison open")
    page.click("#blind-state a")
    page.wait_for_selector(".review-item")
    item = page.locator(".review-item").first
    assert "different code" in item.inner_text().lower() and "Forsker B" in item.inner_text()
    item.locator("input[value=a]").check()
    item.locator("textarea[name=memo]").fill("Vi ble enige om A sin kode.")
    shot(page, "review")
    item.locator("button").click()
    page.wait_for_selector("#no-items")
    history = page.locator("#history tbody").inner_text()
    assert "Forsker A: Blindkode" in history and "Forsker B: " in history
    for name, path in [
        ("blind", "/blind"),
        ("agreement", "/agreement"),
        ("frameworks", "/frameworks"),
        ("coverage", "/coverage"),
        ("talkstats", "/talkstats"),
        ("transcription", "/transcription"),
    ]:
        page.goto(url + path)
        assert page.locator("h1").count() == 1
        shot(page, name)
    page.goto(url + "/frameworks")
    page.click("#add-shipped button")  # load Irgens' framework through the form
    page.locator("a.button", has_text="Framework matrix").first.click()
    page.wait_for_selector("#matrix")
    page.locator("#matrix summary").first.click()
    shot(page, "framework-matrix")
