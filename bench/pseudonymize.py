"""Pseudonymization benchmark (issue 5, point 6): throughput and recall/precision.

    .venv/bin/python bench/pseudonymize.py [--interviews 4] [--words 8000] [--no-append]

1. Throughput: words per second of ``detect_docs`` (model + study list + gazetteers + patterns
   + propagation) on transcripts from the scale corpus generator (bench/scale.py), one text per
   turn batch, model load excluded, 1 thread.
2. Quality on tests/privacy/data/eval_nb.jsonl: interview-like passages written for kvali (not
   NorNE text) in Bokmål, Nynorsk and English; each gold surface marks all its whole-word
   occurrences. A gold name counts as *masked* when a detection that would be replaced
   (score ≥ 0.5) covers all of it, whatever the label (what matters for privacy); *exact* needs
   the same span and label. Precision: replaced detections that overlap a gold name.
Results are appended to docs/benchmarks.md under "Pseudonymization".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
EVAL = ROOT / "tests" / "privacy" / "data" / "eval_nb.jsonl"


def gold_spans(text: str, gold: list[list[str]]) -> list[tuple[int, int, str]]:
    spans = []
    for surface, label in gold:
        pat = r"(?<!\w)" + re.escape(surface) + r"(?!\w)"
        spans += [(m.start(), m.end(), label) for m in re.finditer(pat, text)]
    # A surface inside a longer gold name («Lie» in «Hanne Lie») is that name, not another.
    return sorted(
        {s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)}
    )


def quality(min_score: float = 0.5) -> dict:
    from kvali.privacy.detect import detect_docs

    rows = [json.loads(x) for x in EVAL.read_text(encoding="utf-8").splitlines() if x.strip()]
    out = {}
    for lang in ("nb", "nn", "en"):
        items = [r for r in rows if r["lang"] == lang]
        dets = detect_docs([r["text"] for r in items], lang=lang)
        n_gold = masked = exact = n_pred = true_pred = 0
        for r, ds in zip(items, dets, strict=True):
            ds = [d for d in ds if d.score >= min_score]
            gold = gold_spans(r["text"], r["gold"])
            n_gold += len(gold)
            for s, e, label in gold:
                covered = set()
                for d in ds:
                    covered |= set(range(max(s, d.start), min(e, d.end)))
                masked += len(covered) == e - s
                exact += any((d.start, d.end, d.label) == (s, e, label) for d in ds)
            n_pred += len(ds)
            true_pred += sum(any(d.start < e and s < d.end for s, e, _ in gold) for d in ds)
        out[lang] = {
            "passages": len(items),
            "gold": n_gold,
            "recall_masked": round(masked / n_gold, 3) if n_gold else None,
            "recall_exact": round(exact / n_gold, 3) if n_gold else None,
            "precision": round(true_pred / n_pred, 3) if n_pred else None,
        }
    return out


def throughput(interviews: int, words: int) -> dict:
    from kvali.interop.transcripts import parse_transcript
    from kvali.privacy.detect import detect_docs, load_model
    from scale_corpus import Generator

    gen = Generator(seed=5)
    texts = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(interviews):
            gi = gen.interview(Path(tmp), i + 1, interviews, words, 0)
            texts.append("\n".join(t.text for t in parse_transcript(gi.path).turns))
    n_words = sum(len(t.split()) for t in texts)
    load_model("nb")
    t0 = time.perf_counter()
    detect_docs(texts, lang="nb")
    secs = time.perf_counter() - t0
    return {"words": n_words, "seconds": round(secs, 2), "words_per_s": round(n_words / secs)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interviews", type=int, default=4)
    ap.add_argument("--words", type=int, default=8000)
    ap.add_argument("--no-append", action="store_true")
    a = ap.parse_args(argv)
    from kvali.privacy.detect import MODEL_DIR

    meta = json.loads((MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    q = quality()
    tp = throughput(a.interviews, a.words)
    result = {"throughput": tp, "quality": q, "model": f"{meta['name']} {meta['version']}"}
    print(json.dumps(result, ensure_ascii=False))
    if not a.no_append:
        lines = [
            "",
            f"### {date.today().isoformat()} · {platform.machine()} · {os.cpu_count()} CPU cores "
            f"(shared), 1 thread · model {result['model']}",
            "",
            f"- Throughput (scale-corpus transcripts, {tp['words']} words): "
            f"**{tp['words_per_s']} words/s** ({tp['seconds']} s)",
            "- Evaluation set tests/privacy/data/eval_nb.jsonl (score ≥ 0.5 = replaced):",
            "",
            "| lang | passages | gold names | recall (masked) | recall (exact span+label) | precision |",
            "|---|---|---|---|---|---|",
        ]
        for lang, r in q.items():
            lines.append(
                f"| {lang} | {r['passages']} | {r['gold']} | {r['recall_masked']} | "
                f"{r['recall_exact']} | {r['precision']} |"
            )
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text(encoding="utf-8")
        if "\n## Pseudonymization" not in text:
            lines = ["", "## Pseudonymization (`bench/pseudonymize.py`)", *lines]
        with open(doc, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
