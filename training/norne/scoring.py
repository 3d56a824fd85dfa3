"""Exact-span precision/recall/F1 per label and for PER+ORG+LOC, shared by the NorNE scripts.

No spaCy or torch here, so the GPU fine-tuning run (``e5/finetune.py``) can import it too.
"""

from __future__ import annotations

from collections.abc import Iterable

CORE = ("PER", "ORG", "LOC")
Span = tuple[int, int, str]  # start, end, label


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "p": round(p, 4),
        "r": round(r, 4),
        "f": round(2 * p * r / (p + r) if p + r else 0.0, 4),
    }


def add_counts(counts: dict[str, list[int]], gold: Iterable[Span], pred: Iterable[Span]) -> None:
    """Add one document's true positives, false positives and false negatives per label."""
    g, p = set(gold), set(pred)
    for lb in {x[2] for x in g | p}:
        c = counts.setdefault(lb, [0, 0, 0])
        gl, pl = {x for x in g if x[2] == lb}, {x for x in p if x[2] == lb}
        c[0] += len(gl & pl)
        c[1] += len(pl - gl)
        c[2] += len(gl - pl)


def summarize(counts: dict[str, list[int]], *, all_labels: bool = True) -> dict[str, dict]:
    """Per label, PER+ORG+LOC (micro, not a mean of F1s) and, optionally, ALL."""
    out = {lb: prf(*c) for lb, c in sorted(counts.items())}
    out["PER+ORG+LOC"] = prf(*(sum(counts.get(lb, [0, 0, 0])[i] for lb in CORE) for i in range(3)))
    if all_labels:
        out["ALL"] = prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return out
