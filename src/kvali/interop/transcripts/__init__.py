"""Read interview transcripts from files into speaker turns; write JSON and member-check DOCX.

Pure functions without database access: importers, previews and the CLI all call
``parse_transcript`` and decide themselves what to store. Every problem with the input
raises ``kvali.errors.InputError`` naming the file and, where it has one, the line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kvali.errors import InputError

from .docx_format import parse_docx_file, write_transcript_docx
from .json_format import parse_json_file, write_transcript_json
from .model import FORMATS, ParsedTranscript, ParsedTurn
from .roles import guess_role
from .subtitle_formats import parse_srt_file, parse_vtt_file
from .text_format import parse_text, parse_text_file

__all__ = [
    "FORMATS",
    "ParsedTranscript",
    "ParsedTurn",
    "format_for_path",
    "guess_role",
    "parse_text",
    "parse_transcript",
    "write_transcript_docx",
    "write_transcript_json",
]

_EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".vtt": "vtt",
    ".srt": "srt",
    ".docx": "docx",
    ".json": "json",
}
_PARSERS: dict[str, Callable[[Path], ParsedTranscript]] = {
    "text": parse_text_file,
    "vtt": parse_vtt_file,
    "srt": parse_srt_file,
    "docx": parse_docx_file,
    "json": parse_json_file,
}


def format_for_path(path: str | Path, format: str | None = None) -> str:
    """The format name for ``path``: ``format`` if given (a name or an extension), else by suffix."""
    if format is not None:
        key = format.strip().casefold()
        name = key if key in _PARSERS else _EXTENSIONS.get("." + key.lstrip("."))
        if name is None:
            raise InputError(
                "unknown transcript format {format!r} (use {formats})",
                file=path,
                format=format,
                formats=", ".join(FORMATS),
            )
        return name
    suffix = Path(path).suffix.casefold()
    if suffix not in _EXTENSIONS:
        raise InputError(
            "cannot tell the transcript format from the extension «{suffix}»; give the format ({formats}) or use one of {extensions}",
            file=path,
            suffix=suffix or "(none)",
            formats=", ".join(FORMATS),
            extensions=", ".join(_EXTENSIONS),
        )
    return _EXTENSIONS[suffix]


def parse_transcript(path: str | Path, *, format: str | None = None) -> ParsedTranscript:
    """Parse a transcript file into turns; the format is guessed from the extension unless given.

    Extensions: .txt/.md/.markdown → text, .vtt, .srt, .docx, .json (kvali transcript JSON).
    """
    return _PARSERS[format_for_path(path, format)](Path(path))
