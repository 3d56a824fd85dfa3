"""How long ``kvali demo`` takes, phase by phase, against a baseline taken in the same run.

    .venv/bin/python bench/demo.py [--no-audio] [--lang nb]

Builds the demo study in a temporary folder through ``create_demo`` (what the command runs) and
times each phase it reports (project, study and codings, analysis, recording, reports). The
baseline is creating and migrating an empty project, which any kvali command does first; each
phase is printed in seconds and as a multiple of it, so a slow or busy machine does not hide a
phase that grew. The last line of stdout is one JSON object. This replaced a wall-clock assertion
in tests/test_demo_reports.py (the demo under 60 s).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from kvali.demo.build import create_demo
from kvali.project import Project


def baseline_s(repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="kvali-bench-demo-") as tmp:
            t0 = time.perf_counter()
            Project.init(Path(tmp) / "empty").close()
            times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-audio", action="store_true", help="leave out the synthesised recording")
    ap.add_argument("--lang", default="nb")
    args = ap.parse_args()
    base = baseline_s()
    marks: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="kvali-bench-demo-") as tmp:
        t0 = time.perf_counter()
        create_demo(
            Path(tmp) / "demo",
            lang=args.lang,
            audio=not args.no_audio,
            progress=lambda msg: marks.append((msg, time.perf_counter())),
        )
        total = time.perf_counter() - t0
        end = t0 + total
    phases = {}
    for (msg, at), (_next, until) in zip(marks, [*marks[1:], ("end", end)], strict=True):
        phases[msg.split(" (")[0].split(",")[0][:40]] = round(until - at, 2)
    out = {
        "baseline_init_s": round(base, 3),
        "total_s": round(total, 2),
        "total_ratio": round(total / base, 1),
        "phases_s": phases,
        "phase_ratios": {k: round(v / base, 1) for k, v in phases.items()},
    }
    for name, seconds in phases.items():
        print(f"{name:>42}  {seconds:7.2f} s  {seconds / base:6.1f}× baseline")
    print(f"{'total':>42}  {total:7.2f} s  {total / base:6.1f}× baseline ({base:.2f} s)")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
