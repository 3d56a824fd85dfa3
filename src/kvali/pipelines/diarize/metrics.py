"""How right speaker turns are: diarization error rate, words on the right speaker, and the
best one-to-one mapping of hypothesis labels to true speakers that both need.

DER follows NIST md-eval: time is scored in 10 ms frames, a collar of ±``collar_ms`` around
every reference boundary is not scored, overlapping reference speech is scored (a one-voice
hypothesis misses the second voice), and labels are mapped one to one so that the matched time
is largest. ``collar_ms=250`` is the usual 0.25 s collar (``pyannote.metrics`` calls it
``collar=0.5``: it counts the collar's whole width).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

Span = tuple[int, int, str]  # start_ms, end_ms, speaker


def best_mapping(counts: np.ndarray) -> dict[int, int]:
    """Rows → columns, one to one, maximising the summed counts (Hungarian algorithm)."""
    n_r, n_c = counts.shape
    n = max(n_r, n_c)
    if n == 0:
        return {}
    cost = np.zeros((n, n))
    cost[:n_r, :n_c] = counts.max() - counts if counts.size else 0
    if n_r < n or n_c < n:
        cost[n_r:, :] = cost[:, n_c:] = counts.max() if counts.size else 0
    # Kuhn–Munkres with potentials (e-maxx formulation), 1-based with a virtual column 0.
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    way = np.zeros(n + 1, dtype=int)
    match = np.zeros(n + 1, dtype=int)  # match[col] = row
    for i in range(1, n + 1):
        match[0] = i
        j0 = 0
        minv = np.full(n + 1, np.inf)
        used = np.zeros(n + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = match[j0]
            cur = cost[i0 - 1, :] - u[i0] - v[1:]
            free = ~used[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            cand = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(cand)) + 1
            delta = cand[j1 - 1]
            u[match[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    return {
        int(match[j]) - 1: j - 1
        for j in range(1, n + 1)
        if match[j] - 1 < n_r and j - 1 < n_c and counts[match[j] - 1, j - 1] > 0
    }


def _frames(spans: Sequence[Span], labels: list[str], n: int, step: int) -> np.ndarray:
    out = np.zeros((len(labels), n), dtype=bool)
    index = {lab: k for k, lab in enumerate(labels)}
    for s, e, who in spans:
        a, b = max(0, round(s / step)), min(n, round(e / step))
        if b > a:
            out[index[who], a:b] = True
    return out


def der(
    reference: Sequence[Span],
    hypothesis: Sequence[Span],
    *,
    collar_ms: int = 250,
    step_ms: int = 10,
    skip_overlap: bool = False,
) -> dict[str, Any]:
    """Diarization error rate and its parts (missed speech, false alarm, confusion), as
    shares of the scored reference speech time; times in ms."""
    end = max([e for _, e, _ in [*reference, *hypothesis]] or [0])
    n = end // step_ms + 1
    ref_labels = sorted({w for _, _, w in reference})
    hyp_labels = sorted({w for _, _, w in hypothesis})
    ref = _frames(reference, ref_labels, n, step_ms)
    hyp = _frames(hypothesis, hyp_labels, n, step_ms)
    scored = np.ones(n, dtype=bool)
    c = round(collar_ms / step_ms)
    for s, e, _ in reference:
        for edge in (round(s / step_ms), round(e / step_ms)):
            scored[max(0, edge - c) : edge + c] = False
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    if skip_overlap:
        scored &= n_ref <= 1
    ref, hyp, n_ref, n_hyp = ref[:, scored], hyp[:, scored], n_ref[scored], n_hyp[scored]
    counts = ref.astype(np.int64) @ hyp.T.astype(np.int64)
    mapping = best_mapping(counts)
    correct = np.zeros(len(n_ref), dtype=np.int64)
    for r, h in mapping.items():
        correct += ref[r] & hyp[h]
    missed = int(np.maximum(0, n_ref - n_hyp).sum())
    false_alarm = int(np.maximum(0, n_hyp - n_ref).sum())
    confusion = int((np.minimum(n_ref, n_hyp) - correct).sum())
    total = int(n_ref.sum())
    return {
        "der": (missed + false_alarm + confusion) / total if total else 0.0,
        "missed": missed / total if total else 0.0,
        "false_alarm": false_alarm / total if total else 0.0,
        "confusion": confusion / total if total else 0.0,
        "scored_ms": total * step_ms,
        "mapping": {hyp_labels[h]: ref_labels[r] for r, h in mapping.items()},
    }


_TOKEN = re.compile(r"[\w']+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def word_accuracy(
    reference: Sequence[tuple[str, str]], hypothesis: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Share of words on the right speaker: ``(speaker, text)`` turns of the script against
    the transcript's. Words are matched by text (an alignment, so Whisper's timing errors do
    not count), then hypothesis labels are mapped to true speakers one to one."""
    ref = [(w, who) for who, text in reference for w in tokens(text)]
    hyp = [(w, who) for who, text in hypothesis for w in tokens(text)]
    sm = difflib.SequenceMatcher(None, [w for w, _ in ref], [w for w, _ in hyp], autojunk=False)
    pairs = [
        (ref[b.a + k][1], hyp[b.b + k][1]) for b in sm.get_matching_blocks() for k in range(b.size)
    ]
    ref_labels = sorted({r for r, _ in pairs})
    hyp_labels = sorted({h for _, h in pairs})
    counts = np.zeros((len(ref_labels), len(hyp_labels)), dtype=np.int64)
    for r, h in pairs:
        counts[ref_labels.index(r), hyp_labels.index(h)] += 1
    mapping = best_mapping(counts)
    right = sum(int(counts[r, h]) for r, h in mapping.items())
    return {
        "words_right": right / len(pairs) if pairs else 0.0,
        "words_matched": len(pairs),
        "words_reference": len(ref),
        "mapping": {hyp_labels[h]: ref_labels[r] for r, h in mapping.items()},
    }
