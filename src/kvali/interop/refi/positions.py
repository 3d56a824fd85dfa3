"""Exact position conversion between a REFI source's plain text and kvali's turn text.

A REFI selection counts characters of the plain-text file. Tools disagree on the unit: NVivo for
Windows counts UTF-16 code units (CRLF as two, BOM not counted), ATLAS.ti treats CRLF as one
character, the rest count code points. ``PositionModel`` converts one unit to code-point indices
of the file text; ``SourceLayout`` splits the file text into speaker turns that are exact
substrings of it, so every code-point index maps to a kvali offset without guessing.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from kvali.interop.transcripts.labels import accept_label, match_label
from kvali.transcripts.offsets import layout
from kvali.util import normalize_text

MODELS = ("codepoints", "utf16", "codepoints_crlf1")
UNKNOWN_SPEAKER = "Unknown"


class PositionModel:
    """Maps a tool's character positions onto code-point indices of ``text``.

    Only the characters whose width differs from one code point are stored (non-BMP characters
    for UTF-16, the CR of each CRLF when CRLF counts as one), so large texts stay cheap.
    """

    _SPECIAL = {
        "utf16": (re.compile("[\U00010000-\U0010ffff]"), 1),
        "codepoints_crlf1": (re.compile("\r(?=\n)"), -1),
    }

    def __init__(self, name: str, text: str) -> None:
        if name not in MODELS:
            raise ValueError(f"unknown position model {name!r}")
        self.name = name
        self.length = len(text)
        self._specials: list[int] = []
        self._extra = 0
        if name in self._SPECIAL:
            pattern, self._extra = self._SPECIAL[name]
            self._specials = [m.start() for m in pattern.finditer(text)]

    @property
    def identity(self) -> bool:
        return not self._specials

    def unit(self, index: int) -> int:
        """The tool's position of code-point index ``index``."""
        return index + self._extra * bisect.bisect_left(self._specials, index)

    def to_index(self, pos: int) -> int | None:
        """The code-point index for ``pos``, or None when it is past the end or splits a char."""
        if not self._specials:
            return pos if 0 <= pos <= self.length else None
        if not 0 <= pos <= self.unit(self.length):
            return None
        i = bisect.bisect_left(range(self.length + 1), pos, key=self.unit)
        return i if i <= self.length and self.unit(i) == pos else None


def choose_model(origin: str) -> str:
    """The position unit a tool is known to write, from the ``origin`` attribute."""
    low = origin.casefold()
    if "nvivo" in low:
        return "utf16"
    if "atlas" in low:
        return "codepoints_crlf1"
    return "codepoints"


def on_boundary(text: str, i: int) -> bool:
    """True when index ``i`` does not split a word (start/end of text or not between two letters)."""
    if i <= 0 or i >= len(text):
        return True
    return not (text[i - 1].isalnum() and text[i].isalnum())


def boundary_score(text: str, model: PositionModel, spans: Sequence[tuple[int, int]]) -> int:
    """How many spans start and end on word boundaries under ``model``."""
    score = 0
    for start, end in spans:
        s, e = model.to_index(start), model.to_index(end)
        if s is not None and e is not None and on_boundary(text, s) and on_boundary(text, e):
            score += 1
    return score


def pick_model(
    text: str, origin: str, spans: Sequence[tuple[int, int]]
) -> tuple[PositionModel, int, str | None]:
    """The origin's model unless another fits the word boundaries clearly better.

    Returns the model, its boundary score and a warning when the origin's model was overruled.
    """
    default = PositionModel(choose_model(origin), text)
    best, best_score = default, boundary_score(text, default, spans)
    for name in MODELS:
        if name == default.name:
            continue
        other = PositionModel(name, text)
        score = boundary_score(text, other, spans)
        if score > best_score and score - boundary_score(text, default, spans) >= max(
            2, len(spans) // 10
        ):
            best, best_score = other, score
    note = None
    if best is not default:
        note = (
            f"positions counted as {best.name} instead of {default.name} (expected from the "
            f"origin): {best_score} of {len(spans)} selections then land on word boundaries"
        )
    return best, best_score, note


@dataclass
class Turn:
    speaker: str
    src_start: int
    src_end: int
    text: str = ""
    exact: bool = True  # text == source slice (no NFC or newline change inside)


@dataclass
class SourceLayout:
    """Turns of a source text, each an exact substring, with the map source index → kvali offset."""

    source: str
    turns: list[Turn] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for turn in self.turns:
            raw = self.source[turn.src_start : turn.src_end]
            turn.text = normalize_text(raw)
            turn.exact = turn.text == raw
        self.offsets = layout([t.text for t in self.turns])
        self._starts = [t.src_start for t in self.turns]

    @property
    def text(self) -> str:
        return "\n".join(t.text for t in self.turns)

    def _local(self, i: int, index: int) -> int:
        turn = self.turns[i]
        k = min(max(index, turn.src_start), turn.src_end) - turn.src_start
        if not turn.exact:
            k = len(normalize_text(self.source[turn.src_start : turn.src_start + k]))
        return self.offsets[i][0] + k

    def map_start(self, index: int) -> int | None:
        """kvali offset for a span start: inside a turn, or the next turn's start in a gap."""
        i = bisect.bisect_right(self._starts, index) - 1
        if i >= 0 and index < self.turns[i].src_end:
            return self._local(i, index)
        return self.offsets[i + 1][0] if i + 1 < len(self.turns) else None

    def map_end(self, index: int) -> int | None:
        """kvali offset for a span end: inside a turn, or the previous turn's end in a gap."""
        i = bisect.bisect_left(self._starts, index) - 1
        if i < 0:
            return None
        return self._local(i, index)

    def map_span(self, start: int, end: int) -> tuple[int, int] | None:
        s, e = self.map_start(start), self.map_end(end)
        if s is None or e is None or e <= s:
            return None
        return s, e


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line's content, stripped of surrounding whitespace; blanks skipped
    but recorded as (-1, -1) so paragraph breaks stay visible."""
    out = []
    for m in _LINE.finditer(text):
        raw = m.group().rstrip("\r\n")
        if not m.group():
            break
        content = raw.strip()
        if not content:
            out.append((-1, -1))
            continue
        s = m.start() + (len(raw) - len(raw.lstrip()))
        out.append((s, s + len(content)))
    return out


def _label(text: str, line: tuple[int, int], seen: set[str], first: bool) -> tuple[str, int] | None:
    """Speaker label of a line and where its text starts, if the line has an accepted label."""
    content = unicodedata.normalize("NFC", text[line[0] : line[1]])
    if len(content) != line[1] - line[0]:
        return None
    m = match_label(content)
    if m is None or m.timed or not accept_label(m.label, seen=seen, lenient=first, bold=m.bold):
        return None
    return m.label, line[1] - len(m.rest)


def _candidates(text: str, lines: list[tuple[int, int]]) -> set[str]:
    """Labels that open three or more paragraphs ("admin-1:"): speakers even when lower-case."""
    counts: dict[str, int] = {}
    for i, line in enumerate(lines):
        if line[0] < 0 or (i and lines[i - 1][0] >= 0):
            continue
        m = match_label(text[line[0] : line[1]])
        if m is not None and not m.timed:
            counts[m.label.casefold()] = counts.get(m.label.casefold(), 0) + 1
    return {label for label, n in counts.items() if n >= 3}


def split_turns(text: str, *, strict_labels: bool = False) -> SourceLayout:
    """Turns from ``Name: text`` lines when most paragraphs start that way, else one per line.

    With labels, lines that follow a label line without a blank line belong to the same turn
    (the turn is then the source slice including its line breaks). ``strict_labels`` accepts
    every ``Name: `` line (files kvali wrote itself).
    """
    lines = _lines(text)
    seen: set[str] = _candidates(text, lines)
    labels: dict[int, tuple[str, int]] = {}
    first = True
    for i, line in enumerate(lines):
        if line[0] < 0:
            continue
        found = _label(text, line, seen, first or strict_labels)
        first = False
        if found:
            labels[i] = found
            seen.add(found[0].casefold())
    blocks = [i for i, ln in enumerate(lines) if ln[0] >= 0 and (i == 0 or lines[i - 1][0] < 0)]
    labelled_blocks = sum(1 for i in blocks if i in labels)
    nonempty = sum(1 for ln in lines if ln[0] >= 0)
    use_labels = strict_labels or (
        len(labels) >= 2
        and (labelled_blocks >= 0.5 * len(blocks) or len(labels) >= 0.5 * nonempty)
        and len(labels) >= 0.1 * nonempty
    )
    turns: list[Turn] = []
    speaker = UNKNOWN_SPEAKER
    current: Turn | None = None
    for i, line in enumerate(lines):
        if line[0] < 0:
            current = None
            continue
        if use_labels and i in labels:
            speaker, start = labels[i]
            current = None
            if start >= line[1]:
                continue  # "Kari:" alone: her text follows on the next lines
            current = Turn(speaker, start, line[1])
            turns.append(current)
        elif use_labels and current is not None:
            current.src_end = line[1]
        else:
            current = Turn(speaker if use_labels else UNKNOWN_SPEAKER, line[0], line[1])
            turns.append(current)
    return SourceLayout(text, turns)


def export_text(turns: Sequence[tuple[str, str]]) -> tuple[str, list[int]]:
    """Plain text ``Speaker: text`` per turn, and where each turn's text starts in it."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for speaker, text in turns:
        prefix = f"{speaker}: "
        starts.append(pos + len(prefix))
        line = prefix + text
        parts.append(line)
        pos += len(line) + 1
    return "\n".join(parts) + ("\n" if parts else ""), starts
