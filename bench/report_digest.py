"""The report's content as one normalized JSON file, to show that a speed change kept it.

    .venv/bin/python bench/report_digest.py --interviews 40 --words 3000 --out after.json
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/report_digest.py ... --out before.json
    .venv/bin/python bench/report_digest.py --compare before.json after.json

Builds the scale benchmark's corpus for a fixed seed (two coders, a guide, a framework) through
kvali's real services, then writes: the study report as JSON with every section (the time stamp
dropped; the agreement section as rows keyed by interview, whether it arrives as one table or
one table per interview), and the analysis services' own output: agreement at every unit level
with and without uncoded text, guide coverage, and the framework matrix by interview and by
theme. ``--compare`` lists every difference (floats exactly, or within ``--rel-tol``) and exits 1
when there is one.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

from scale import Phases, Profiler, kvali_import
from scale_corpus import Generator


def _agreement_rows(section: dict[str, Any]) -> list[list[Any]]:
    """Agreement rows as [interview, code, …] from one table per interview or one table."""
    rows: list[list[Any]] = []
    for tab in section["tables"]:
        if len(tab["columns"]) == 9:  # one table per interview, titled by it
            rows += [[tab["title"], *row] for row in tab["rows"]]
        else:
            rows += [list(row) for row in tab["rows"]]
    return rows


def digest(interviews: int, words: int, seed: int) -> dict[str, Any]:
    from kvali.analysis.agreement import agreement
    from kvali.analysis.coverage import guide_coverage
    from kvali.analysis.frameworks import list_frameworks
    from kvali.analysis.matrix import framework_matrix
    from kvali.reports.build import build_report
    from kvali.reports.render import render_json
    from kvali.reports.sections import collect_sections

    work = Path(tempfile.mkdtemp(prefix="kvali-digest-"))
    src = work / "transcripts"
    src.mkdir()
    gen = Generator(seed)
    corpus = [
        gen.interview(src, i, interviews, words, max(1, words // 200))
        for i in range(1, interviews + 1)
    ]
    project, sid, _t, _tids = kvali_import(work / "p", corpus, None, Profiler(set()), Phases())
    out: dict[str, Any] = {}
    with project.begin() as conn:
        report = build_report(conn, sid)
        report.sections = collect_sections(conn, sid, project.path, "nb")
        data = json.loads(render_json(report))
        data.pop("generated_at", None)
        for section in data.get("sections", []):
            if section["key"] == "agreement":
                section["tables"] = _agreement_rows(section)
        out["report"] = data
        for level in ("char", "turn", "sentence"):
            for uncoded in (True, False):
                out[f"agreement_{level}_{'with' if uncoded else 'without'}_uncoded"] = agreement(
                    conn, sid, level=level, include_uncoded=uncoded
                )
        out["guide_coverage"] = guide_coverage(conn, sid)
        for by in ("interview", "theme"):
            out[f"framework_matrix_by_{by}"] = [
                framework_matrix(conn, sid, fw["id"], by=by) for fw in list_frameworks(conn, sid)
            ]
    project.close()
    return json.loads(json.dumps(out, ensure_ascii=False, default=str))


def differences(a: Any, b: Any, rel_tol: float, path: str = "$") -> list[str]:
    if isinstance(a, float) and isinstance(b, float):
        same = a == b or math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0)
        return [] if same else [f"{path}: {a!r} != {b!r}"]
    if type(a) is not type(b):
        return [f"{path}: {type(a).__name__} {a!r:.80} != {type(b).__name__} {b!r:.80}"]
    if isinstance(a, dict):
        out = [f"{path}.{k}: only in one" for k in sorted(set(a) ^ set(b))]
        for k in a:
            if k in b:
                out += differences(a[k], b[k], rel_tol, f"{path}.{k}")
        return out
    if isinstance(a, list):
        out = [] if len(a) == len(b) else [f"{path}: length {len(a)} != {len(b)}"]
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out += differences(x, y, rel_tol, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {a!r:.80} != {b!r:.80}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interviews", type=int, default=40)
    ap.add_argument("--words", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    ap.add_argument("--rel-tol", type=float, default=0.0)
    args = ap.parse_args(argv)
    if args.compare:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        diffs = differences(a, b, args.rel_tol)
        for d in diffs[:50]:
            print(d)
        n_values = len(json.dumps(a))
        print(f"{len(diffs)} differences ({n_values:,} characters of JSON compared)")
        return 1 if diffs else 0
    if args.out is None:
        ap.error("give --out FILE or --compare BEFORE AFTER")
    args.out.write_text(
        json.dumps(digest(args.interviews, args.words, args.seed), ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
