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
