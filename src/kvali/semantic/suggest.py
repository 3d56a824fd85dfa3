"""Deductive code suggestions: rank a codebook's codes for each segment, or abstain.

A code is represented by its name and description, embedded once (as an e5 "query"); a
segment's score for a code is the cosine of their vectors. Raw cosines of e5 sit in a narrow
band (0.74–0.90) whatever the topic, so they make a poor confidence: the suggester abstains by
the *lead* of the best code over the segment's mean score across the codebook, which ranks
right answers first far better (measured in docs/benchmarks.md with bench/semantic.py; the
defaults below come from there). Close runners-up (within ``margin``) come along so the
researcher sees the alternatives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kvali.semantic.codebook import CodeDef
from kvali.semantic.models import Embedder

# Abstain when the best code leads the mean by less than this (multilingual-e5-small; measured on
# bench/data/statements.jsonl: about 80 % coverage).
THRESHOLDS = {"nb": 0.02, "en": 0.02}
MARGIN = 0.01
TOP = 3
# With fewer than three codes a lead over the mean says little: compare with this cosine instead.
SMALL_CODEBOOK_FLOOR = 0.80


@dataclass
class Suggester:
    embedder: Embedder
    codes: list[CodeDef]
    threshold: float = THRESHOLDS["nb"]
    margin: float = MARGIN
    top: int = TOP

    def __post_init__(self) -> None:
        import numpy as np

        self.codes = [c for c in self.codes if c.leaf] or list(self.codes)
        if not self.codes:
            raise ValueError("no codes to suggest")
        self._np = np
        self._matrix = self.embedder.queries([c.text() for c in self.codes])

    def scores(self, vectors: Any) -> Any:
        """Segment vectors (n × d, unit) → scores (n × codes)."""
        return self._np.asarray(vectors, dtype=self._np.float32) @ self._matrix.T

    def rank(self, scores_row: Any) -> list[tuple[CodeDef, float]]:
        """The suggestions for one segment, best first; empty when it abstains."""
        order = self._np.argsort(-scores_row, kind="stable")
        best = float(scores_row[order[0]])
        base = float(scores_row.mean()) if len(self.codes) >= 3 else SMALL_CODEBOOK_FLOOR
        if best - base < self.threshold:
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


def suggest_jsonl(
    suggester: Suggester, lines: Iterable[tuple[int, dict[str, Any]]], *, batch: int = 64
) -> Iterator[dict[str, Any]]:
    """The batch interface: ``{"id", "text"}`` in, ``{"id", "suggestions": [{"code", "score"}]}``
    out, one per input line and in input order."""
    chunk: list[dict[str, Any]] = []
    for _, item in lines:
        chunk.append(item)
        if len(chunk) >= batch:
            yield from _emit(suggester, chunk)
            chunk = []
    if chunk:
        yield from _emit(suggester, chunk)


def _emit(suggester: Suggester, items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    texts = [str(i.get("text") or "") for i in items]
    ranked = suggester.suggest_texts(texts)
    for item, text, sugg in zip(items, texts, ranked, strict=True):
        yield {
            "id": item.get("id"),
            "suggestions": (
                [{"code": c.name, "score": round(s, 4)} for c, s in sugg] if text.strip() else []
            ),
        }
