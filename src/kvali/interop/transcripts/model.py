"""Format-neutral result of parsing a transcript file: a list of speaker turns.

Kept free of database types so every parser is a pure function that can be tested on
its own and reused by import, preview and command-line code alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMATS: tuple[str, ...] = ("text", "vtt", "srt", "docx", "json")


@dataclass
class ParsedTurn:
    """One speaker turn as found in the source file."""

    speaker: str
    """Label as written, e.g. "I", "Intervjuer", "Kari", "Forsker A"."""
    text: str
    """NFC-normalised, LF newlines, stripped; "\\n" separates paragraphs of one turn."""
    start_ms: int | None = None
    end_ms: int | None = None
    line: int = 0
    """1-based line (paragraph for DOCX) where the turn starts; 0 if not applicable."""
    role: str | None = None
    """"interviewer" | "participant" | "other" when the file states it (kvali JSON)."""


@dataclass
class ParsedTranscript:
    """All turns of one file plus what the file says about itself."""

    turns: list[ParsedTurn]
    format: str
    """One of FORMATS."""
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
