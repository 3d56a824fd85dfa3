"""Grouping voice embeddings into speakers: average-linkage agglomerative clustering on cosine
similarity, to a given number of speakers or until no two groups sound alike enough.

Short utterances (a «ja», an «mm») give unreliable embeddings, so they do not shape the
clusters; each is assigned afterwards to the speaker it sounds most like.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 0.80  # stop merging below this average cosine similarity (estimated speaker count)


def agglomerate(
    emb: np.ndarray, *, n: int | None = None, threshold: float = THRESHOLD
) -> np.ndarray:
    """Cluster labels 0..k-1 for L2-normalised rows of ``emb``."""
    m = len(emb)
    if m == 0:
        return np.zeros(0, dtype=int)
    target = max(1, min(n, m)) if n else 1
    sim = (emb @ emb.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(m)
    alive = np.ones(m, dtype=bool)
    label = np.arange(m)
    for _ in range(m - target):
        flat = int(np.argmax(sim))
        a, b = divmod(flat, m)
        if not n and sim[a, b] < threshold:
            break
        # Lance–Williams update for average linkage: b merges into a
        merged = (size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])
        sim[a], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        sim[b, :], sim[:, b] = -np.inf, -np.inf
        size[a] += size[b]
        alive[b] = False
        label[label == b] = a
    _, dense = np.unique(label, return_inverse=True)
    return dense


def linkage(emb: np.ndarray) -> list[tuple[int, int]]:
    """The average-linkage merge order of L2-normalised rows (most similar pair first):
    ``(a, b)`` merges cluster b into a. One pass serves every cut (:func:`cut_tree`)."""
    m = len(emb)
    sim = (emb @ emb.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(m)
    merges = []
    for _ in range(m - 1):
        a, b = divmod(int(np.argmax(sim)), m)
        merged = (size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])
        sim[a], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        sim[b, :], sim[:, b] = -np.inf, -np.inf
        size[a] += size[b]
        merges.append((a, b))
    return merges


def cut_tree(merges: list[tuple[int, int]], m: int, k: int) -> np.ndarray:
    """Labels 0..k-1 after the first ``m - k`` merges, numbered in order of first row."""
    label = np.arange(m)
    for a, b in merges[: max(0, m - max(1, k))]:
        label[label == b] = a
    _, first = np.unique(label, return_index=True)
    order = {int(label[i]): n for n, i in enumerate(sorted(first))}
    return np.array([order[int(x)] for x in label])


def assign_speakers(
    emb: np.ndarray,
    durations_ms: list[int],
    *,
    n: int | None = None,
    min_ms: int = 1000,
    threshold: float = THRESHOLD,
) -> list[int]:
    """A speaker index per utterance, numbered in order of first appearance."""
    if len(emb) == 0:
        return []
    long = np.array([d >= min_ms for d in durations_ms])
    if long.sum() < max(2, n or 2):
        long[:] = True
    core = np.flatnonzero(long)
    labels = np.full(len(emb), -1)
    labels[core] = agglomerate(emb[core], n=n, threshold=threshold)
    k = labels.max() + 1
    centroids = np.stack([emb[labels == j].mean(axis=0) for j in range(k)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    short = np.flatnonzero(~long)
    if len(short):
        labels[short] = np.argmax(emb[short] @ centroids.T, axis=1)
    order: dict[int, int] = {}
    for lab in labels:
        order.setdefault(int(lab), len(order))
    return [order[int(lab)] for lab in labels]
