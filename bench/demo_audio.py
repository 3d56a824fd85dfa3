"""`kvali demo`: how long the whole demo takes with and without its recording.

    .venv/bin/python bench/demo_audio.py [--runs 2]

Runs ``kvali demo DIR`` (a fresh folder each time, the real command in a subprocess) with and
without ``--no-audio``, alternating, and prints the median seconds of each and their ratio; the
recording part is what transcribing and aligning Intervju 1's shipped recording (66 s of
audio) adds. The last stdout line is JSON. The first run also joins the Whisper base model
into the cache if it is not there yet: that run is reported apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KVALI = Path(sys.executable).with_name("kvali")


def run(folder: Path, audio: bool) -> float:
    args = [str(KVALI), "demo", str(folder)] + ([] if audio else ["--no-audio"])
    t0 = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warm = run(Path(tmp) / "warm", True)  # model join, page cache
        times: dict[str, list[float]] = {"without": [], "with": []}
        for i in range(args.runs):
            for key in ("without", "with"):
                times[key].append(run(Path(tmp) / f"{key}{i}", key == "with"))
                print(f"run {i + 1} {key} recording: {times[key][-1]:.1f} s", file=sys.stderr)
    out = {k: round(statistics.median(v), 1) for k, v in times.items()}
    out["ratio_with_over_without"] = round(out["with"] / out["without"], 2)
    out["first_run_s"] = round(warm, 1)
    print(f"kvali demo: {out['without']} s without the recording, {out['with']} s with it "
          f"(× {out['ratio_with_over_without']}); first run {out['first_run_s']} s")  # fmt: skip
    print(json.dumps(out))


if __name__ == "__main__":
    main()
