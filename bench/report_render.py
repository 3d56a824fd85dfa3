"""How report rendering time grows with the study: every format for N and 10·N interviews.

    .venv/bin/python bench/report_render.py [--small 50] [--large 500] [--repeat 3]

Renders the synthetic report of ``bench/report_data.py`` (no database) into every format at two
sizes and prints the best wall time of each and their ratio, measured in the same run, so the
number means the same on a slow or a busy machine: linear work gives about
``large / small`` (10), anything quadratic far more. The last line of stdout is one JSON object.
This replaced a wall-clock assertion in tests/test_report_render.py (500 interviews < 30 s).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kvali.reports.render import write_reports  # noqa: E402
from report_data import synthetic_report  # noqa: E402


def best_seconds(n: int, repeat: int) -> float:
    report = synthetic_report(n)
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="kvali-bench-render-") as tmp:
            t0 = time.perf_counter()
            write_reports(report, Path(tmp), lang="nb")
            times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", type=int, default=50)
    ap.add_argument("--large", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    small = best_seconds(args.small, args.repeat)
    large = best_seconds(args.large, args.repeat)
    out = {
        "small_interviews": args.small,
        "large_interviews": args.large,
        "small_s": round(small, 3),
        "large_s": round(large, 3),
        "ratio": round(large / small, 2),
        "linear_ratio": round(args.large / args.small, 2),
    }
    print(
        f"{args.small} interviews {small:.2f} s · {args.large} interviews {large:.2f} s · "
        f"ratio {out['ratio']} (linear would be {out['linear_ratio']})"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
