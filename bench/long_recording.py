"""Long recordings in bounded memory: transcribe a synthesized recording of N minutes with kvali's
whole pipeline (windows of ~5 minutes, checkpoints) and report peak memory against a short one.

    .venv/bin/python bench/long_recording.py [--minutes 60] [--short 5] [--model bundled:tiny.en]

The recording repeats bench/transcribe.py's espeak-ng two-voice dialogue. Each length runs in its
own subprocess, so ``ru_maxrss`` is that run's own peak; bounded memory means the long run's peak
stays near the short run's instead of growing with the length.
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
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def make_recording(minutes: float, out: Path) -> float:
    """Concatenate the synthesized dialogue until it lasts ``minutes``; returns its seconds."""
    from kvali.pipelines.synth import synthesize_dialogue
    from transcribe import LINES  # the benchmark's dialogue

    one = out.with_name("one.wav")
    synthesize_dialogue(LINES * 2, one, language="en")
    with wave.open(str(one)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    seconds_one = params.nframes / params.framerate
    copies = max(1, round(minutes * 60 / seconds_one))
    with wave.open(str(out), "wb") as w:
        w.setparams(params)
        for _ in range(copies):
            w.writeframes(frames)
    return copies * seconds_one


def child(audio: str, model: str) -> None:
    from transcribe import run_kvali

    out = run_kvali(audio, model, "cpu", "en", 1)
    out.pop("text")
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--short", type=float, default=5)
    ap.add_argument("--model", default="bundled:tiny.en")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.model)
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, minutes in (("short", args.short), ("long", args.minutes)):
            audio = Path(tmp) / f"{name}.wav"
            seconds = make_recording(minutes, audio)
            t0 = time.perf_counter()
            run = subprocess.run(
                [sys.executable, __file__, "--child", str(audio), "--model", args.model],
                check=True, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
            )  # fmt: skip
            out = json.loads(run.stdout.splitlines()[-1])
            results[name] = {
                "audio_min": round(seconds / 60, 1),
                "wall_s": round(time.perf_counter() - t0, 1),
                "rtf": round(out["seconds"] / seconds, 3),
                "peak_rss_mb": round(out["peak_rss_mb"]),
            }
            print(f"{name}: {results[name]}", file=sys.stderr)
    results["rss_growth"] = round(
        results["long"]["peak_rss_mb"] / results["short"]["peak_rss_mb"], 2
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
