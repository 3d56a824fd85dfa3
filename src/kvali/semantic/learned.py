"""Suggestions learned from the researcher's own codings, and an honest measure of them (numpy).

A researcher who has coded one interview has shown what each code means better than any
description. Each label (a code, category or theme) is scored three ways for a segment, all on
one scale: how unusual the similarity is among *this study's* segments (a z-score against the
study's background), so that descriptions and examples, and labels with many and few examples,
compete fairly:

* the zero-shot score of its description (the best prototype of its subtree, see suggest.py);
* the cosine to the centroid of its coded examples;
* the mean of its two nearest coded examples (a label can have more than one kind of talk).

The example evidence is mixed with the description in proportion to the examples:
``a = n / (n + PRIOR_WEIGHT)``, so a label with two examples leans on its description, one with
twenty on its codings; a label with fewer than ``MIN_EXAMPLES`` is suggested from its
description alone (and says so). Rejected suggestions count against their label for segments
like them. Chosen on the train-like interviews of bench/data/plf against nearest prototypes,
k-nearest neighbours and logistic regression (which pushes down every label not yet coded and
so loses to zero-shot until about a hundred codings; docs/benchmarks.md).

Honesty: :func:`cross_validate` predicts each coding from a model that never saw it (folds by
interview, or by turn when only one interview is coded), fits the softmax temperature that makes
scores probabilities, and picks the abstention threshold at which answers were right at least
``TARGET_PRECISION`` of the time — on this study's codings, not on the developers' data. The
same folds give Cohen's κ and accuracy, for zero-shot too, and a learning curve.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kvali.semantic.metrics import accuracy, cohen_kappa

MIN_EXAMPLES = 2  # fewer coded examples: the label is suggested from its description alone
MIN_CODINGS = 10  # fewer codings at this level: zero-shot for all
PRIOR_WEIGHT = 4.0  # the description weighs as much as this many examples
KNN = 2  # nearest examples averaged
TARGET_PRECISION = 0.85
MIN_ANSWERS = 5  # a threshold needs at least this many held-out answers behind it
BACKGROUND_MAX = 2000  # segments sampled for the z-scales
MAX_FOLDS = 8
TURN_FOLDS = 5
CURVE_SIZES = (10, 25, 50, 100, 200, 400)
# "None of them": a constant score among the labels' (on the z-scale: no label unusually close),
# so off-topic talk keeps its probability away from every code and the suggester abstains.
# 0.5 chosen on the train-like interviews of bench/data/plf (off-topic remarks abstained on
# with one coded interview: 12 % → 75 % at the theme level, 50 % → 75 % at the code level).
NONE_SCORE = 0.5
TAUS = (0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)

ZeroShot = Callable[[np.ndarray], np.ndarray]  # vectors (n × d) → raw scores (n × labels)


def _unit(a: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.where(n > 0, n, 1.0)


def _std(a: np.ndarray, axis: int = 0) -> np.ndarray:
    s = a.std(axis=axis)
    return np.where(s > 1e-6, s, 1e-6)


def sample_rows(n: int, limit: int = BACKGROUND_MAX) -> np.ndarray:
    """Evenly spaced, deterministic sample of ``n`` row positions."""
    if n <= limit:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).round().astype(np.int64)


@dataclass
class Evidence:
    """What a model learns from: coded examples (vectors and label indices), the interview
    (group) and turn (unit) of each for the folds, and rejected suggestions as negatives."""

    vectors: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    units: np.ndarray
    negatives: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    negative_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        if self.vectors.ndim != 2:
            self.vectors = self.vectors.reshape(len(self.labels), -1)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.groups = np.asarray(self.groups, dtype=np.int64)
        self.units = np.asarray(self.units, dtype=np.int64)
        if len(self.negatives) == 0:
            self.negatives = np.zeros((0, self.vectors.shape[1]), np.float32)
        self.negatives = np.asarray(self.negatives, dtype=np.float32)
        self.negative_labels = np.asarray(self.negative_labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def counts(self, k: int) -> np.ndarray:
        return np.bincount(self.labels, minlength=k)


class Space:
    """The study's background (unlabelled segments) and the zero-shot scorer, with the per-label
    statistics that put every score on one z-scale."""

    def __init__(self, zero_shot: ZeroShot, background: np.ndarray, k: int) -> None:
        self.zero_shot = zero_shot
        self.k = k
        bg = np.asarray(background, dtype=np.float32)
        self.background = bg[sample_rows(len(bg))] if len(bg) else bg
        if len(self.background) < 2:
            raise ValueError("the z-scales need at least two background segments")
        zb = zero_shot(self.background)
        self._zmean, self._zstd = zb.mean(0), _std(zb)

    def zd(self, vectors: np.ndarray) -> np.ndarray:
        """Zero-shot scores of ``vectors`` on the z-scale (n × k)."""
        return (self.zero_shot(np.asarray(vectors, np.float32)) - self._zmean) / self._zstd

    def zd_raw(self, raw: np.ndarray) -> np.ndarray:
        return (raw - self._zmean) / self._zstd


class Model:
    """Fitted label scores from examples and descriptions; cheap to refit (sums and a few
    matrix products), so it is refitted whenever codings change rather than updated."""

    def __init__(
        self,
        space: Space,
        evidence: Evidence,
        *,
        index: np.ndarray | None = None,
        sb: np.ndarray | None = None,
        gram: np.ndarray | None = None,
        prior_weight: float = PRIOR_WEIGHT,
        knn: int = KNN,
        min_examples: int = MIN_EXAMPLES,
    ) -> None:
        k = space.k
        idx = np.arange(len(evidence)) if index is None else np.asarray(index, np.int64)
        self.space, self.k, self.knn = space, k, knn
        self.vectors = evidence.vectors[idx]
        self.labels = evidence.labels[idx]
        bg = space.background
        sb = bg @ self.vectors.T if sb is None else sb  # background × examples
        gram = self.vectors @ self.vectors.T if gram is None else gram
        self._me, self._se = sb.mean(0), _std(sb)
        self.counts = np.bincount(self.labels, minlength=k)
        used = self.counts >= min_examples
        self.weight = np.where(used, self.counts / (self.counts + prior_weight), 0.0)
        self.members = [np.where(self.labels == c)[0] for c in range(k)]
        self._norm = np.ones(k)
        self._cmean, self._cstd = np.zeros(k), np.ones(k)
        for c in np.where(used)[0]:
            m = self.members[c]
            self._norm[c] = float(np.sqrt(max(gram[np.ix_(m, m)].sum(), 1e-12)))
            cb = sb[:, m].sum(1) / self._norm[c]
            self._cmean[c], self._cstd[c] = cb.mean(), max(float(cb.std()), 1e-6)
        neg = evidence.negatives
        self.negatives = neg
        self.negative_labels = evidence.negative_labels
        if len(neg):
            nb = bg @ neg.T
            self._nm, self._ns = nb.mean(0), _std(nb)
            r = np.bincount(self.negative_labels, minlength=k)
            self.negative_weight = r / (r + prior_weight)
        else:
            self.negative_weight = np.zeros(k)

    def score_sims(
        self, st: np.ndarray, zd: np.ndarray, sn: np.ndarray | None = None
    ) -> np.ndarray:
        """Scores (t × k) from the targets' cosines to the examples (``st``, t × n), their
        zero-shot z-scores and their cosines to the negatives (``sn``)."""
        z = (st - self._me) / self._se
        s = zd.copy()
        for c in np.where(self.weight > 0)[0]:
            m = self.members[c]
            centroid = (st[:, m].sum(1) / self._norm[c] - self._cmean[c]) / self._cstd[c]
            near = np.sort(z[:, m], axis=1)[:, -min(self.knn, len(m)) :].mean(1)
            a = self.weight[c]
            s[:, c] = (1 - a) * zd[:, c] + a * 0.5 * (centroid + near)
        if sn is not None and sn.shape[1]:
            zn = (sn - self._nm) / self._ns
            for c in np.where(self.negative_weight > 0)[0]:
                worst = zn[:, self.negative_labels == c].max(1)
                s[:, c] -= self.negative_weight[c] * np.maximum(worst, 0.0)
        return s

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        x = np.asarray(vectors, dtype=np.float32)
        sn = x @ self.negatives.T if len(self.negatives) else None
        return self.score_sims(x @ self.vectors.T, self.space.zd(x), sn)


def softmax(s: np.ndarray, tau: float) -> np.ndarray:
    z = s / tau
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def probabilities(s: np.ndarray, tau: float) -> np.ndarray:
    """Label probabilities (t × k); what is missing to 1 is "none of them" (``NONE_SCORE``)."""
    z = np.concatenate([s, np.full((len(s), 1), NONE_SCORE)], axis=1)
    return softmax(z, tau)[:, :-1]


def fit_tau(s: np.ndarray, gold: np.ndarray) -> float:
    """The temperature that makes held-out scores the best probabilities (log-likelihood)."""
    best, best_ll = TAUS[0], -np.inf
    for tau in TAUS:
        p = probabilities(s, tau)[np.arange(len(gold)), gold]
        ll = float(np.log(np.maximum(p, 1e-12)).mean())
        if ll > best_ll:
            best, best_ll = tau, ll
    return best


def pick_threshold(
    confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_PRECISION
) -> dict[str, Any]:
    """The lowest confidence at which held-out answers were right at least ``target`` of the
    time (the most coverage that keeps the precision); if no cut reaches it, the cut with the
    best precision over at least a tenth of the answers, marked as not reached."""
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    n = np.arange(1, len(order) + 1)
    precision = hits / n
    ok = np.where((precision >= target) & (n >= min(MIN_ANSWERS, len(order))))[0]
    reached = len(ok) > 0
    if reached:
        i = int(ok.max())
    else:
        floor = max(1, len(order) // 10) - 1
        i = int(floor + np.argmax(precision[floor:])) if len(order) else 0
    if not len(order):
        return {"threshold": 1.0, "coverage": 0.0, "precision": float("nan"), "reached": False}
    return {
        "threshold": float(confidence[order[i]]),
        "coverage": float((i + 1) / len(order)),
        "precision": float(precision[i]),
        "reached": bool(reached),
    }


def folds_for(evidence: Evidence) -> tuple[np.ndarray, str]:
    """Fold of each example: by interview when two or more are coded (a new interview is what
    suggestions are for), else by turn (so sentences of one answer stay together)."""
    groups = np.unique(evidence.groups)
    if len(groups) >= 2:
        pos = {g: i % MAX_FOLDS for i, g in enumerate(groups)}
        return np.array([pos[g] for g in evidence.groups], np.int64), "interview"
    units = np.unique(evidence.units)
    pos = {u: i % TURN_FOLDS for i, u in enumerate(units)}
    return np.array([pos[u] for u in evidence.units], np.int64), "turn"


def _labels(names: Sequence[str] | None, ids: np.ndarray) -> list[Any]:
    return [names[i] for i in ids] if names is not None else [int(i) for i in ids]


def cross_validate(
    space: Space,
    evidence: Evidence,
    *,
    names: Sequence[str] | None = None,
    sizes: Sequence[int] = CURVE_SIZES,
    repeats: int = 3,
    seed: int = 0,
    target: float = TARGET_PRECISION,
) -> dict[str, Any]:
    """Held-out agreement of the learned model and of zero-shot with the researcher's codings,
    the calibration (temperature, threshold) and a learning curve; plain data (JSON)."""
    n, k = len(evidence), space.k
    fold, kind = folds_for(evidence)
    e = evidence.vectors
    sb = space.background @ e.T
    gram = e @ e.T
    zd = space.zd(e)
    sn = e @ evidence.negatives.T if len(evidence.negatives) else None
    gold = evidence.labels

    def run(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        m = Model(space, evidence, index=train, sb=sb[:, train], gram=gram[np.ix_(train, train)])
        return m.score_sims(gram[np.ix_(test, train)], zd[test], None if sn is None else sn[test])

    scores = np.zeros((n, k))
    for f in np.unique(fold):
        test, train = np.where(fold == f)[0], np.where(fold != f)[0]
        scores[test] = run(train, test)
    learned = scores.argmax(1)
    zero = zd.argmax(1)
    tau = fit_tau(scores, gold)
    conf = probabilities(scores, tau).max(1)
    cut = pick_threshold(conf, learned == gold, target)
    g, pl, pz = _labels(names, gold), _labels(names, learned), _labels(names, zero)
    rng = np.random.default_rng(seed)
    curve = []
    smallest = min(int((fold != f).sum()) for f in np.unique(fold))
    for size in [s for s in sizes if s < smallest]:
        got, want = [], []
        for _ in range(repeats):
            for f in np.unique(fold):
                test, pool = np.where(fold == f)[0], np.where(fold != f)[0]
                train = np.sort(rng.choice(pool, size, replace=False))
                got.extend(run(train, test).argmax(1).tolist())
                want.extend(gold[test].tolist())
        curve.append(_point(size, want, got, names))
    mean_train = int(round(np.mean([(fold != f).sum() for f in np.unique(fold)])))
    curve.append(_point(mean_train, gold.tolist(), learned.tolist(), names) | {"all": True})
    counts = evidence.counts(k)
    only_learned = int(((learned == gold) & (zero != gold)).sum())
    only_zero = int(((zero == gold) & (learned != gold)).sum())
    return {
        "codings": int(n),
        "folds": int(len(np.unique(fold))),
        "folds_by": kind,
        "learned": _agreement(g, pl),
        "zero_shot": _agreement(g, pz),
        # Codings only one of them got right, and how likely zero-shot's lead is by chance.
        "only_learned": only_learned,
        "only_zero_shot": only_zero,
        "p_zero_shot_better": _num(sign_test(only_zero, only_learned)),
        "tau": tau,
        "threshold": round(cut["threshold"], 4),
        "coverage": _num(cut["coverage"]),
        "precision": _num(cut["precision"]),
        "target_precision": target,
        "target_reached": cut["reached"],
        "curve": curve,
        "examples": {(_labels(names, [c])[0]): int(counts[c]) for c in range(k) if counts[c]},
        "fallback": [_labels(names, [c])[0] for c in range(k) if counts[c] < MIN_EXAMPLES],
        "rejected": int(len(evidence.negative_labels)),
    }


def _num(x: float) -> float | None:
    """JSON-safe: NaN (κ of a single label) becomes None."""
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


def _agreement(want: list[Any], got: list[Any]) -> dict[str, float | None]:
    return {"accuracy": _num(accuracy(want, got)), "kappa": _num(cohen_kappa(want, got))}


def _point(size: int, want: list[int], got: list[int], names: Sequence[str] | None) -> dict:
    w, g = _labels(names, np.asarray(want)), _labels(names, np.asarray(got))
    return {"codings": int(size)} | _agreement(w, g)


def sign_test(wins: int, losses: int) -> float:
    """One-sided exact sign test: the chance of ``wins`` or more of ``wins + losses`` discordant
    pairs if both were equally good."""
    n = wins + losses
    if n == 0:
        return 1.0
    return sum(math.comb(n, i) for i in range(wins, n + 1)) / 2**n


SIGNIFICANCE = 0.05


def use_learned(evaluation: dict[str, Any]) -> bool:
    """Learned suggestions once there are enough codings of at least two labels, unless
    zero-shot agreed with the researcher *clearly* better on the same held-out codings (sign
    test, p < 0.05). A plain "≥" would throw learning away on noise: with one coded interview
    the folds are single turns of one speaker, where descriptions happen to do well (measured on
    bench/data/plf: learned from interview 1 was better on every held-out interview at every
    level, while folds inside interview 1 favoured zero-shot at the theme level by 4 of 36)."""
    return bool(
        evaluation.get("codings", 0) >= MIN_CODINGS
        and len(evaluation.get("examples", {})) >= 2
        and (evaluation.get("p_zero_shot_better") or 1.0) >= SIGNIFICANCE
    )
