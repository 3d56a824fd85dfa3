"""The dialect check: which words of a quote are not in the study's written standard, and what
the standard form is.

A word is looked up, in this order:

1. skipped: numbers, fillers (eh, mm …), pseudonymization placeholders («xxx (navn på
   ansatt)», «[skole]», «<navn>»), and capitalised words inside a sentence (names);
2. kvali's spoken-forms table (``data/spoken.tsv``): a dialect form is flagged with its written
   form; an accepted Bokmål variant (sjøl, blei) only when the study asks for conservative forms;
3. the NDT table of forms of the other written standard (Nynorsk in a Bokmål study, Bokmål in a
   Nynorsk one), flagged ``nynorsk`` / ``bokmal`` with the same lemma's form in the study's;
4. the study's Hunspell dictionary, then compounds of its words (læring+s+fellesskap): fine;
5. the other standard's dictionary: flagged with a form found by spelling correspondences;
6. a word neither dictionary knows: regional sound rules (apocope, -an → -ene, tj → kk …) are
   tried, and a result the dictionary knows is the suggestion; a word no rule explains is left
   alone (a loanword, a name written small, a typo: not a dialect form the check can name).

Offsets are code points into the text, ``end`` exclusive.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from kvali.quotes.lexicon import Lexicon, lexicon

WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Placeholders left by pseudonymization or by a transcriber: never checked.
PLACEHOLDER = re.compile(
    r"\[[^\]\n]*\]|<[^>\n]*>|\{[^}\n]*\}|\b[xX]{3,}\b(?:\s*\([^)\n]*\))?|\([^)\n]*\bnavn\b[^)\n]*\)"
)
FILLERS = frozenset(
    "eh ehm eeh ee eee em emm hm hmm mm mmm mhm m øh øhm øhh æh æhm ah aha åh oi uff hæ".split()
)
SENTENCE_END = re.compile(r"[.!?…:;«»\"“”–—]\s*$|^\s*$|\n\s*$")
KINDS = ("dialect", "nynorsk", "bokmal", "conservative")
# After these, a Bokmål infinitive stands for the present tense without its -r (trøndersk,
# nordnorsk, østnorsk: «vi prøve», «æ mene», «dem sitt»).
SUBJECTS = frozenset("æ eg jeg je jæ du han hainn ho hu hun vi me dokker dere dæm dom man".split())
# … unless a modal or auxiliary stands before the subject («skal dom klare», «må vi følge»):
# then the infinitive is right.
MODALS = frozenset(
    "skal ska sku skulle kan kunne vil ville må måtte bør burde får fikk fekk la lot tør "
    "trenger gjør gjorde har hadde".split()
)


@dataclass(frozen=True)
class Flag:
    start: int
    end: int
    word: str
    suggestion: str | None
    kind: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Regional sound and ending rules (spoken → written), tried on a word no dictionary knows.
# Each (ending or infix, replacement); a candidate counts only if the dictionary knows it.
_END_RULES = (
    ("an", "ene"),  # T N: ungan → ungene, elevan → elevene
    ("ern", "eren"),  # T: lærern → læreren
    ("arn", "eren"),
    ("ane", "ene"),  # V: elevane → elevene
    ("ar", "er"),  # V: snakkar → snakker
    ("a", "en"),  # T N: klassa → klassen
    ("a", "et"),  # Ø: snakka → snakket
    ("a", "e"),  # T: væra → være
    ("ast", "es"),
    ("leg", "lig"),
    ("li", "lig"),  # egentli → egentlig
    ("i", "ig"),  # veldi → veldig
    ("å", "e"),  # T: værrå
    ("", "e"),  # T N apocope: jobb → jobbe, snakk → snakke
    ("", "en"),
    ("n", "en"),
)
_INNER_RULES = (
    ("ttj", "kk"),
    ("tj", "kk"),
    ("kkj", "kk"),
    ("æ", "e"),
    ("ei", "e"),
    ("au", "ø"),
    ("øy", "ø"),
    ("kv", "hv"),
    ("u", "o"),
    ("o", "å"),
    ("ainn", "ann"),
    ("ain", "an"),
    ("ill", "ell"),
    ("ll", "l"),
    ("nn", "n"),
)


def _rule_candidates(word: str) -> list[str]:
    out: list[str] = []
    for end, new in _END_RULES:
        if word.endswith(end) and len(word) - len(end) >= 2:
            out.append(word[: len(word) - len(end)] + new)
    for a, b in _INNER_RULES:
        if a in word:
            w2 = word.replace(a, b)
            out.append(w2)
            for end, new in _END_RULES:
                if w2.endswith(end) and len(w2) - len(end) >= 2:
                    out.append(w2[: len(w2) - len(end)] + new)
    return out


class Checker:
    """One written standard's check, with its word decisions memoised (a corpus repeats its
    words, so 10,000 quotes cost a few thousand look-ups)."""

    def __init__(self, lex: Lexicon, *, conservative: bool = False):
        self.lex = lex
        self.conservative = conservative
        self.decide = lru_cache(maxsize=200_000)(self._decide)

    def is_compound(self, word: str) -> bool:
        """Two or three parts of the dictionary, each at least 3 letters (a last part under
        hunspell's COMPOUNDMIN of 4 only if it may end a compound), with an optional linking s
        or e: læring+s+fellesskap, felles+tid."""
        return self._compound(word, 0)

    def _compound(self, word: str, depth: int) -> bool:
        words, comp = self.lex.words, self.lex.compound
        n = len(word)
        if n < 6 or depth > 2:
            return False
        for i in range(3, n - 2):
            head, tail = word[:i], word[i:]
            if head not in comp and head not in words:
                continue
            for rest in (tail, tail[1:] if tail[:1] in ("s", "e") else None):
                if not rest or len(rest) < 3 or len(rest) < 4 and rest not in comp:
                    continue
                if rest in words or self._compound(rest, depth + 1):
                    return True
        return False

    def _best(self, cands: list[str]) -> str | None:
        """The candidate the treebank writes most often; one it never writes twice is no
        suggestion (a rule can reach rare words from an English one: again → agene)."""
        words, freq = self.lex.words, self.lex.freq
        known = [c for c in dict.fromkeys(cands) if c in words and c in freq]
        if not known:
            return None
        return max(known, key=lambda c: (freq.get(c, 0), -len(c)))

    def _decide(self, lw: str, full: bool = True) -> tuple[str, str | None] | None:
        """(kind, suggestion) for a lower-cased word, or None when it is fine. A capitalised
        word at the start of a sentence may be a name: for it (``full`` False) only the tables
        count, not the dictionaries' silence."""
        lex = self.lex
        if lw in FILLERS or len(lw) == 1 and lw not in lex.spoken:
            return None
        sp = lex.spoken.get(lw)
        if sp is not None:
            written = sp.nb if lex.standard == "nb" else sp.nn
            if sp.kind == "standard" or written == lw:
                return None
            if sp.kind == "conservative":
                if not self.conservative or lex.standard != "nb":
                    return None
                return ("conservative", written)
            return ("dialect", written)
        other = "nynorsk" if lex.standard == "nb" else "bokmal"
        mapped = lex.other_to_std.get(lw)
        if mapped is not None:
            return (other, mapped)
        if lw in lex.words:
            return None
        parts = re.split(r"[-'’]", lw)
        if len(parts) > 1 and all(p in lex.words or self.is_compound(p) for p in parts if p):
            return None
        if self.is_compound(lw):
            return None
        if not full:
            return None
        cands = _rule_candidates(lw)
        best = self._best(cands)
        if lw in lex.other and best is not None:
            return (other, best)
        if best is not None:
            return ("dialect", best)
        return None

    def present_without_r(self, lw: str) -> tuple[str, str | None] | None:
        """«prøve» after a subject: the present tense «prøver» when the treebank has that as a
        present-tense verb and the word itself is not one."""
        pres = self.lex.present
        if not pres or lw in pres or lw in self.lex.past or len(lw) < 3:
            return None
        cands = [lw + "r"] if lw.endswith("e") else []
        if lw[-1] == lw[-2] or lw.endswith(("ld", "nd", "rd")):
            cands.append(lw + "er")  # «sitt» → «sitter», «hold» → «holder»
        for cand in cands:
            if cand in pres:
                return ("dialect", cand)
        return None

    def check(self, text: str) -> list[Flag]:
        skip = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
        flags: list[Flag] = []
        si = 0
        prev = prev2 = ""
        for m in WORD.finditer(text):
            a, b = m.span()
            while si < len(skip) and skip[si][1] <= a:
                si += 1
            if si < len(skip) and skip[si][0] <= a < skip[si][1]:
                prev = ""
                continue
            word = m.group()
            lw = word.lower()
            glued = (
                text[a - 1 : a] in ".@/"
                and a > 0
                or text[b : b + 1] in ("@", "/")
                or (text[b : b + 1] == "." and text[b + 1 : b + 2].isalnum())
            )
            if glued or len(word) > 1 and word.isupper():
                prev = ""
                continue  # part of an address (vg.no, navn@skole.no) or an acronym
            capital = word[0].isupper()
            if capital and not SENTENCE_END.search(text[max(0, a - 3) : a]):
                if lw not in ("æ", "eg"):
                    prev = ""
                    continue  # a name inside a sentence
            found = self.decide(lw, not capital)
            if found is None and prev in SUBJECTS and prev2 not in MODALS:
                found = self.present_without_r(lw)
            prev2, prev = prev, lw
            if found is None:
                continue
            kind, suggestion = found
            if suggestion and word[0].isupper():
                suggestion = suggestion[0].upper() + suggestion[1:]
            flags.append(Flag(a, b, word, suggestion, kind))
        return flags


_CHECKERS: dict[tuple[str, bool], Checker] = {}


def checker(standard: str = "nb", *, conservative: bool = False) -> Checker:
    """The shared checker for a written standard (its lexicon is loaded once per process)."""
    key = (standard, conservative)
    if key not in _CHECKERS:
        _CHECKERS[key] = Checker(lexicon(standard), conservative=conservative)
    return _CHECKERS[key]


def check_text(text: str, *, standard: str = "nb", conservative: bool = False) -> list[Flag]:
    """The flags of one quote."""
    return checker(standard, conservative=conservative).check(text)
