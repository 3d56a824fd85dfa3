"""Recognising "Speaker: text" at the start of a line without eating ordinary sentences.

A colon is common in Norwegian prose ("Det var slik: vi møttes hver uke"), so a
candidate label is only accepted when it looks like a speaker: see ``accept_label``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from ._common import clock_ms
from .roles import role_word

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 4

_LABEL = r"[^\W\d_][\w'’ -]{0,39}?"
_BOLD_LABEL = r"[^\W\d_][^*:]{0,39}?"  # bold is an explicit marker: "**Dr. Hansen:**" is fine
_LINE = re.compile(
    r"(?:[-*+•] )?"  # markdown list bullet
    r"(?:(?P<ts>\[[\d:.,]{3,15}\]|\([\d:.,]{3,15}\)|\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?) ?)?"
    rf"(?:\*\*(?P<b1>{_BOLD_LABEL}) ?:\*\*|\*\*(?P<b2>{_BOLD_LABEL})\*\* ?:|(?P<plain>{_LABEL}) ?:)"
    r"(?= |$|[^\W\d_])"  # "Kari: hei", "Kari:" and the typo "Kari:hei", but not "https://"
)
_CLOCK = re.compile(r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?")

# Sentence openers that end in a colon in prose but are never speakers ("Poenget: ...").
STOPWORDS = frozenset(
    {
        "altså", "da", "de", "dei", "den", "denne", "det", "dette", "du", "eg", "eller",
        "eksempel", "etter", "for", "fordi", "før", "grunnen", "han", "ho", "hun", "hva",
        "hvorfor", "jeg", "ja", "kl", "kva", "men", "merk", "nei", "når", "og", "også", "poenget",
        "problemet", "saken", "så", "svaret", "tingen", "vi",
        "and", "answer", "but", "example", "he", "it", "no", "note", "point", "problem",
        "reason", "she", "so", "that", "the", "they", "this", "we", "well", "yes",
    }
)  # fmt: skip


@dataclass
class LabelMatch:
    """A syntactic "Label:" at the start of a line, before the plausibility check."""

    label: str
    rest: str
    start_ms: int | None
    bad_time: str | None
    """The bracketed time as written when it is not a valid clock time."""
    bold: bool
    timed: bool


def parse_clock(text: str) -> int | None:
    """[hh:]mm:ss[.fff] to milliseconds; None when not a valid clock time."""
    m = _CLOCK.fullmatch(text)
    if not m:
        return None
    hours, minutes, seconds, fraction = m.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    return clock_ms(hours, minutes, seconds, fraction)


def match_label(line: str) -> LabelMatch | None:
    """Split an already cleaned line into optional time, label and text, if it has that shape."""
    m = _LINE.match(line)
    if not m:
        return None
    label = (m.group("b1") or m.group("b2") or m.group("plain") or "").strip()
    bold = m.group("plain") is None
    if not label or len(label) > MAX_LABEL_CHARS:
        return None
    if not bold and len(label.split()) > MAX_LABEL_WORDS:
        return None
    ts = m.group("ts")
    start_ms = bad = None
    if ts is not None:
        clock = ts.strip("[]()")
        start_ms = parse_clock(clock)
        if start_ms is None:
            bad = ts
    return LabelMatch(
        label=label,
        rest=line[m.end() :].strip(),
        start_ms=start_ms,
        bad_time=bad,
        bold=bold,
        timed=ts is not None,
    )


def accept_label(label: str, *, seen: Collection[str], lenient: bool, bold: bool = False) -> bool:
    """Decide whether a syntactic label really names a speaker.

    Accepted when it is bold (markdown ``**Kari:**``), was already used as a label in this
    file, or is a conventional role word ("Intervjuer", "R1"; lower case allowed when
    longer than three letters). Otherwise its first word must be capitalised and not a
    common sentence opener ("Det", "Men", "Poenget"); and, unless ``lenient`` (first turn,
    or a line that starts with a time stamp), every word must be capitalised or a number
    ("Kari Berg", "Forsker A"), which rejects prose such as "Det var slik: ...".
    """
    if bold or label.casefold() in seen:
        return True
    words = label.split()
    if role_word(label) is not None and (words[0][0].isupper() or len(words[0]) > 3):
        return True
    if not words[0][0].isupper() or words[0].casefold() in STOPWORDS:
        return False
    return lenient or all(w[0].isupper() or w[0].isdigit() for w in words)
