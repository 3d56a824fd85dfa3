"""Transcript segments for embedding: a turn, or windows of 1–3 sentences of a long turn.

Short turns are meaning units as they stand; long answers carry several ideas, and one vector
for a whole minute of talk blurs them, so they are cut into windows of whole sentences. Offsets
are code-point offsets into the transcript text, like every other span in kvali.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before whitespace.
_SENTENCE_END = re.compile(r"[.!?…]+[»”\"')\]]*(?=\s)")
_WORD = re.compile(r"\w+")

LONG_TURN = 320  # characters: longer turns are split into sentence windows
WINDOW_CHARS = 280  # a window grows by whole sentences up to about this length ...
WINDOW_SENTENCES = 3  # ... and at most this many sentences
MIN_WORDS = 3  # «Ja.», «Nettopp.» and other backchannels carry no searchable meaning


@dataclass(frozen=True)
class Segment:
    turn_id: int
    start_char: int
    end_char: int
    text: str

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (offsets into it), whitespace trimmed."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def split_turn(text: str) -> list[tuple[int, int]]:
    """Spans (offsets into the turn) of the turn's segments."""
    stripped = text.strip()
    if not stripped:
        return []
    if len(stripped) <= LONG_TURN:
        a = len(text) - len(text.lstrip())
        return [(a, a + len(stripped))]
    out: list[tuple[int, int]] = []
    window: list[tuple[int, int]] = []
    for span in sentences(text):
        if window and (len(window) >= WINDOW_SENTENCES or span[1] - window[0][0] > WINDOW_CHARS):
            out.append((window[0][0], window[-1][1]))
            window = []
        window.append(span)
    if window:
        # A lone short last sentence joins the window before it rather than standing alone.
        if out and len(window) == 1 and window[0][1] - window[0][0] < 60:
            out[-1] = (out[-1][0], window[0][1])
        else:
            out.append((window[0][0], window[-1][1]))
    return out


def segment_turns(turns: Iterable[dict[str, Any]]) -> list[Segment]:
    """Segments of a transcript's turns (dicts with id, start_char, text)."""
    out = []
    for tr in turns:
        for a, b in split_turn(tr["text"]):
            piece = tr["text"][a:b]
            if len(_WORD.findall(piece)) < MIN_WORDS:
                continue
            out.append(Segment(tr["id"], tr["start_char"] + a, tr["start_char"] + b, piece))
    return out
