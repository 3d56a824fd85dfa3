"""No speech lost silently: stretches without trusted text become timed [unclear …] gaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvali.pipelines.gaps import Gap, find_gaps, marker
from kvali.pipelines.stt.transcriber import Segment, Word
from tests.speech.conftest import needs_audio


def _seg(*words: tuple[str, int, int, float]) -> Segment:
    ws = [Word(a, b, text, p) for text, a, b, p in words]
    return Segment(ws[0].start_ms, ws[-1].end_ms, " ".join(w.text for w in ws), ws)


def test_speech_without_words_is_a_gap() -> None:
    seg = _seg(("one", 0, 400, 0.9), ("two", 450, 900, 0.95))
    kept, gaps = find_gaps([(0, 900), (2000, 6000)], [seg])
    assert kept == [seg]
    assert gaps == [Gap(2000, 6000, "no_text", 0)]


def test_unsure_words_stay_a_loop_becomes_a_gap() -> None:
    unsure = _seg(("maybe", 0, 500, 0.2), ("wrong", 550, 1000, 0.1), ("words", 1050, 1500, 0.3))
    loop = Segment(2000, 9000, "å bygne med " * 12)  # a decoding loop, no word times
    after = _seg(("back", 9500, 9900, 0.9), ("again", 9950, 10400, 0.95))
    kept, gaps = find_gaps([(0, 1500), (2000, 10400)], [unsure, loop, after])
    assert kept == [unsure, after]  # unsure words are the researcher's to check, not to lose
    assert gaps == [Gap(2000, 9100, "repetition", 36)]


def test_a_run_far_less_sure_than_the_recording_is_marked_with_its_words() -> None:
    sure = [(w, i * 500, i * 500 + 400, 0.95) for i, w in enumerate("we meet every week".split())]
    odd = [
        (w, 2000 + i * 500, 2400 + i * 500, 0.1)
        for i, w in enumerate("to submit be locked".split())
    ]
    back = [(w, 4000 + i * 500, 4400 + i * 500, 0.9) for i, w in enumerate("and share it".split())]
    seg = _seg(*sure, *odd, *back)
    kept, gaps = find_gaps([(0, 5400)], [seg])
    assert [s.text for s in kept] == ["we meet every week", "and share it"]
    (gap,) = gaps
    assert (gap.start_ms, gap.end_ms, gap.reason) == (2000, 3900, "low_confidence")
    assert marker(gap, "en") == "[unclear 00:00:02–00:00:03: to submit be locked]"


def test_one_short_pause_is_no_gap() -> None:
    seg = _seg(("a", 0, 400, 0.9), ("word", 950, 1300, 0.9), ("then", 2000, 2400, 0.9))
    kept, gaps = find_gaps([(0, 2400)], [seg])  # 450 ms of unworded "speech": a breath
    assert gaps == [] and kept == [seg]


def test_marker_speaks_the_transcripts_language() -> None:
    g = Gap(3_000, 21_000, "no_text")
    assert marker(g, "en") == "[unclear 00:00:03–00:00:21]"
    assert marker(g, "no") == "[uklart 00:00:03–00:00:21]"


def test_a_window_whisper_skips_whole_becomes_a_gap(study, english_clip, monkeypatch) -> None:  # noqa: ANN001
    """What issue 12 saw: faster-whisper judged a window to be silence and returned nothing.
    The voice-activity detector still hears speech there, so the transcript says so."""
    from kvali.jobs.service import enqueue, run_job
    from kvali.pipelines.gaps import get_gaps
    from kvali.pipelines.stt import transcriber
    from kvali.transcripts.service import get_turns, transcript_id_for

    project, sid = study
    path, lines = english_clip
    real = transcriber.Transcriber.transcribe
    skipped: list[tuple[int, int]] = []

    def skip_second_window(self, samples, *, offset_ms=0):  # noqa: ANN001, ANN202
        if skipped or offset_ms == 0:
            return real(self, samples, offset_ms=offset_ms)
        skipped.append((offset_ms, offset_ms + len(samples) // 16))
        return []

    monkeypatch.setattr(transcriber.Transcriber, "transcribe", skip_second_window)
    _interview(project, sid)
    params = {"interview": "I1", "audio": str(path), "language": "en", "speakers": 1}
    with project.begin() as conn:
        jid = enqueue(conn, "transcribe", params | {"window_s": 8}, study_id=sid)
    result = run_job(project, jid)
    assert result["gaps"], result
    (a, b) = skipped[0]
    for g in result["gaps"]:  # the speech of that window, pause by pause
        assert g["reason"] == "no_text" and a <= g["start_ms"] < g["end_ms"] <= b, (g, a, b)
    assert result["gap_s"] >= 0.8 * (b - a) / 1000 - 1  # all of its speech (less its silences)
    assert result["speech_s"] > result["transcribed_s"]
    with project.begin() as conn:
        tid = transcript_id_for(conn, sid, "I1")
        text = "\n".join(t["text"] for t in get_turns(conn, tid))
        stored = get_gaps(conn, tid)
    assert "[unclear 00:00:" in text
    assert stored[0]["open"] and text[stored[0]["start_char"] :].startswith("[unclear")


def test_gaps_move_with_edits_and_close_when_typed_over(study) -> None:  # noqa: ANN001
    from kvali.pipelines.gaps import get_gaps, save_gaps
    from kvali.pipelines.stt.job import store_transcription
    from kvali.transcripts.offsets import Edit
    from kvali.transcripts.service import edit_text

    project, sid = study
    _interview(project, sid)
    g1, g2 = Gap(4_000, 9_000, "no_text"), Gap(20_000, 23_000, "repetition", 3)
    turns = [
        {"speaker": "S1", "role": "interviewer", "start_ms": 0, "end_ms": 10_000,
         "text": f"Hello and welcome. {marker(g1, 'en')} So tell me.", "words": []},
        {"speaker": "S2", "role": "participant", "start_ms": 10_000, "end_ms": 30_000,
         "text": f"We meet weekly {marker(g2, 'en')} in the library.", "words": []},
    ]  # fmt: skip
    with project.begin() as conn:
        tid = store_transcription(
            conn, sid, "I1", turns, language="en", source="x.wav", provenance={}
        )
        assert save_gaps(conn, tid, [g1, g2], "en") == 2
        before = get_gaps(conn, tid)
        assert [g["start_ms"] for g in before] == [4_000, 20_000] and all(g["open"] for g in before)
        edit_text(conn, sid, tid, [Edit(0, 5, "Hi")])  # three characters shorter, before both
        moved = get_gaps(conn, tid)
        assert [g["start_char"] for g in moved] == [g["start_char"] - 3 for g in before]
        a, b = moved[1]["start_char"], moved[1]["end_char"]
        edit_text(conn, sid, tid, [Edit(a, b, "and share lesson plans")])  # the researcher listened
        after = get_gaps(conn, tid)
    assert [g["start_ms"] for g in after] == [4_000, 20_000]  # the gap's times stay on record
    assert after[0]["open"] and not after[1]["open"]
    assert after[1]["text"] == "and share lesson plans"


@needs_audio
@pytest.mark.parametrize("batched", [False, True], ids=["sequential", "batched"])
def test_planted_unintelligible_stretch_gets_a_gap_clean_gets_none(
    study, tmp_path: Path, batched: bool
) -> None:  # noqa: ANN001
    """Real speech, then the same kind of speech played backwards (espeak-ng, reversed), then
    real speech: the reversed stretch comes back as a gap at its time; the clean recording as
    text only. The same with faster-whisper's batched pipeline (`--batched`, issue 12.4)."""
    import numpy as np

    from kvali.jobs.service import enqueue, run_job
    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.synth import synthesize_dialogue, write_wav

    lines = [
        (0, "We started the professional learning community three years ago, and every teacher meets once a week."),
        (0, "The principal said that trust between colleagues is what makes the difference, and it takes time."),
        (0, "In the end we agreed that the students learn more when the teachers share what works."),
    ]  # fmt: skip
    clean = tmp_path / "clean.wav"
    timed = synthesize_dialogue(lines, clean, language="en", pause_ms=500)
    samples = decode_audio(clean)
    a, b = timed[1].start_ms * 16, timed[1].end_ms * 16
    planted = samples.copy()
    planted[a:b] = samples[a:b][::-1]
    reversed_wav = tmp_path / "reversed.wav"
    write_wav(reversed_wav, planted)

    project, sid = study
    results = {}
    for label, wav in (("I1", clean), ("I2", reversed_wav)):
        _interview(project, sid, label)
        params = {"interview": label, "audio": str(wav), "language": "en", "speakers": 1}
        params |= {"batched": True} if batched else {}
        with project.begin() as conn:
            jid = enqueue(conn, "transcribe", params, study_id=sid)
        results[label] = run_job(project, jid)
    assert results["I1"]["gaps"] == [] and results["I1"]["gap_s"] == 0
    gaps = results["I2"]["gaps"]
    assert gaps, results["I2"]
    start, end = timed[1].start_ms, timed[1].end_ms
    inside = sum(max(0, min(g["end_ms"], end) - max(g["start_ms"], start)) for g in gaps)
    # Whisper writes words for part of it (mostly with low probabilities, kept for the
    # researcher to check); the stretch it has no words for is marked.
    assert inside >= 1000, (gaps, start, end)
    for g in gaps:  # every gap lies on the planted stretch (a second of slack for word times)
        assert start - 1000 <= g["start_ms"] and g["end_ms"] <= end + 1000, (g, start, end)
    assert np.isclose(
        results["I2"]["speech_s"], results["I2"]["transcribed_s"] + results["I2"]["gap_s"], atol=0.2
    )
    from kvali.db.schema import transcripts

    with project.begin() as conn:
        prov = conn.execute(transcripts.select()).all()[-1].provenance
    assert prov["parameters"].get("batched", False) is batched
    assert ("temperature_fallback" in prov["parameters"]) is batched


def _interview(project, sid: int, label: str = "I1") -> None:  # noqa: ANN001
    from kvali.interviews.service import add_interview

    with project.begin() as conn:
        add_interview(conn, sid, label=label)
