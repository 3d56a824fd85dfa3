"""Pure offset arithmetic: laying out turns as one text, and moving spans through text edits.

A transcript's text is its turns' texts joined by ``SEP``; every coding is a code-point span of
that text. When text changes (correction, pseudonymization, a withdrawn speaker's turns), spans
are carried through the edits instead of being left pointing at the wrong words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kvali.errors import InputError

SEP = "\n"


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new``."""

    start: int
    end: int
    new: str = ""

    @property
    def delta(self) -> int:
        return len(self.new) - (self.end - self.start)


def layout(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Start/end offsets of each turn in the joined text."""
    spans, pos = [], 0
    for text in texts:
        spans.append((pos, pos + len(text)))
        pos += len(text) + len(SEP)
    return spans


def check_edits(edits: Sequence[Edit], length: int) -> list[Edit]:
    """Sort edits and reject overlapping or out-of-range ones."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    prev_end = 0
    for e in ordered:
        if not 0 <= e.start <= e.end <= length:
            raise InputError(
                "edit {start}–{end} is outside the text (length {length})",
                start=e.start,
                end=e.end,
                length=length,
            )
        if e.start < prev_end:
            raise InputError("edits overlap at {start}", start=e.start)
        prev_end = e.end
    return ordered


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    out, pos = [], 0
    for e in check_edits(edits, len(text)):
        out.append(text[pos : e.start])
        out.append(e.new)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def map_start(p: int, edits: Sequence[Edit]) -> int:
    """Where a span start at ``p`` lands: after text inserted at ``p``; at the start of a
    replacement that swallowed it."""
    delta = 0
    for e in edits:
        if e.end <= p:
            delta += e.delta
        elif e.start < p:
            return e.start + delta
        else:
            break
    return p + delta


def map_end(p: int, edits: Sequence[Edit]) -> int:
    """Where a span end at ``p`` lands: before text inserted at ``p``; at the end of a
    replacement that swallowed it."""
    delta = 0
    for e in edits:
        if e.end <= p and e.start < p:
            delta += e.delta
        elif e.start < p:
            return e.start + delta + len(e.new)
        else:
            break
    return p + delta


def map_span(start: int, end: int, edits: Sequence[Edit]) -> tuple[int, int] | None:
    """The span after the edits (sorted, as from :func:`check_edits`), or None if it vanished."""
    s, e = map_start(start, edits), map_end(end, edits)
    return (s, e) if e > s else None
