"""The pseudonymization screen in headless Chromium on a small study: study list, detection,
a name accepted everywhere, a missed name added by selecting it after an emoji (code points),
apply with a typed passphrase, and the key shown. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import EMOJI_TRANSCRIPT, TOKEN, LiveServer
from tests.web.test_browser import ARGS, CHROMIUM, shot, sync_api

pytest.importorskip("spacy")

PASS = "correct horse battery staple"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from kvali.interviews.service import add_interview
    from kvali.project import Project
    from kvali.studies.service import create_study
    from kvali.transcripts.service import import_transcript
    from kvali.web import create_app
    from tests.helpers import mini_study, write

    root = tmp_path_factory.mktemp("privacy")
    project = Project.init(root / "small")
    with project.begin() as conn:
        sid = create_study(conn, title="Samarbeid i skolen", language="nb")
    mini_study(project, sid, root)
    with project.begin() as conn:
        emoji = add_interview(conn, sid, label="Emoji", participants=[], mode="digital")
        import_transcript(conn, sid, "Emoji", write(root, "emoji.txt", EMOJI_TRANSCRIPT))
    with LiveServer(create_app(project, token=TOKEN, user="Forsker A")) as server:
        yield {"url": server.url, "project": project, "emoji": emoji}
    project.close()


def select_in_view(page: Any, needle: str) -> None:
    """Select ``needle`` in the transcript view as a mouse would (a DOM range on a text node)."""
    page.evaluate(
        """(needle) => {
            const walk = document.createTreeWalker(document.getElementById('pz-text'), 4);
            for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                const i = n.data.indexOf(needle);
                if (i < 0) continue;
                const r = document.createRange();
                r.setStart(n, i); r.setEnd(n, i + needle.length);
                const s = document.getSelection(); s.removeAllRanges(); s.addRange(r);
                return;
            }
            throw new Error('not found: ' + needle);
        }""",
        needle,
    )
    # expect(), not wait_for_function with an argument (eval, refused by the CSP)
    sync_api.expect(page.locator("#pz-selected")).to_have_text(needle)


def suggestions(page: Any, url: str) -> dict[str, dict[str, Any]]:
    rows = page.request.get(f"{url}/pseudonymize.json").json()["suggestions"]
    return {r["text"]: r for r in rows}


def test_pseudonymization_screen(small):
    url = small["url"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{url}/pseudonymize?token={TOKEN}")
        # The study list, then detection.
        page.fill("#pz-term-add input[name=term]", "Fjellvang skole")
        page.select_option("#pz-term-add select[name=label]", "ORG")
        page.fill("#pz-term-add input[name=category]", "navn på skole")
        with page.expect_navigation():
            page.click("#pz-term-add button")
        assert "Fjellvang skole" in page.inner_text("#pz-terms")
        with page.expect_navigation():
            page.click("#pz-detect button")
        page.wait_for_selector("#pz-suggestions")
        # Accept «Ingrid Berg» everywhere with its button (keyboard-reachable, labelled).
        button = page.get_by_role("button", name="Accept everywhere Ingrid Berg").first
        with page.expect_navigation():
            button.click()
        assert suggestions(page, url)["Ingrid Berg"]["status"] == "accepted"
        # A missed name selected after two emoji: stored at the right code points.
        page.goto(f"{url}/pseudonymize?view={small['emoji']}#pz-view")
        select_in_view(page, "erfaringer")
        page.select_option("#pz-span-select select[name=label]", "MISC")
        with page.expect_navigation():
            page.click("#pz-span-select button")
        added = suggestions(page, url)["erfaringer"]
        assert added["source"] == "manual" and added["status"] == "accepted"
        page.goto(f"{url}/pseudonymize?view=1#pz-view")
        page.wait_for_selector("#pz-text mark")
        shot(page, "pseudonymize-select")
        page.evaluate("document.getElementById('h-list').scrollIntoView()")
        page.evaluate("window.scrollBy(0, -110)")  # below the sticky header
        shot(page, "pseudonymize-review")
        # Apply: the passphrase typed twice (no key yet), the fields emptied, counts shown.
        page.goto(f"{url}/pseudonymize#h-apply")
        page.select_option("#pz-apply select[name=style]", "tags")
        page.fill("#pz-apply input[name=passphrase]", PASS)
        page.fill("#pz-apply input[name=repeat]", PASS)
        page.click("#pz-apply button")
        page.wait_for_selector("#pz-apply-result:not([hidden])", timeout=30000)
        assert page.input_value("#pz-apply input[name=passphrase]") == ""
        assert int(page.inner_text("#pz-apply-result [data-count=replacements]")) >= 4
        shot(page, "pseudonymize-applied")
        # The key, with the passphrase.
        page.goto(f"{url}/pseudonymize?status=accepted")  # a new load: the key form is there
        page.fill("#pz-key-show input[name=passphrase]", PASS)
        page.click("#pz-key-show button")
        page.wait_for_selector("#pz-key:not([hidden])")
        key = page.inner_text("#pz-key")
        assert "Ingrid Berg" in key and "[PERSON-1]" in key
        assert page.input_value("#pz-key-show input[name=passphrase]") == ""
        page.locator("#pz-key-destroy").scroll_into_view_if_needed()
        shot(page, "pseudonymize-key")
        browser.close()
