"""CI speed guard: every phase of the scale benchmark must grow linearly with the corpus.

    .venv/bin/python bench/guard.py                    # what .ci/run runs (about a minute)
    .venv/bin/python bench/guard.py --sizes 25 100 --words 2000 --repeats 3

Runs ``bench/scale.py`` at a small and a large size, each ``--repeats`` times in a fresh process
(sizes interleaved, so a busy spell on the machine hits both), and compares the median CPU
seconds of every phase — import (transcripts, codings), search, reports, the core report, each
report section and each renderer — between the two sizes. A phase fails when it grows more than
``--factor`` (1.5) times faster than the data: ``t_large / t_small > 1.5 × words_large /
words_small``. Only ratios within this run count, never absolute times.

Noise on a shared CI machine is handled three ways: CPU time rather than the wall clock (other
jobs stretch the wall clock, barely a process's own CPU time); medians of the repeats; and phases
under ``--min-s`` CPU seconds at the large size are shown but not judged (their ratios are mostly
timer noise). Last, the guard proves it can fail: one more pair of runs plants an O(N²) loop in
a report section (``scale.py --plant``), and the guard itself fails unless that is caught.

Prints a table of the figures; exit status 1 when a phase grows too fast or the planted
regression went unnoticed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLANT_IN = "guide_coverage"


def run_scale(interviews: int, words: int, *, plant: str | None = None) -> dict[str, Any]:
    """One ``scale.py`` run in its own process; its closing JSON line."""
    cmd = [sys.executable, str(HERE / "scale.py"), "--interviews", str(interviews)]
    cmd += ["--words", str(words), "--skip-baseline", "--search-repeats", "1"]
    if plant:
        cmd += ["--plant", plant]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if proc.returncode != 0:
        raise SystemExit(
            f"bench/scale.py --interviews {interviews} failed ({proc.returncode}):\n"
            + proc.stderr[-3000:]
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Median CPU seconds per phase over repeated runs of one size."""
    names = runs[0]["phases"].keys()
    return {n: statistics.median(r["phases"][n]["cpu_s"] for r in runs) for n in names}


def judge(
    small: dict[str, float],
    large: dict[str, float],
    data_ratio: float,
    *,
    factor: float = 1.5,
    min_s: float = 0.2,
) -> list[dict[str, Any]]:
    """Per phase: its growth, the limit, and whether it was judged and failed.

    ``small`` and ``large`` are median CPU seconds per phase at the two sizes; ``data_ratio`` is
    how much larger the large corpus is (in words). A phase under ``min_s`` at the large size is
    not judged: at a fifth of a second a linear phase takes 50 ms or more at a quarter of the
    size, where a few milliseconds of timer noise cannot push its growth past the limit.
    """
    limit = factor * data_ratio
    out = []
    for name in large:
        big, little = large[name], small.get(name, 0.0)
        growth = big / max(little, 1e-9)
        judged = big >= min_s
        out.append(
            {
                "phase": name,
                "small_s": little,
                "large_s": big,
                "growth": growth,
                "limit": limit,
                "judged": judged,
                "failed": judged and growth > limit,
            }
        )
    return out


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    print(title)
    print(f"  {'phase':<28} {'small s':>9} {'large s':>9} {'growth':>8} {'limit':>6}  verdict")
    for r in rows:
        verdict = "FAIL" if r["failed"] else "ok" if r["judged"] else "(too short to judge)"
        print(
            f"  {r['phase']:<28} {r['small_s']:9.3f} {r['large_s']:9.3f} "
            f"{r['growth']:7.2f}× {r['limit']:5.1f}×  {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs=2, default=(25, 100), metavar=("SMALL", "LARGE"))
    ap.add_argument("--words", type=int, default=4000, help="words per interview (default 4000)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--factor", type=float, default=1.5)
    ap.add_argument(
        "--min-s", type=float, default=0.1, help="CPU seconds below which a phase is not judged"
    )
    ap.add_argument("--no-plant", action="store_true", help="skip the planted-regression check")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    small_n, large_n = args.sizes
    if not 0 < small_n < large_n:
        ap.error("--sizes needs SMALL < LARGE")

    t0 = time.perf_counter()
    runs: dict[int, list[dict[str, Any]]] = {small_n: [], large_n: []}
    for k in range(args.repeats):
        for n in (small_n, large_n):
            runs[n].append(run_scale(n, args.words))
            print(f"[guard] run {k + 1}/{args.repeats}, {n} interviews: "
                  f"reports {runs[n][-1]['phases']['reports']['cpu_s']:.2f} s CPU", file=sys.stderr)  # fmt: skip
    data_ratio = runs[large_n][0]["words"] / runs[small_n][0]["words"]
    rows = judge(
        medians(runs[small_n]), medians(runs[large_n]), data_ratio,
        factor=args.factor, min_s=args.min_s,
    )  # fmt: skip
    print_table(
        rows,
        f"Speed guard: {small_n} → {large_n} interviews × {args.words} words "
        f"(data × {data_ratio:.2f}; median CPU seconds of {args.repeats} runs each)",
    )
    failed = [r["phase"] for r in rows if r["failed"]]
    planted: list[dict[str, Any]] = []
    caught = True
    if not args.no_plant:
        pair = [run_scale(n, args.words, plant=PLANT_IN) for n in (small_n, large_n)]
        planted = judge(
            medians([pair[0]]), medians([pair[1]]), data_ratio,
            factor=args.factor, min_s=args.min_s,
        )  # fmt: skip
        mark = next(r for r in planted if r["phase"] == f"section.{PLANT_IN}")
        caught = mark["failed"]
        print(
            f"Planted O(N²) loop in section {PLANT_IN}: {mark['small_s']:.3f} → "
            f"{mark['large_s']:.3f} s ({mark['growth']:.1f}×, limit {mark['limit']:.1f}×): "
            + ("caught" if caught else "NOT CAUGHT — the guard cannot fail, fix it")
        )
    elapsed = time.perf_counter() - t0
    if args.json:
        args.json.write_text(
            json.dumps({"phases": rows, "planted": planted, "elapsed_s": elapsed}, indent=1),
            encoding="utf-8",
        )
    if failed:
        print(f"FAIL: grew faster than the data: {', '.join(failed)}")
    print(f"guard took {elapsed:.0f} s")
    return 1 if failed or not caught else 0


if __name__ == "__main__":
    sys.exit(main())
