"""Plain-text and Markdown transcripts: "Label: text" lines, optional time stamps.

Also hosts ``TurnBuilder`` and ``feed_lines``, which the DOCX reader reuses so that
labels behave the same in Word files as in text files.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from kvali.errors import InputError

from ._common import clean_line, fill_end_times, newlines_to_lf, read_text_file, require_turns
from .labels import accept_label, match_label
from .model import ParsedTranscript, ParsedTurn

_HEADING = re.compile(r"#{1,6}(?: |$)")
_RULE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})")
_PREVIEW = 40


class TurnBuilder:
    """Accumulates turns line by line; knows which labels were seen for the heuristic."""

    def __init__(self, source: str | Path) -> None:
        self.source = source
        self.turns: list[ParsedTurn] = []
        self.seen: set[str] = set()
        self._gap = False

    def start(
        self, speaker: str, *, line: int, start_ms: int | None = None, text: str = ""
    ) -> None:
        """Open a new turn."""
        self.turns.append(ParsedTurn(speaker=speaker, text="", start_ms=start_ms, line=line))
        self.seen.add(speaker.casefold())
        self._gap = False
        if text:
            self.add(text, line=line)

    def add(self, text: str, *, line: int) -> None:
        """Continue the current turn: a space within a paragraph, LF after a blank line."""
        if not self.turns:
            preview = text if len(text) <= _PREVIEW else text[:_PREVIEW] + "…"
            raise InputError(
                "text before the first speaker label: «{preview}» (start each turn with a label such as «I:» or «Kari:»)",
                file=self.source,
                line=line,
                preview=preview,
            )
        turn = self.turns[-1]
        turn.text = turn.text + ("\n" if self._gap else " ") + text if turn.text else text
        self._gap = False

    def gap(self) -> None:
        """Record a paragraph break (blank line, heading, rule or DOCX paragraph end)."""
        self._gap = True

    def finish(self) -> list[ParsedTurn]:
        """Drop empty turns, derive missing end times, insist on at least one turn."""
        turns = require_turns(self.turns, source=self.source)
        fill_end_times(turns)
        return turns


def feed_line(builder: TurnBuilder, line: str, *, number: int) -> None:
    """Classify one cleaned line as heading, separator, new turn or continuation."""
    if not line or _RULE.fullmatch(line) or _HEADING.match(line):
        builder.gap()
        return
    m = match_label(line)
    if m is not None and accept_label(
        m.label,
        seen=builder.seen,
        lenient=m.timed or not builder.turns,
        bold=m.bold,
    ):
        if m.bad_time is not None:
            raise InputError(
                "invalid time stamp {bad_time} (use hh:mm:ss or mm:ss)",
                file=builder.source,
                line=number,
                bad_time=m.bad_time,
            )
        builder.start(m.label, line=number, start_ms=m.start_ms, text=m.rest)
    else:
        builder.add(line, line=number)


def feed_lines(builder: TurnBuilder, lines: Iterable[tuple[int, str]]) -> None:
    """Feed numbered raw lines (cleaned here) into ``builder``."""
    for number, raw in lines:
        feed_line(builder, clean_line(raw), number=number)


def _plain(value: Any) -> Any:
    """YAML dates and odd keys to JSON-friendly values, so metadata can be stored as JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _front_matter(lines: list[str], source: str | Path) -> tuple[dict[str, Any], int]:
    """Parse a leading ``---`` YAML block; return it and the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise InputError("front matter opened with --- is never closed", file=source, line=1)
    block = unicodedata.normalize("NFC", "\n".join(lines[1:end]))
    try:
        data = yaml.safe_load(block)
    except yaml.MarkedYAMLError as exc:
        line = 2 + (exc.problem_mark.line if exc.problem_mark is not None else 0)
        raise InputError(
            "front matter is not valid YAML: {problem}", file=source, line=line, problem=exc.problem
        ) from None
    except Exception as exc:  # YAML can fail in many ways on arbitrary input
        raise InputError(
            "front matter is not valid YAML: {exc}", file=source, line=2, exc=exc
        ) from None
    if data is None:
        return {}, end + 1
    if not isinstance(data, dict):
        raise InputError("front matter must be «key: value» lines", file=source, line=2)
    try:
        return _plain(data), end + 1
    except RecursionError:  # a self-referencing YAML anchor
        raise InputError("front matter refers to itself", file=source, line=2) from None


def _language(metadata: dict[str, Any]) -> str | None:
    for key in ("language", "lang", "språk"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def parse_text(text: str, *, source: str = "<text>") -> ParsedTranscript:
    """Parse a plain-text or Markdown transcript given as a string.

    ``source`` is only used in error messages, so the CLI can name the file.
    """
    text = newlines_to_lf(text).removeprefix("\ufeff")
    lines = text.split("\n")
    metadata, first = _front_matter(lines, source)
    builder = TurnBuilder(source)
    feed_lines(builder, ((i + 1, lines[i]) for i in range(first, len(lines))))
    return ParsedTranscript(
        turns=builder.finish(), format="text", language=_language(metadata), metadata=metadata
    )


def parse_text_file(path: str | Path) -> ParsedTranscript:
    """Read a UTF-8 text/Markdown file and parse it with ``parse_text``."""
    return parse_text(read_text_file(path), source=str(path))
