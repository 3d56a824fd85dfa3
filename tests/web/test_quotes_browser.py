"""The quotes page in headless Chromium: flags highlighted, accepted and kept from the keyboard,
the focus back on the same quote after each change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import TOKEN, LiveServer
from tests.web.test_browser import ARGS, CHROMIUM, shot, sync_api, wait_for


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from kvali.codes.service import create_code
    from kvali.codings.service import add_coding
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.project import Project
    from kvali.studies.service import create_study
    from kvali.transcripts.service import get_text, import_transcript
    from kvali.web import create_app
    from tests.helpers import write

    root = tmp_path_factory.mktemp("quotes")
    project = Project.init(root / "p")
    with project.begin() as conn:
        sid = create_study(conn, title="Fellestid", language="nb")
        add_participant(conn, sid, code="R1")
        add_interview(conn, sid, label="Intervju 1", participants=["R1"])
        tid = import_transcript(
            conn,
            sid,
            "Intervju 1",
            write(root, "i.txt", "I: Og tida?\nR1: Æ veit itj ka dokker vil med det.\n"),
        )
        create_code(conn, sid, name="Tid", level="theme")
        text = get_text(conn, tid)
        a = text.index("Æ veit")
        cid = add_coding(
            conn, sid, transcript_id=tid, code="Tid", start=a, end=len(text), gold=True
        )
    with LiveServer(create_app(project, token=TOKEN, user="Forsker A")) as server:
        yield {"url": server.url, "cid": cid}
    project.close()


def test_accept_and_keep_by_keyboard(served):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1300, "height": 800}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{served['url']}/quotes?token={TOKEN}")
        cid = served["cid"]
        page.wait_for_selector(f"#quote-{cid} button.flag")
        assert page.locator(f"#quote-{cid} button.flag").count() == 4
        page.keyboard.press("n")  # the first flag: «Æ»
        assert wait_for(page, "document.activeElement.dataset.start === '0'")
        page.keyboard.press("a")
        assert wait_for(page, f"document.querySelectorAll('#quote-{cid} button.flag').length === 3")
        assert "Jeg veit" in page.inner_text(f"#quote-{cid} .rendering")
        # the focus is back on the same quote, on its first open flag («itj»)
        assert wait_for(page, "document.activeElement.textContent.includes('itj')")
        page.keyboard.press("x")  # leave «itj» as said
        assert wait_for(page, f"document.querySelectorAll('#quote-{cid} button.flag').length === 2")
        assert wait_for(page, "document.activeElement.classList.contains('flag')")
        page.keyboard.press("A")  # accept the rest
        assert wait_for(page, f"document.querySelectorAll('#quote-{cid} button.flag').length === 0")
        assert page.inner_text(f"#quote-{cid} .rendering").endswith(
            "Jeg veit itj hva dere vil med det."
        )
        assert "Æ veit itj ka dokker" in page.inner_text(f"#quote-{cid} .verbatim")
        shot(page, "quotes")
        assert errors == []
        browser.close()
