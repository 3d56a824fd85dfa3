"""Real transcription of synthesized two-voice clips (espeak-ng) with the bundled models.

Model-heavy, so SQLite only (the storage paths are covered on both backends elsewhere).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kvali.cli import cli
from kvali.interviews.service import add_interview
from kvali.jobs.service import enqueue, get_job, run_job
from kvali.participants.service import add_participant
from kvali.pipelines.synth import wer
from kvali.pipelines.tables import transcription_chunks
from kvali.transcripts.service import get_turns, transcript_id_for

from .conftest import EN_LINES, needs_audio, needs_resemblyzer

pytestmark = [needs_audio, pytest.mark.parametrize("backend", ["sqlite"])]


class Killed(Exception):
    pass


def _interview(project, sid, label="I1"):  # noqa: ANN001, ANN202
    with project.begin() as conn:
        add_participant(conn, sid, code=f"R{label}")
        add_interview(conn, sid, label=label, participants=[f"R{label}"], interviewers=["A"])


def _check_turns(turns, lines, n_speakers):  # noqa: ANN001, ANN202
    starts = [t["start_ms"] for t in turns]
    assert starts == sorted(starts)
    assert all(t["start_ms"] < t["end_ms"] for t in turns)
    assert all(a["end_ms"] <= b["start_ms"] + 200 for a, b in zip(turns, turns[1:], strict=False))
    assert len({t["speaker"] for t in turns}) == n_speakers
    # each true line starts near a turn start of the right voice
    assert len(turns) == len(lines)
    voice_of = {}
    for t, line in zip(turns, lines, strict=True):
        assert abs(t["start_ms"] - line.start_ms) < 800
        voice_of.setdefault(line.speaker, t["speaker"])
        assert voice_of[line.speaker] == t["speaker"]


@needs_resemblyzer
def test_english_two_voices(study, english_clip) -> None:  # noqa: ANN001
    project, sid = study
    path, lines = english_clip
    _interview(project, sid)
    result = CliRunner().invoke(
        cli,
        ["-p", str(project.path), "transcribe", "I1", "--audio", str(path), "--language", "en"],
    )
    assert result.exit_code == 0, result.output
    with project.begin() as conn:
        tid = transcript_id_for(conn, sid, "I1")
        turns = get_turns(conn, tid)
        from kvali.db.schema import transcripts

        prov = conn.execute(transcripts.select().where(transcripts.c.id == tid)).one().provenance
    hyp = " ".join(t["text"] for t in turns)
    assert wer(" ".join(text for _, text in EN_LINES), hyp) < 0.15, hyp
    _check_turns(turns, lines, 2)
    assert turns[1]["role"] == "participant" and turns[1]["participant_id"] is not None
    assert prov["model"] == "bundled:tiny.en" and prov["language"] == "en"
    assert prov["model_sha256"] and prov["parameters"]["faster-whisper"] == "1.2.1"
    assert prov["parameters"]["temperature"][0] == 0.0 and prov["parameters"]["seed"] == 12
    assert prov["kvali_version"] and prov["speech"]["gaps"] == 0


def test_killed_job_resumes_without_duplicates(study, english_clip) -> None:  # noqa: ANN001
    project, sid = study
    path, lines = english_clip
    _interview(project, sid)
    params = {"interview": "I1", "audio": str(path), "language": "en", "speakers": 1, "window_s": 8}
    with project.begin() as conn:
        jid = enqueue(conn, "transcribe", params, study_id=sid)

    def kill_after_first_window(p) -> None:  # noqa: ANN001
        if p.message.startswith("transcribed"):
            raise Killed

    with pytest.raises(Killed):
        run_job(project, jid, progress=kill_after_first_window)
    with project.begin() as conn:
        assert get_job(conn, jid)["status"] == "failed"
        done = conn.execute(transcription_chunks.select()).all()
        assert [c.position for c in done] == [0] and done[0].end_ms < lines[-1].end_ms
    result = run_job(project, jid)
    with project.begin() as conn:
        turns = get_turns(conn, transcript_id_for(conn, sid, "I1"))
        assert conn.execute(transcription_chunks.select()).all() == []  # checkpoints cleared
    assert result["turns"] == 1  # one speaker: one turn
    text = turns[0]["text"]
    assert wer(" ".join(t for _, t in EN_LINES), text) < 0.2, text
    for _, line in EN_LINES:  # nothing twice
        first = line.split()[0]
        assert text.count(line[:20]) <= 1, first


@needs_resemblyzer
def test_bokmal_two_voices_base_model(study, bokmal_clip) -> None:  # noqa: ANN001
    project, sid = study
    path, lines = bokmal_clip
    _interview(project, sid)
    params = {
        "interview": "I1",
        "audio": str(path),
        "language": "nb",
        "speakers": 2,
        "whisper_options": {"no_repeat_ngram_size": 3},
    }
    with project.begin() as conn:
        jid = enqueue(conn, "transcribe", params, study_id=sid)
    run_job(project, jid)
    with project.begin() as conn:
        tid = transcript_id_for(conn, sid, "I1")
        turns = get_turns(conn, tid)
        from kvali.pipelines.words import get_words

        words = get_words(conn, tid)
    _check_turns(turns, lines, 2)
    assert "takk" in turns[0]["text"].lower()  # espeak Bokmål is robotic: a smoke test only
    assert words and [w["start_ms"] for w in words] == sorted(w["start_ms"] for w in words)
