"""Aligning machine words to a written transcript: the written text stays, times arrive."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvali.pipelines.stt.align import align, align_transcription, alignment_of
from kvali.pipelines.stt.transcriber import Segment, Word
from kvali.pipelines.words import get_words
from kvali.transcripts.service import get_text, get_turns, transcript_id_for
from tests.conftest import snapshot

from .conftest import needs_stt

TEXT = (
    "[00:00:02] Forsker A: Da er opptaket i gang. Tusen takk for at vi fikk komme hit.\n"
    "[00:00:15] Rektor: Bare hyggelig. Det er ikke hver dag jeg får besøk.\n"
    "[00:00:27] Forsker B: Så fint å høre.\n"
    "[00:00:40] Rektor: Vi deler erfaringer fra egen praksis hver uke.\n"
)


def test_align_pairs_exact_and_near_words_in_order() -> None:
    ref = "da er opptaket i gang tusen takk for at vi fikk komme".split()
    hyp = "nå er opptakket i gang tusen tak for at vi fik kommer".split()
    pairs = align(ref, hyp)
    assert [(i, j) for i, j, _ in pairs] == [(i, i) for i in range(1, 12)]
    near = {ref[i]: round(s, 2) for i, _, s in pairs if s < 1}
    assert set(near) == {"opptaket", "takk", "fikk", "komme"}


def test_a_stray_common_word_far_away_is_not_a_match() -> None:
    ref = "tusen takk for at vi fikk komme".split() + ["x"] * 200 + ["samtale"]
    hyp = "tusen takk for at vi fikk komme samtale".split()
    pairs = align(ref, hyp)
    assert max(i for i, _, _ in pairs) == 6  # "samtale" 200 words later is not the recording


def _segments() -> list[Segment]:
    """What Whisper heard of turns 1–2 (with its mistakes), times in ms."""
    words = [("Nå", 1850), ("er", 2150), ("opptakket", 2270), ("i", 2970), ("gang.", 3190),
             ("Tusen", 4000), ("tak", 4400), ("for", 4700), ("at", 4900), ("vi", 5100),
             ("fik", 5300), ("komme", 5600), ("hit.", 6000),
             ("Bare", 15600), ("hyggelig.", 15900), ("Det", 16800), ("er", 17000),
             ("ikke", 17200), ("hver", 17500), ("dag", 17800)]  # fmt: skip
    out = [Word(start_ms=s, end_ms=s + 250, text=w, probability=0.5) for w, s in words]
    return [Segment(out[0].start_ms, out[12].end_ms, "…", out[:13]),
            Segment(out[13].start_ms, out[-1].end_ms, "…", out[13:])]  # fmt: skip


@pytest.fixture
def written(study, tmp_path: Path):
    from kvali.codes.service import create_code
    from kvali.codings.service import code_quote
    from kvali.interviews.service import add_interview
    from kvali.transcripts.service import import_transcript

    project, sid = study
    path = tmp_path / "i1.txt"
    path.write_text(TEXT, encoding="utf-8")
    with project.begin() as conn:
        add_interview(conn, sid, label="Intervju 1", interviewers=["Forsker A", "Forsker B"])
        import_transcript(conn, sid, "Intervju 1", path)
        create_code(conn, sid, name="Deling")
        code_quote(conn, sid, interview="Intervju 1", code="Deling", quote="Vi deler erfaringer")
    return project, sid


def test_alignment_times_words_and_turns_and_keeps_the_text(written) -> None:
    project, sid = written
    with project.begin() as conn:
        tid = transcript_id_for(conn, sid, "Intervju 1")
        text_before = get_text(conn, tid)
        q = align_transcription(conn, sid, "Intervju 1", _segments(),
                                provenance={"model": "bundled:base"}, turns=(1, 3))  # fmt: skip
    with project.begin() as conn:
        turns = get_turns(conn, tid)
        words = get_words(conn, tid)
        assert get_text(conn, tid) == text_before  # the written words stay exactly
        stored = alignment_of(conn, sid, "Intervju 1")
    assert q["turns_timed"] == 2 and q["turns_in_range"] == 3
    assert q["matched_words"] == 19 and q["exact_matches"] == 16 and q["near_matches"] == 3
    assert abs(turns[0]["start_ms"] - 1850) <= 400 and abs(turns[1]["start_ms"] - 15600) <= 100
    assert turns[1]["end_ms"] > 17800  # "jeg får besøk" unmatched: counted at the recording's pace
    assert (turns[2]["start_ms"], turns[3]["start_ms"]) == (27000, 40000)  # untimed: as written
    assert {w["text"] for w in words} >= {"opptaket", "takk", "hyggelig", "dag"}
    assert all(turns[0]["start_char"] <= w["start_char"] < turns[1]["end_char"] for w in words)
    assert stored["machine_text"] and stored["transcription"] == {"model": "bundled:base"}
    assert stored["coverage"] == q["coverage"] and stored["wer"] > 0


def test_alignment_of_nothing_matching_times_nothing(written) -> None:
    project, sid = written
    junk = [Segment(0, 900, "x", [Word(0, 900, "blablabla", 0.1)])]
    with project.begin() as conn:
        q = align_transcription(conn, sid, "Intervju 1", junk, provenance={})
        turns = get_turns(conn, transcript_id_for(conn, sid, "Intervju 1"))
    assert q["matched_words"] == 0 and q["turns_timed"] == 0 and q["coverage"] == 0
    assert [t["start_ms"] for t in turns] == [2000, 15000, 27000, 40000]


def test_turns_outside_the_transcript_are_refused_and_nothing_written(written) -> None:
    from kvali.errors import InputError

    project, sid = written
    before = snapshot(project)
    with pytest.raises(InputError, match="outside"), project.begin() as conn:
        align_transcription(conn, sid, "Intervju 1", _segments(), provenance={}, turns=(2, 9))
    assert snapshot(project) == before


@needs_stt
def test_cli_transcribe_align_on_the_shipped_recording(written, tmp_path: Path) -> None:
    """The real path: Whisper base on the first 12 s of the demo recording (turn 1), aligned."""
    from kvali.cli import cli
    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.demo_audio import recording

    project, sid = written
    audio, script = recording()
    samples = decode_audio(audio)[: 12 * 16000]
    clip = tmp_path / "clip.wav"
    with wave.open(str(clip), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((samples * 32767).astype("<i2").tobytes())
    args = ["-p", str(project.path), "transcribe", "Intervju 1", "--audio", str(clip),
            "--language", "nb", "--align", "--turns", "1-1", "--json"]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    q = json.loads(result.output)["aligned"]
    assert q["turns"] == [1, 1] and q["turns_timed"] == 1 and q["matched_words"] >= 4
    with project.begin() as conn:
        first = get_turns(conn, transcript_id_for(conn, sid, "Intervju 1"))[0]
    assert abs(first["start_ms"] - script["turns"][0]["start_ms"]) < 1500
    shown = CliRunner().invoke(cli, ["-p", str(project.path), "alignment", "Intervju 1"])
    assert "written words matched" in shown.output and "machine text:" in shown.output
