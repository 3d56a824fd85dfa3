"""Keyword matching with Norwegian/English inflection, for guide coverage and framework evidence.

Deliberately simple and explainable: words are case-folded and lose one common suffix
(«-ene», «-en», «-et», «-er», «-ing», «-s», …), and a keyword also matches as the tail of a
compound («tid» in «utviklingstid») or, from four letters, as its head («tillit» in
«tillitsvalgt»). Function words never count. A phrase matches a passage when enough of its
content words occur there; «/», «–», «,» and parentheses separate alternatives.

:func:`match` over a passage's word stems is the definition. Reports match a guide's or a
framework's phrases against every turn of every interview, so :class:`Matcher` answers the same
question without stemming the same word twice or trying every term against every word: it
knows the terms of all the phrases it will be asked about, works out once per distinct token
(whitespace-delimited, as written) which of those terms the token's words match, and
:class:`Passages` indexes each passage by the terms it holds, so a phrase looks only at the
passages that hold one of its terms. The cost is linear in the words of the corpus.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
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


@functools.lru_cache(maxsize=1 << 18)
def token_stems(token: str) -> tuple[str, ...]:
    """The stems of a whitespace-delimited token's words (hyphen parts apart), once per token
    for every matcher of a report (guide coverage and each framework ask about the same turns)."""
    return tuple(stem(part) for word in _WORD.findall(token) for part in word.split("-"))


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


def match_terms(phrase: Phrase, terms: set[str], *, share: float = 0.66) -> list[str]:
    """:func:`match` for a passage given as the set of phrase terms it matches."""
    best: list[str] = []
    for alt in phrase.alternatives:
        hit = [t for t in alt if t in terms]
        if len(hit) >= _needed(len(alt), share) and len(hit) > len(best):
            best = hit
    return best


class Matcher:
    """The phrases a caller will look for, and which of their terms each token matches.

    ``phrase(text, split)`` returns the :class:`Phrase` given at construction (a phrase whose
    terms the matcher does not know could not be matched correctly, so asking for one is an
    error). One matcher serves all the interviews of a report, so its caches fill once.
    """

    def __init__(self, phrases: Iterable[tuple[str, bool]]):
        self.phrases = {(text, split): Phrase.of(text, split=split) for text, split in phrases}
        self.terms = {
            term for ph in self.phrases.values() for alt in ph.alternatives for term in alt
        }
        self._by_stem: dict[str, frozenset[str]] = {}
        self._known: set[str] = set()  # tokens seen
        self._hits: dict[str, frozenset[str]] = {}  # tokens that match a term → those terms
        self._hit_tokens: set[str] = set()  # its keys, as a set (cheaper to intersect)

    def phrase(self, text: str, split: bool = True) -> Phrase:
        return self.phrases[(text, split)]

    def _stem_terms(self, word_stem: str) -> frozenset[str]:
        """The known terms ``term_matches`` accepts for this stem: the stem itself, its tails
        of three letters or more after at least three letters (compound tail), and its heads
        of four letters or more (compound head)."""
        got = self._by_stem.get(word_stem)
        if got is None:
            n = len(word_stem)
            candidates = {word_stem}
            candidates.update(word_stem[k:] for k in range(3, n - 2))
            candidates.update(word_stem[:k] for k in range(4, n + 1))
            got = self._by_stem[word_stem] = frozenset(candidates & self.terms)
        return got

    def passage_terms(self, text: str) -> set[str]:
        """The known terms that some word of ``text`` matches (what :func:`match` needs)."""
        words = text.split()
        if self._known.issuperset(words):
            new: set[str] = set()
        else:
            new = set(words) - self._known
        for token in new:
            self._known.add(token)
            terms: set[str] = set()
            for word_stem in token_stems(token):
                terms |= self._stem_terms(word_stem)
            if terms:
                self._hits[token] = frozenset(terms)
                self._hit_tokens.add(token)
        out: set[str] = set()
        for token in self._hit_tokens.intersection(words):
            out |= self._hits[token]
        return out


class Passages:
    """Turns as passages (the unit of evidence), indexed by the matcher's terms they hold."""

    def __init__(self, turns: Sequence[dict[str, Any]], matcher: Matcher):
        self.items = [
            {
                "speaker": tr["speaker"],
                "role": tr["role"],
                "start_char": tr["start_char"],
                "end_char": tr["end_char"],
                "start_ms": tr.get("start_ms"),
                "text": tr["text"],
            }
            for tr in turns
        ]
        self.terms = [matcher.passage_terms(tr["text"]) for tr in turns]
        self._postings: dict[str, list[int]] = defaultdict(list)
        for i, terms in enumerate(self.terms):
            for term in terms:
                self._postings[term].append(i)

    def __len__(self) -> int:
        return len(self.items)

    def find(
        self, phrase: Phrase, *, share: float = 0.66, limit: int = 3, excerpt: int = 240
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many passages match, and the first ``limit`` as evidence (JSON-ready).

        A passage matches when, for some alternative, it holds enough of the alternative's
        terms: counted from the postings, without looking at the passages that hold none."""
        matching: set[int] = set()
        for alt in phrase.alternatives:
            need = _needed(len(alt), share)
            if need == 1:
                for term in alt:
                    matching.update(self._postings.get(term, ()))
                continue
            counts: Counter[int] = Counter()
            for term in alt:
                counts.update(self._postings.get(term, ()))
            matching.update(i for i, n in counts.items() if n >= need)
        evidence = []
        for i in heapq.nsmallest(limit, matching):
            p = self.items[i]
            evidence.append(
                {
                    "speaker": p["speaker"],
                    "start_char": p["start_char"],
                    "end_char": p["end_char"],
                    "start_ms": p["start_ms"],
                    "text": p["text"][:excerpt],
                    "matched": match_terms(phrase, self.terms[i], share=share),
                    "method": "keyword",
                }
            )
        return len(matching), evidence
