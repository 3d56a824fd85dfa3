"""Deductive code suggestions: rank a codebook's codes for each segment, or abstain.

A code is represented by its name and description, embedded once (as an e5 "query"), twice
when it has a place in the tree: once plain and once with its path («Tema › Kategori › Kode:
…»), which tells similar codes under different themes apart. Suggesting at a higher level
(``level="theme"``) represents a theme by itself *and everything beneath it*, and scores a
segment by its best match among them: a theme's own description is abstract, its codes say
what talk about it sounds like (measured on bench/data/plf: forced top-1 at theme level 0.53
with the themes' descriptions alone, 0.76 with their subtrees; docs/benchmarks.md).

Raw cosines of e5 sit in a narrow band (0.74–0.90) whatever the topic, so they make a poor
confidence: the suggester abstains by the *lead* of the best label over the segment's mean
score across the codebook, which ranks right answers first far better. The default leads per
level were chosen on the train-like interviews of bench/data/plf for precision ≥ 0.85. Close
runners-up (within ``margin``) come along so the researcher sees the alternatives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kvali.semantic.codebook import CodeDef, labels_at, subtree
from kvali.semantic.models import Embedder

# Abstain when the best label leads the mean by less than this (multilingual-e5-small; chosen
# on the train-like interviews of bench/data/plf for precision >= 0.85, see docs/benchmarks.md).
LEVEL_THRESHOLDS = {"code": 0.038, "category": 0.023, "theme": 0.008}
THRESHOLDS = {"nb": LEVEL_THRESHOLDS["code"], "en": LEVEL_THRESHOLDS["code"]}  # per language
MARGIN = 0.01
TOP = 3
# With fewer than three labels a lead over the mean says little: compare with this cosine instead.
SMALL_CODEBOOK_FLOOR = 0.80


def default_threshold(level: str = "code") -> float:
    return LEVEL_THRESHOLDS.get(level, LEVEL_THRESHOLDS["code"])


def prototypes(codes: list[CodeDef], labels: list[int]) -> tuple[list[str], list[int]]:
    """Texts that represent each label (its subtree, plain and with paths), grouped by label:
    returns the texts and the start of each label's group."""
    texts: list[str] = []
    starts: list[int] = []
    for label in labels:
        starts.append(len(texts))
        mine: list[str] = []
        for i in subtree(codes, label):
            for text in (codes[i].text(), codes[i].path_text()):
                if text not in mine:
                    mine.append(text)
        texts.extend(mine)
    return texts, starts


@dataclass
class Suggester:
    embedder: Embedder
    codes: list[CodeDef]
    threshold: float | None = None
    margin: float = MARGIN
    top: int = TOP
    level: str = "code"
    codebook: list[CodeDef] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        import numpy as np

        self.codebook = list(self.codes)
        labels = labels_at(self.codebook, self.level)
        if not labels and self.level == "code":
            labels = list(range(len(self.codebook)))
        if not labels:
            raise ValueError(f"no codes at the {self.level} level to suggest")
        if self.threshold is None:
            self.threshold = default_threshold(self.level)
        self._np = np
        self.label_index = labels
        self.codes = [self.codebook[i] for i in labels]  # the labels, in order
        texts, starts = prototypes(self.codebook, labels)
        self._matrix = self.embedder.queries(texts)
        self._starts = np.asarray(starts, dtype=np.int64)

    def scores(self, vectors: Any) -> Any:
        """Segment vectors (n × d, unit) → scores (n × labels): the best prototype of each."""
        np = self._np
        raw = np.asarray(vectors, dtype=np.float32) @ self._matrix.T
        if raw.shape[0] == 0:
            return np.zeros((0, len(self.codes)), dtype=np.float32)
        return np.maximum.reduceat(raw, self._starts, axis=1)

    def rank(self, scores_row: Any) -> list[tuple[CodeDef, float]]:
        """The suggestions for one segment, best first; empty when it abstains."""
        order = self._np.argsort(-scores_row, kind="stable")
        best = float(scores_row[order[0]])
        base = float(scores_row.mean()) if len(self.codes) >= 3 else SMALL_CODEBOOK_FLOOR
        if best - base < float(self.threshold or 0.0):
            return []
        out = []
        for j in order[: self.top]:
            s = float(scores_row[j])
            if s < best - self.margin:
                break
            out.append((self.codes[j], s))
        return out

    def suggest_texts(self, texts: list[str]) -> list[list[tuple[CodeDef, float]]]:
        if not texts:
            return []
        sims = self.scores(self.embedder.passages(texts))
        return [self.rank(row) for row in sims]

    def suggestion(self, code: CodeDef, score: float) -> dict[str, Any]:
        """One suggestion as a JSONL script reads it."""
        return {"code": code.name, "score": round(score, 4)}


def suggest_jsonl(
    suggester: Any, lines: Iterable[tuple[int, dict[str, Any]]], *, batch: int = 64
) -> Iterator[dict[str, Any]]:
    """The batch interface: ``{"id", "text"}`` in, ``{"id", "suggestions": [{"code", "score"}]}``
    out, one per input line and in input order (any suggester with ``suggest_texts``)."""
    chunk: list[dict[str, Any]] = []
    for _, item in lines:
        chunk.append(item)
        if len(chunk) >= batch:
            yield from _emit(suggester, chunk)
            chunk = []
    if chunk:
        yield from _emit(suggester, chunk)


def _emit(suggester: Any, items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    texts = [str(i.get("text") or "") for i in items]
    ranked = suggester.suggest_texts(texts)
    for item, text, sugg in zip(items, texts, ranked, strict=True):
        yield {
            "id": item.get("id"),
            "suggestions": ([suggester.suggestion(c, s) for c, s in sugg] if text.strip() else []),
        }
