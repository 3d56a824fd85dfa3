"""Agreement metrics for suggestions against a researcher's labels (numpy only).

``None`` is a label of its own ("no code fits"), so abstaining on an off-topic statement counts
as agreement, the way two human coders would count it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Label = Any


def _confusion(gold: Sequence[Label], pred: Sequence[Label]) -> tuple[np.ndarray, list[Label]]:
    labels = sorted({*gold, *pred}, key=lambda x: (x is None, str(x)))
    pos = {lab: i for i, lab in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, p in zip(gold, pred, strict=True):
        m[pos[g], pos[p]] += 1
    return m, labels


def accuracy(gold: Sequence[Label], pred: Sequence[Label]) -> float:
    if not gold:
        return float("nan")
    return float(np.mean([g == p for g, p in zip(gold, pred, strict=True)]))


def macro_f1(gold: Sequence[Label], pred: Sequence[Label]) -> float:
    """Mean F1 over the labels that occur in ``gold`` (a label never in gold has no recall)."""
    m, labels = _confusion(gold, pred)
    tp = np.diag(m).astype(float)
    support, predicted = m.sum(1), m.sum(0)
    scores = []
    for i, _ in enumerate(labels):
        if support[i] == 0:
            continue
        p = tp[i] / predicted[i] if predicted[i] else 0.0
        r = tp[i] / support[i]
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(scores)) if scores else float("nan")


def cohen_kappa(gold: Sequence[Label], pred: Sequence[Label]) -> float:
    """Agreement beyond chance: (p_o − p_e) / (1 − p_e)."""
    m, _ = _confusion(gold, pred)
    n = m.sum()
    if n == 0:
        return float("nan")
    po = np.trace(m) / n
    pe = float((m.sum(0) * m.sum(1)).sum()) / (n * n)
    return float((po - pe) / (1 - pe)) if pe < 1 else 1.0
