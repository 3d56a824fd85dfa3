"""Transcription benchmark: kvali's whole pipeline against faster-whisper called directly.

    .venv/bin/python bench/transcribe.py [--model bundled:tiny.en] [--device cpu] [--repeat 4]
        [--audio FILE --reference TEXT_FILE] [--append docs/benchmarks.md]
        [--modes direct,direct-batched,kvali,kvali-batched,kvali+speakers] [--synth nb]

Without ``--audio`` it synthesizes a two-voice dialogue with espeak-ng (~80 s; English, or
Bokmål with ``--synth nb``).
Each measurement runs in a fresh subprocess, so ``ru_maxrss`` is that path's own peak:

* ``direct``: ``WhisperModel(folder)`` + ``transcribe`` with kvali's settings (VAD with 300 ms
  silences, word timestamps, beam 5, temperature 0), the segments consumed — the floor.
* ``kvali``: ``enqueue`` + ``run_job`` of a ``transcribe`` job into a fresh project with one
  speaker: PyAV decoding in windows, checkpoints, turns, words and provenance in SQLite.
* ``kvali+speakers``: the same with speaker separation (GE2E embeddings + clustering).
* ``direct-batched`` / ``kvali-batched``: the same two paths through faster-whisper's
  ``BatchedInferencePipeline`` (``kvali transcribe --batched``: batch size 8; kvali decodes a
  looping segment again sequentially), measured in the same run, with the same WER check.

Real-time factor = wall time / audio duration (model loading included in all three).
Prints one JSON line; with ``--append`` adds a table to the file's "Transcription" section.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

LINES = [
    (0, "Thank you for taking the time to talk with us today."),
    (1, "You are welcome. I am happy to help with your study."),
    (0, "How do the teachers at your school learn together?"),
    (1, "We meet every Tuesday and share experiences from our own classrooms."),
    (0, "Right."),
    (1, "The team leaders plan the meetings, and everyone takes part in the work."),
    (0, "What does the network of schools mean for you?"),
    (1, "It gives us new ideas, and we learn from other principals in the region."),
    (0, "Okay."),
    (1, "Trust and patience matter most when a school develops its practice."),
]
NB_LINES = [
    (0, "Tusen takk for at du tar deg tid til å snakke med oss i dag."),
    (1, "Bare hyggelig. Jeg er glad for å kunne hjelpe."),
    (0, "Hvordan lærer lærerne på skolen din sammen?"),
    (1, "Vi møtes hver tirsdag og deler erfaringer fra egen praksis."),
    (0, "Nettopp."),
    (1, "Teamlederne planlegger møtene, og alle deltar i arbeidet."),
    (0, "Hva betyr nettverket av skoler for deg?"),
    (1, "Det gir oss nye ideer, og vi lærer av andre rektorer i regionen."),
    (0, "Ja vel."),
    (1, "Tillit og tålmodighet betyr mest når en skole utvikler praksisen sin."),
]


def _options() -> dict:
    from kvali.pipelines.stt.transcriber import DEFAULTS

    return dict(DEFAULTS)


def run_direct(audio: str, model: str, device: str, language: str, batched: bool = False) -> dict:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.stt.models import resolve_model

    folder = resolve_model(model, language=language).load  # resolution is not timed
    t0 = time.perf_counter()
    whisper = WhisperModel(
        folder, device=device, compute_type="int8" if device == "cpu" else "float16"
    )
    if batched:
        pipeline = BatchedInferencePipeline(whisper)
        segments, _ = pipeline.transcribe(
            decode_audio(audio), language=language, batch_size=8, **_options()
        )
    else:
        segments, _ = whisper.transcribe(decode_audio(audio), language=language, **_options())
    text = " ".join(s.text.strip() for s in segments)
    return {"seconds": time.perf_counter() - t0, "text": text}


def run_kvali(
    audio: str, model: str, device: str, language: str, speakers: int | None, batched: bool = False
) -> dict:
    from kvali.interviews.service import add_interview
    from kvali.jobs.service import enqueue, run_job
    from kvali.pipelines.stt.models import resolve_model
    from kvali.project import Project
    from kvali.studies.service import create_study
    from kvali.transcripts.service import get_text, transcript_id_for

    resolve_model(model, language=language)  # the one-time join of base is not timed
    # Import what the job imports lazily, as run_direct imports faster_whisper before its clock:
    # both paths then time model loading and work, not Python imports (~0.6 s here).
    import faster_whisper  # noqa: F401

    import kvali.pipelines.audio  # noqa: F401
    import kvali.pipelines.stt.job  # noqa: F401
    import kvali.pipelines.stt.transcriber  # noqa: F401
    import kvali.pipelines.words  # noqa: F401

    if speakers != 1:  # speaker separation
        import kvali.pipelines.diarize.cluster  # noqa: F401
        import kvali.pipelines.diarize.embed  # noqa: F401
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "p")
        with project.begin() as conn:
            sid = create_study(conn, title="bench", language=language)
            add_interview(conn, sid, label="I1")
        t0 = time.perf_counter()
        with project.begin() as conn:
            jid = enqueue(
                conn,
                "transcribe",
                {
                    "interview": "I1",
                    "audio": audio,
                    "model": model,
                    "language": language,
                    "device": device,
                    "speakers": speakers,
                    "batched": batched,
                },
                study_id=sid,
            )
        run_job(project, jid)
        seconds = time.perf_counter() - t0
        with project.begin() as conn:
            text = get_text(conn, transcript_id_for(conn, sid, "I1")).replace("\n", " ")
        project.close()
    return {"seconds": seconds, "text": text}


def child(args: argparse.Namespace) -> None:
    batched = args.child.endswith("-batched")
    if args.child.startswith("direct"):
        out = run_direct(args.audio, args.model, args.device, args.language, batched)
    else:
        speakers = None if args.child == "kvali+speakers" else 1
        out = run_kvali(args.audio, args.model, args.device, args.language, speakers, batched)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def measure(args: argparse.Namespace, mode: str) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--audio",
        args.audio,
        "--model",
        args.model,
        "--device",
        args.device,
        "--language",
        args.language,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    runs = [
        json.loads(
            subprocess.run(
                cmd, check=True, capture_output=True, text=True, env=env
            ).stdout.splitlines()[-1]
        )
        for _ in range(args.repeat)
    ]
    best = min(runs, key=lambda r: r["seconds"])
    return best | {"runs": [round(r["seconds"], 2) for r in runs]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="bundled:tiny.en")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--language", default="en")
    ap.add_argument("--audio", default=None)
    ap.add_argument("--reference", default=None, help="text file with the true transcript")
    ap.add_argument("--repeat", type=int, default=3, help="runs per mode; the fastest counts")
    ap.add_argument("--append", default=None, help="append a results table to this Markdown file")
    ap.add_argument("--modes", default="direct,direct-batched,kvali,kvali-batched,kvali+speakers")
    ap.add_argument("--synth", default="en", choices=["en", "nb"], help="language of the dialogue")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    from kvali.pipelines.audio import duration_ms
    from kvali.pipelines.synth import synthesize_dialogue, wer

    tmp = tempfile.mkdtemp()
    if args.audio is not None:  # the kvali path resolves media against the project folder
        args.audio = str(Path(args.audio).resolve())
    if args.audio is None:
        lines = NB_LINES if args.synth == "nb" else LINES
        args.audio = str(Path(tmp) / "dialogue.wav")
        synthesize_dialogue(lines * 2, Path(args.audio), language=args.synth)
        reference = " ".join(t for _, t in lines * 2)
    else:
        reference = Path(args.reference).read_text(encoding="utf-8") if args.reference else None
    audio_s = duration_ms(args.audio) / 1000
    results = {}
    modes = args.modes.split(",")
    for mode in modes:
        r = measure(args, mode)
        r["rtf"] = r["seconds"] / audio_s
        r["wer"] = wer(reference, r["text"]) if reference else None
        results[mode] = r
        print(
            f"{mode:>15}: {r['seconds']:.2f} s (runs {r['runs']}), RTF {r['rtf']:.3f}, "
            f"peak {r['peak_rss_mb']:.0f} MB, WER {r['wer']}",
            file=sys.stderr,
        )

    def ratio(a: str, b: str) -> float | None:
        if a in results and b in results:
            return round(results[a]["seconds"] / results[b]["seconds"] - 1, 3)
        return None

    overhead = ratio("kvali", "direct")
    summary = {
        "audio_s": round(audio_s, 1),
        "language": args.language,
        "batched_vs_sequential": {
            "direct": ratio("direct-batched", "direct"),
            "kvali": ratio("kvali-batched", "kvali"),
        },
        "model": args.model,
        "device": args.device,
        "overhead": overhead,
        **{
            m: {
                k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items() if k != "text"
            }
            for m, r in results.items()
        },
    }
    print(json.dumps(summary))
    if args.append:
        _append(Path(args.append), summary)


def _append(path: Path, s: dict) -> None:
    rows = "\n".join(
        f"| {m} | {s[m]['seconds']:.2f} s | {s[m]['rtf']:.3f} | {s[m]['peak_rss_mb']:.0f} MB | "
        f"{s[m]['wer'] if s[m]['wer'] is None else round(s[m]['wer'], 3)} |"
        for m in ("direct", "direct-batched", "kvali", "kvali-batched", "kvali+speakers")
        if m in s
    )
    cpu = f"{os.cpu_count()} CPU cores" if s["device"] == "cpu" else s["device"]
    text = (
        f"\n### {s['model']} on {cpu}, {s['audio_s']} s synthesized English dialogue ({date.today()})\n\n"
        "| path | wall (best of runs) | real-time factor | peak RSS | WER |\n|---|---|---|---|---|\n"
        f"{rows}\n\nkvali's overhead over faster-whisper alone (one speaker): "
        f"**{s['overhead'] or 0:+.1%}** (target ≤ +10 %); batched against sequential: "
        f"direct {s['batched_vs_sequential']['direct']}, kvali {s['batched_vs_sequential']['kvali']}.\n"
    )
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
