"""Score kvali's whole detector (model + gazetteers + patterns + propagation) on NorNE.

Runs each NorNE doc's text through the batch interface (``detect_jsonl``, the same code as
``kvali pseudonymize detect --jsonl``) and compares character spans with the gold entities:
exact span + label P/R/F1 per label and for PER+ORG+LOC, and "masked" recall — the share of
gold PER/ORG/LOC names that a detection with score ≥ 0.5 covers whole, whatever its label
(what matters for privacy).

    python training/norne/evaluate_detector.py CORPUS_DIR [--lang nb] [--json OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from kvali.privacy.detect import detect_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring import CORE, add_counts, summarize  # noqa: E402


def score(path: Path, lang: str) -> dict:
    nlp = spacy.blank("nb")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    lines = (json.dumps({"id": i, "text": d.text}) for i, d in enumerate(docs))
    counts: dict[str, list[int]] = {}
    masked = [0, 0]
    for out in detect_jsonl(lines, lang=lang):
        gold_doc = docs[out["id"]]
        g = {(e.start_char, e.end_char, e.label_) for e in gold_doc.ents}
        p = {(e["start"], e["end"], e["label"]) for e in out["entities"] if e["score"] >= 0.5}
        add_counts(counts, g, p)
        for s, e, lb in g:
            if lb in CORE:
                masked[1] += 1
                masked[0] += any(ps <= s and e <= pe for ps, pe, _ in p)
    res = summarize(counts, all_labels=False)
    res["masked recall PER+ORG+LOC"] = round(masked[0] / masked[1], 4) if masked[1] else 0.0
    return res


def main(corpus: str, lang: str, out: str | None) -> None:
    results = {
        f.stem: score(f, lang if f.stem == "nob" or lang == "en" else "nn")
        for f in sorted(Path(corpus).glob("*.spacy"))
    }
    for name, rows in results.items():
        print(f"== {name}")
        for label, s in rows.items():
            print(f"{label:26} {s}")
    if out:
        Path(out).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    a = sys.argv[1:]
    main(
        a[0],
        a[a.index("--lang") + 1] if "--lang" in a else "nb",
        a[a.index("--json") + 1] if "--json" in a else None,
    )
