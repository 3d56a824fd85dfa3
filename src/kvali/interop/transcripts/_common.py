"""Shared helpers: decoding, text normalisation, clock times and turn assembly.

Every format funnels its text through the same normalisation so that a transcript
imported from VTT, DOCX or JSON yields byte-identical turn texts for the same words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from kvali.errors import InputError

from .model import ParsedTurn

_BOM = b"\xef\xbb\xbf"
_INNER_SPACE = re.compile(r"[^\S\n]+")


def decode(data: bytes, *, source: str | Path) -> str:
    """UTF-8 (optional BOM) to text with LF newlines; bad bytes are reported by line."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        raise InputError(
            "not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8",
            file=source,
            line=head.count(b"\n") + 1,
            byte=data[exc.start],
        ) from None
    return newlines_to_lf(text)


def read_file(path: str | Path) -> bytes:
    """Read a file, turning OS errors into InputError so the CLI can report them."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a transcript file", file=path) from None
    except OSError as exc:
        raise InputError(
            "cannot read file: {strerror}", file=path, strerror=exc.strerror or exc
        ) from None


def read_text_file(path: str | Path) -> str:
    """Read and decode a text-based transcript file."""
    return decode(read_file(path), source=path)


def newlines_to_lf(text: str) -> str:
    """CRLF and lone CR become LF, so line numbers agree with any editor."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_line(line: str) -> str:
    """NFC, whitespace runs inside the line collapsed to one space, ends stripped."""
    return _INNER_SPACE.sub(" ", unicodedata.normalize("NFC", line)).strip()


def clean_text(text: str) -> str:
    """Normalise a multi-line turn text: clean each line, drop blank ones, join with LF."""
    lines = (clean_line(part) for part in newlines_to_lf(text).split("\n"))
    return "\n".join(line for line in lines if line)


def clock_ms(hours: str | None, minutes: str, seconds: str, fraction: str | None) -> int:
    """Milliseconds from clock parts; a fraction of 1–3 digits is read as decimals of a second."""
    frac = int((fraction or "0")[:3].ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + frac


def format_clock(ms: int) -> str:
    """hh:mm:ss, with .mmm only when the milliseconds are not zero (keeps round trips exact)."""
    seconds, millis = divmod(ms, 1000)
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    base = f"{hours:02d}:{mins:02d}:{secs:02d}"
    return f"{base}.{millis:03d}" if millis else base


def fill_end_times(turns: list[ParsedTurn]) -> None:
    """Give each timed turn without an end the start of the next timed turn.

    Left as None when the next start lies earlier (e.g. a second recording restarting at 0),
    so no turn ever ends before it starts.
    """
    timed = [(t, t.start_ms) for t in turns if t.start_ms is not None]
    for (turn, start), (_, next_start) in zip(timed, timed[1:], strict=False):
        if turn.end_ms is None and next_start >= start:
            turn.end_ms = next_start


def require_turns(turns: Iterable[ParsedTurn], *, source: str | Path) -> list[ParsedTurn]:
    """Drop empty turns; a file without any turn is an error, not an empty interview."""
    kept = [t for t in turns if t.text]
    if not kept:
        raise InputError("no speaker turns found in the file", file=source)
    return kept
