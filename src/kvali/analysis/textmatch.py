"""Keyword matching with Norwegian/English inflection, for guide coverage and framework evidence.

Deliberately simple and explainable: words are case-folded and lose one common suffix
(«-ene», «-en», «-et», «-er», «-ing», «-s», …), and a keyword also matches as the tail of a
compound («tid» in «utviklingstid») or, from four letters, as its head («tillit» in
«tillitsvalgt»). Function words never count. A phrase matches a passage when enough of its
content words occur there; «/», «–», «,» and parentheses separate alternatives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kvali.reports.stopwords import STOPWORDS

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_ALTERNATIVES = re.compile(r"\s*(?:/|–|—|,|\(|\)|;|\beks\.)\s*")
SUFFIXES = sorted(
    "ingene ingen ingar heten heter ende ene ane ere het ing ert er en et ar es ed ly a e s".split(),
    key=len,
    reverse=True,
)


def stem(word: str) -> str:
    """Casefold and strip one inflectional suffix, keeping at least three letters."""
    w = word.casefold()
    for suffix in SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (function words dropped), in order, unique."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        for part in m.group().split("-"):
            if part.casefold() in STOPWORDS or len(part) < 2:
                continue
            s = stem(part)
            if s not in out:
                out.append(s)
    return out


def term_matches(term: str, word_stem: str) -> bool:
    if word_stem == term:
        return True
    if len(term) >= 3 and word_stem.endswith(term) and len(word_stem) > len(term) + 2:
        return True  # compound tail: utviklings|tid
    return len(term) >= 4 and word_stem.startswith(term)  # compound head: tillit|svalgt


@dataclass(frozen=True)
class Phrase:
    """A guide entry or framework keyword as alternatives of content-word stems."""

    text: str
    alternatives: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, text: str, *, split: bool = True) -> Phrase:
        parts = _ALTERNATIVES.split(text) if split else [text]
        alts = tuple(tuple(s) for p in parts if (s := content_stems(p)))
        return cls(text, alts)


def _needed(n: int, share: float) -> int:
    return max(1, min(n, math.ceil(n * share)))


def match(phrase: Phrase, passage_stems: set[str], *, share: float = 0.66) -> list[str]:
    """The best alternative's matched stems if enough of its words are in the passage."""
    best: list[str] = []
    for alt in phrase.alternatives:
        hit = [t for t in alt if any(term_matches(t, w) for w in passage_stems)]
        if len(hit) >= _needed(len(alt), share) and len(hit) > len(best):
            best = hit
    return best


def passages_of(turns: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each turn as a passage with its word stems (the unit of evidence)."""
    out = []
    for tr in turns:
        stems = {stem(p) for m in _WORD.finditer(tr["text"]) for p in m.group().split("-")}
        out.append(
            {
                "speaker": tr["speaker"],
                "role": tr["role"],
                "start_char": tr["start_char"],
                "end_char": tr["end_char"],
                "start_ms": tr.get("start_ms"),
                "text": tr["text"],
                "stems": stems,
            }
        )
    return out


def find(
    phrase: Phrase,
    passages: Sequence[dict[str, Any]],
    *,
    share: float = 0.66,
    limit: int = 3,
    excerpt: int = 240,
) -> tuple[int, list[dict[str, Any]]]:
    """How many passages match, and the first ``limit`` as evidence (JSON-ready)."""
    hits, evidence = 0, []
    for p in passages:
        matched = match(phrase, p["stems"], share=share)
        if not matched:
            continue
        hits += 1
        if len(evidence) < limit:
            evidence.append(
                {
                    "speaker": p["speaker"],
                    "start_char": p["start_char"],
                    "end_char": p["end_char"],
                    "start_ms": p["start_ms"],
                    "text": p["text"][:excerpt],
                    "matched": matched,
                    "method": "keyword",
                }
            )
    return hits, evidence
