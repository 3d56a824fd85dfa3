"""Score a trained pipeline on NorNE DocBins: per label, and PER+ORG+LOC (GPE folded in).

Usage: python training/norne/evaluate.py MODEL_DIR CORPUS_DIR [--json OUT.json]
Prints one table per ``*.spacy`` file in CORPUS_DIR (e.g. test/nob.spacy, test/nno.spacy).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring import add_counts, summarize  # noqa: E402


def score(nlp: spacy.Language, path: Path) -> dict[str, dict[str, float]]:
    """Exact-span match, computed here so the CORE aggregate is not a guess from per-label F1."""
    gold_docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    counts: dict[str, list[int]] = {}
    for gold, pred in zip(
        gold_docs,
        nlp.pipe(
            spacy.tokens.Doc(
                nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]
            )
            for d in gold_docs
        ),
        strict=True,
    ):
        add_counts(
            counts,
            ((e.start, e.end, e.label_) for e in gold.ents),
            ((e.start, e.end, e.label_) for e in pred.ents),
        )
    return summarize(counts)


def main(model: str, corpus: str, out: str | None = None) -> None:
    from kvali.privacy.e5ner import register

    register()  # kvali's e5 component (also a spaCy entry point once kvali is installed)
    nlp = spacy.load(model)
    results = {f.stem: score(nlp, f) for f in sorted(Path(corpus).glob("*.spacy"))}
    for name, rows in results.items():
        print(f"== {name}")
        for label, s in rows.items():
            print(f"{label:12} P {s['p']:.3f}  R {s['r']:.3f}  F1 {s['f']:.3f}")
    if out:
        Path(out).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], a[a.index("--json") + 1] if "--json" in a else None)
