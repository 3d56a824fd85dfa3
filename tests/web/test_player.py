"""The recording beside its transcript: served with range requests behind the token, word times
and gaps for the page, and in real Chromium: play from a clicked word, follow playback, keys."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import BASE_URL, TOKEN, LiveServer

WORDS = [  # (text, start_ms, end_ms, probability): one turn per speaker, a gap in the second
    [("Hvordan", 500, 900, 0.95), ("lærer", 950, 1300, 0.9), ("lærerne", 1350, 1900, 0.92),
     ("sammen?", 1950, 2600, 0.97)],
    [("Vi", 3200, 3400, 0.96), ("møtes", 3450, 3900, 0.12), ("hver", 3950, 4300, 0.94),
     ("tirsdag.", 4350, 5000, 0.93), ("Og", 8200, 8400, 0.9), ("deler", 8450, 8900, 0.95),
     ("erfaringer.", 8950, 9800, 0.97)],
]  # fmt: skip


def _build(root: Path) -> tuple[Any, int, int]:
    from kvali.interviews.media import store_media
    from kvali.interviews.service import add_interview, update_interview
    from kvali.pipelines.gaps import Gap, marker, save_gaps
    from kvali.pipelines.stt.job import store_transcription
    from kvali.pipelines.synth import write_wav
    from kvali.project import Project
    from kvali.studies.service import create_study

    project = Project.init(root / "p")
    wav = root / "rec.wav"
    t = np.arange(0, 11.0, 1 / 16000)
    write_wav(wav, 0.1 * np.sin(2 * np.pi * 220 * t))  # 11 s: something to play and seek in
    gap = Gap(5_400, 7_900, "no_text")
    turns = []
    for k, words in enumerate(WORDS):
        text = " ".join(w[0] for w in words)
        if k == 1:
            text = " ".join(w[0] for w in words[:4]) + " " + marker(gap, "nb") + " "
            text += " ".join(w[0] for w in words[4:])
        turns.append({
            "speaker": ["I", "R1"][k], "role": ["interviewer", "participant"][k],
            "start_ms": words[0][1], "end_ms": words[-1][2], "text": text,
            "words": [{"text": w, "start_ms": a, "end_ms": b, "probability": p} for w, a, b, p in words],
        })  # fmt: skip
    with project.begin() as conn:
        sid = create_study(conn, title="Player", problem_statement="?", language="nb")
        iid = add_interview(conn, sid, label="I1")
        update_interview(conn, sid, iid, audio_path=store_media(project, wav))
        add_interview(conn, sid, label="I2")  # no recording
        tid = store_transcription(
            conn, sid, iid, turns, language="nb", source="rec.wav", provenance={}
        )
        save_gaps(conn, tid, [gap], "nb")
    return project, iid, tid


@pytest.fixture
def player(tmp_path: Path) -> dict[str, Any]:
    from kvali.web import create_app

    project, iid, tid = _build(tmp_path)
    app = create_app(project, token=TOKEN, user="Forsker A")
    client = TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})
    return {"project": project, "iid": iid, "tid": tid, "client": client, "app": app}


def test_audio_is_served_in_ranges_behind_the_token(player: dict[str, Any]) -> None:
    c, iid = player["client"], player["iid"]
    whole = c.get(f"/interviews/{iid}/audio")
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    assert "accept-ranges" in {k.lower() for k in whole.headers}
    part = c.get(f"/interviews/{iid}/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    anonymous = TestClient(player["app"], base_url=BASE_URL)
    assert anonymous.get(f"/interviews/{iid}/audio").status_code == 401
    assert c.get(f"/interviews/{iid + 1}/audio").status_code == 404  # I2: no recording
    assert c.get("/interviews/999/audio").status_code == 404


def test_a_stored_path_outside_media_is_never_served(player: dict[str, Any]) -> None:
    from kvali.interviews.service import update_interview

    secret = player["project"].path / "kvali.db"
    with player["project"].begin() as conn:
        update_interview(conn, 1, player["iid"], audio_path="media/../kvali.db")
    assert secret.exists()
    assert player["client"].get(f"/interviews/{player['iid']}/audio").status_code == 404


def test_words_gaps_and_the_unsure_line(player: dict[str, Any]) -> None:
    r = player["client"].get(f"/api/transcripts/{player['tid']}/words")
    assert r.status_code == 200, r.text
    data = r.json()
    assert len(data["words"]) == sum(len(w) for w in WORDS)
    text = player["client"].get(f"/interviews/{player['iid']}/transcript.json").json()
    joined = "\n".join(t[6] for t in text["turns"])
    first = data["words"][0]
    assert joined[first[0] : first[1]] == "Hvordan" and first[2] == 500
    (gap,) = data["gaps"]
    assert joined[gap[0] : gap[1]] == "[uklart 00:00:05–00:00:07]" and gap[4] is True
    unsure = [w for w in data["words"] if w[4] < data["unsure_below"]]
    assert [joined[w[0] : w[1]] for w in unsure] == ["møtes"]


# --- in Chromium -------------------------------------------------------------------------------

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = (
    os.environ.get("KVALI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
needs_chromium = pytest.mark.skipif(
    not CHROMIUM or not Path(CHROMIUM).exists(), reason="no Chromium (apt-get install chromium)"
)


@pytest.fixture
def chromium(player: dict[str, Any]) -> Iterator[Any]:
    from tests.web.test_browser import ARGS

    with LiveServer(player["app"]) as server, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=[*ARGS, "--autoplay-policy=no-user-gesture-required"]
        )
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(f"{server.url}/overview?token={TOKEN}")
        page.goto(f"{server.url}/interviews/{player['iid']}/transcript")
        yield page
        browser.close()


def _click_word(page: Any, word: str) -> None:
    """Click in the middle of ``word`` (a real mouse click on its box)."""
    box = page.evaluate(
        """(word) => {
            for (const p of document.querySelectorAll('#turns .tx')) {
                const i = p.firstChild.data.indexOf(word);
                if (i < 0) continue;
                const r = document.createRange();
                r.setStart(p.firstChild, i + 1); r.setEnd(p.firstChild, i + 2);
                const b = r.getBoundingClientRect();
                return {x: b.left + b.width / 2, y: b.top + b.height / 2};
            }
            throw new Error('not found: ' + word);
        }""",
        word,
    )
    page.mouse.click(box["x"], box["y"])


@needs_chromium
def test_play_from_a_clicked_word_follow_playback_and_keys(chromium: Any) -> None:
    from tests.web.test_browser import wait_for

    page = chromium
    wait_for(page, "window.kvPlayerReady === true")
    wait_for(page, "document.getElementById('kv-audio').readyState >= 1")
    assert page.evaluate("document.getElementById('kv-unsure-count').textContent") == "1 / 1"
    # click a word: playback from its start
    _click_word(page, "tirsdag.")
    at = page.evaluate("document.getElementById('kv-audio').currentTime")
    assert 4.3 <= at <= 4.6, at
    # a turn's time plays from the turn
    page.evaluate("document.querySelector('.ts[data-ms=\"500\"]').click()")
    assert abs(page.evaluate("document.getElementById('kv-audio').currentTime") - 0.5) < 0.1
    # the word being spoken follows playback (timeupdate driven by hand: same handler)
    text = page.evaluate("JSON.parse(document.getElementById('kv-boot').textContent).transcript_id")
    assert text
    for seconds, expected in ((1.0, "lærer"), (8.5, "deler")):
        page.evaluate(
            f"(() => {{ const a = document.getElementById('kv-audio'); a.pause(); a.currentTime = {seconds}; a.dispatchEvent(new Event('timeupdate')); }})()"
        )
        start = wait_for(page, "window.kvPlayingWord")
        spoken = page.evaluate(
            "(s) => { const all = [...document.querySelectorAll('#turns .tx')].map(p => p.firstChild.data).join('\\n'); return all.slice(s, s + 12); }",
            start,
        )
        assert spoken.startswith(expected), (seconds, spoken)
        assert page.evaluate("CSS.highlights.has('kv-now')")
    assert page.evaluate("CSS.highlights.has('kv-unsure') && CSS.highlights.has('kv-gap')")
    # keys: u selects the next unsure word or gap and seeks to it; [ and ] change the speed
    page.evaluate("document.getElementById('kv-audio').currentTime = 0")
    page.locator("#doc").focus()
    page.keyboard.press("u")
    wait_for(page, "document.getSelection().toString() === 'møtes'")
    assert abs(page.evaluate("document.getElementById('kv-audio').currentTime") - 3.45) < 0.05
    page.keyboard.press("u")
    wait_for(page, "document.getSelection().toString().startsWith('[uklart')")
    page.keyboard.press("]")
    assert page.evaluate("document.getElementById('kv-audio').playbackRate") == 1.25
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert page.evaluate("document.getElementById('kv-audio').playbackRate") == 0.75
    page.keyboard.press("b")  # back 3 s from the gap (7.9 s … its start 5.4 s)
    assert page.evaluate("document.getElementById('kv-audio').currentTime") < 5.4 - 2.9


# --- correcting while listening ----------------------------------------------------------------


def _coded(player: dict[str, Any]) -> tuple[int, str]:
    """A coding on «deler erfaringer» in the second turn; returns its id and the text."""
    from kvali.codes.service import create_code
    from kvali.codings.service import add_coding
    from kvali.transcripts.service import get_text

    with player["project"].begin() as conn:
        text = get_text(conn, player["tid"])
        a = text.index("deler erfaringer")
        create_code(conn, 1, name="Deling")
        cid = add_coding(conn, 1, transcript_id=player["tid"], code="Deling", start=a, end=a + 16)
    return cid, text


def test_correct_a_turn_codings_words_and_gaps_move_undo_is_a_correction(player) -> None:  # noqa: ANN001
    c, tid = player["client"], player["tid"]
    cid, _ = _coded(player)
    version = c.get(f"/interviews/{player['iid']}/transcript.json").json()["version"]
    url = f"/api/transcripts/{tid}/turns/1/text"
    turn = "Vi møtes hver tirsdag. [uklart 00:00:05–00:00:07] Og deler erfaringer."
    typed = turn.replace("møtes", "samles alltid").replace(
        "[uklart 00:00:05–00:00:07]", "Da planlegger vi."
    )
    r = c.post(url, json={"text": typed, "version": version})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["edit"]["new"].startswith("samles alltid") and out["version"] == version + 1
    assert out["replaced"].startswith("møtes") and out["replaced"].endswith("07]")
    coding = c.get(f"/api/codings/{cid}").json()["detail"]
    full = "\n".join(
        t[6] for t in c.get(f"/interviews/{player['iid']}/transcript.json").json()["turns"]
    )
    got = full[coding["start_char"] : coding["end_char"]]
    assert got == "deler erfaringer", got  # the coding moved with the text
    words = c.get(f"/api/transcripts/{tid}/words").json()
    retyped = [w for w in words["words"] if w[2] == 3450]  # «møtes» (3.45 s): its time stays
    assert retyped and full[retyped[0][0] : retyped[0][1]].startswith("samles")
    assert words["gaps"][0][4] is False  # typed over: closed, times kept
    stale = c.post(url, json={"text": turn, "version": version})  # the editor's old version
    assert stale.status_code == 409 and "changed" in stale.json()["error"]
    undo = c.post(url, json={"text": turn, "version": version + 1, "reason": "undo"})
    assert undo.status_code == 200 and undo.json()["text"] == turn
    coding = c.get(f"/api/codings/{cid}").json()["detail"]
    back = "\n".join(
        t[6] for t in c.get(f"/interviews/{player['iid']}/transcript.json").json()["turns"]
    )
    assert back[coding["start_char"] : coding["end_char"]] == "deler erfaringer"
    assert c.get(f"/api/transcripts/{tid}/words").json()["gaps"][0][4] is True  # open again
    events = c.get("/events.json").json()
    reasons = [e["payload"].get("reason") for e in events["events"] if e["action"] == "edit_text"]
    assert reasons[:2] == ["undo", "correction"] or reasons[-2:] == ["correction", "undo"]
    assert c.post(url, json={"text": "   "}).status_code == 422
    assert c.post(f"/api/transcripts/{tid}/turns/9/text", json={"text": "x"}).status_code == 404


def test_checked_up_to_shows_on_the_overview(player: dict[str, Any]) -> None:
    c, iid = player["client"], player["iid"]
    assert c.post(f"/api/interviews/{iid}/checked", json={"up_to_ms": 4_200}).json() == {
        "up_to_ms": 4_200
    }
    c.post(f"/api/interviews/{iid}/checked", json={"up_to_ms": 9_000})
    progress = {p["label"]: p for p in c.get("/overview.json").json()["progress"]}
    assert (
        progress["I1"]["checked_up_to_ms"] == 9_000 and progress["I2"]["checked_up_to_ms"] is None
    )
    html = c.get("/overview", headers={"Accept": "text/html"}).text
    assert "00:00:09" in html
    assert c.post(f"/api/interviews/{iid}/checked", json={"up_to_ms": -1}).status_code == 422


@needs_chromium
def test_edit_in_place_undo_redo_by_keyboard_codings_follow(chromium: Any, player) -> None:  # noqa: ANN001
    from tests.web.test_browser import wait_for

    page = chromium
    cid, _ = _coded(player)
    page.reload()
    wait_for(page, "window.kvEditorReady === true && window.kvPlayerReady === true")

    def coded_text() -> str:
        return page.evaluate(
            """async (id) => {
                const c = await (await fetch('/api/codings/' + id, {headers: {Accept: 'application/json'}})).json();
                const all = [...document.querySelectorAll('#turns .tx')].map(p => p.textContent).join('\\n');
                return all.slice(c.detail.start_char, c.detail.end_char);
            }""",
            cid,
        )

    assert coded_text() == "deler erfaringer"
    _click_word(page, "tirsdag.")  # caret into the second turn
    page.keyboard.press("e")
    wait_for(page, "document.querySelector('.tx.editing') !== null")
    page.keyboard.press("Home")
    page.keyboard.type("Ja, ")
    page.keyboard.press("Enter")
    wait_for(page, "!document.querySelector('.tx.editing')")
    wait_for(
        page, "document.querySelectorAll('#turns .tx')[1].textContent.startsWith('Ja, Vi møtes')"
    )
    wait_for(page, "!document.getElementById('kv-undo').disabled")
    assert coded_text() == "deler erfaringer"  # the coding moved four characters with the text
    page.keyboard.press("Control+z")
    wait_for(page, "document.querySelectorAll('#turns .tx')[1].textContent.startsWith('Vi møtes')")
    assert coded_text() == "deler erfaringer"
    page.keyboard.press("Control+Shift+z")
    wait_for(page, "document.querySelectorAll('#turns .tx')[1].textContent.startsWith('Ja, Vi')")
    assert coded_text() == "deler erfaringer"
    # Esc cancels an edit: nothing is sent
    page.dblclick("#turns .turn:first-child .tx")
    wait_for(page, "document.querySelector('.tx.editing') !== null")
    page.keyboard.type("XYZ")
    page.keyboard.press("Escape")
    wait_for(page, "!document.querySelector('.tx.editing')")
    assert "XYZ" not in page.evaluate("document.querySelector('#turns .tx').textContent")
    # checked up to here: the player's position
    page.evaluate("document.getElementById('kv-audio').currentTime = 6")
    page.click("#kv-checked")
    wait_for(page, "document.getElementById('kv-checked-at').textContent.includes('00:00:06')")


def test_give_a_whole_turn_to_another_speaker(player: dict[str, Any]) -> None:
    c, tid = player["client"], player["tid"]
    r = c.post(f"/api/transcripts/{tid}/turns/1/speaker", json={"speaker": "I"})
    assert r.status_code == 200, r.text
    assert r.json() == {"turns": 1}  # the two turns of one speaker are one now
    turns = c.get(f"/interviews/{player['iid']}/transcript.json").json()["turns"]
    assert [t[1] for t in turns] == ["I"] and "tirsdag" in turns[0][6]
    assert (
        c.post(f"/api/transcripts/{tid}/turns/5/speaker", json={"speaker": "I"}).status_code == 404
    )


def test_give_a_turn_to_another_speaker_in_the_editor(chromium: Any, player) -> None:  # noqa: ANN001
    """s (or a click on the speaker) offers the transcript's speakers; choosing one gives the
    whole turn to that speaker in one action, and the page shows the joined turn."""
    from tests.web.test_browser import wait_for

    page = chromium
    page.reload()
    wait_for(page, "window.kvEditorReady === true")
    speakers = "[...document.querySelectorAll('#turns .spk')].map(e => e.textContent).join(',')"
    before = page.evaluate(speakers)
    assert before.count(",") == 1 and before.split(",")[0] != before.split(",")[1]
    _click_word(page, "tirsdag.")  # caret into the second turn
    page.keyboard.press("s")
    wait_for(page, "document.querySelector('.kv-speaker-pick') !== null")
    first = before.split(",")[0]
    page.select_option(".kv-speaker-pick", first)  # a change gives the turn at once
    wait_for(page, "document.querySelectorAll('#turns .turn').length === 1")
    wait_for(page, "window.kvEditorReady === true")
    assert page.evaluate(speakers) == first
    # Esc leaves a turn as it was
    page.click("#turns .spk")
    wait_for(page, "document.querySelector('.kv-speaker-pick') !== null")
    page.keyboard.press("Escape")
    wait_for(page, "document.querySelector('.kv-speaker-pick') === null")
    assert page.evaluate(speakers) == first
