"""WebVTT and SRT subtitle files (Zoom, Teams, Whisper, transcription services).

Subtitle cues are short; consecutive cues of one speaker are merged into one turn so
that the result reads like a transcript rather than a caption track.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from kvali.errors import InputError

from ._common import (
    clean_line,
    clean_text,
    clock_ms,
    newlines_to_lf,
    read_text_file,
    require_turns,
)
from .labels import accept_label, match_label
from .model import ParsedTranscript, ParsedTurn

UNKNOWN_SPEAKER = "Unknown"

_VTT_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING = re.compile(rf"{_VTT_TIME} +--> +{_VTT_TIME}(?: .*)?")
_SRT_TIME = r"(\d+):([0-5]\d):([0-5]\d)[,.](\d{1,3})"
_SRT_TIMING = re.compile(rf"{_SRT_TIME} *--> *{_SRT_TIME}(?: .*)?")
_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_VTT_SKIPPED_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>|</v>")
_TAG = re.compile(r"</?[A-Za-z][\w.-]*(?:[ \t][^>]*)?>|<\d[\d:.]*>|\{\\[^}]*\}")
_INDEX = re.compile(r"\d+")
_LOOKS_TIMED = re.compile(r"\d+:\d")


@dataclass
class _Cue:
    line: int
    start_ms: int
    end_ms: int
    payload: str


Line = tuple[int, str]


def _blocks(text: str, first: int = 0) -> list[list[Line]]:
    """Group numbered, cleaned lines into blank-line separated blocks."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for index, raw in enumerate(text.split("\n")[first:], start=first + 1):
        line = clean_line(raw)
        if line:
            current.append((index, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _timing(pattern: re.Pattern[str], line: Line, source: str, example: str) -> tuple[int, int]:
    number, text = line
    m = pattern.fullmatch(text)
    if not m:
        raise InputError(
            "malformed cue timing «{text}» (expected {example})",
            file=source,
            line=number,
            text=text,
            example=example,
        )
    g = m.groups()
    start, end = clock_ms(*g[0:4]), clock_ms(*g[4:8])
    if end < start:
        raise InputError("cue ends before it starts", file=source, line=number)
    return start, end


def _segments(payload: str) -> list[tuple[str | None, str]]:
    """Split cue text at voice tags into (voice or None, text) pieces."""
    pieces: list[tuple[str | None, str]] = []
    speaker: str | None = None
    pos = 0
    for m in _VOICE.finditer(payload):
        pieces.append((speaker, payload[pos : m.start()]))
        speaker = clean_line(m.group(1) or "") or None if m.group(0) != "</v>" else None
        pos = m.end()
    pieces.append((speaker, payload[pos:]))
    return pieces


def _plain(text: str) -> str:
    return clean_line(html.unescape(_TAG.sub("", text)))


def _cues_to_turns(cues: list[_Cue], source: str) -> list[ParsedTurn]:
    """Speakers from voice tags or "Name:" lines; same-speaker cues merge into one turn."""
    turns: list[ParsedTurn] = []
    seen: set[str] = set()

    def emit(speaker: str | None, text: str, cue: _Cue) -> None:
        if not text:
            return
        if speaker is None:
            speaker = turns[-1].speaker if turns else UNKNOWN_SPEAKER
        seen.add(speaker.casefold())
        last = turns[-1] if turns else None
        if last is not None and last.speaker == speaker:
            last.text = f"{last.text} {text}"
            last.end_ms = max(last.end_ms or 0, cue.end_ms)
        else:
            turns.append(ParsedTurn(speaker, text, cue.start_ms, cue.end_ms, cue.line))

    for cue in cues:
        for voice, chunk in _segments(cue.payload):
            if voice is not None:
                emit(voice, _plain(chunk.replace("\n", " ")), cue)
                continue
            for raw in chunk.split("\n"):
                line = _plain(raw)
                m = match_label(line) if line else None
                if (
                    m
                    and not m.timed
                    and accept_label(m.label, seen=seen, lenient=not turns, bold=m.bold)
                ):
                    seen.add(m.label.casefold())
                    if m.rest:
                        emit(m.label, m.rest, cue)
                    elif not turns or turns[-1].speaker != m.label:
                        # A bare "Name:" line: the next text belongs to Name.
                        turns.append(ParsedTurn(m.label, "", cue.start_ms, cue.end_ms, cue.line))
                else:
                    emit(None, line, cue)
    for turn in turns:
        turn.text = clean_text(turn.text)
    return require_turns(turns, source=source)


def parse_vtt_text(text: str, *, source: str = "<vtt>") -> ParsedTranscript:
    """Parse WebVTT content; the header's "Key: value" lines become metadata."""
    text = newlines_to_lf(text).removeprefix("\ufeff")
    lines = text.split("\n")
    first = clean_line(lines[0])
    if not _VTT_HEADER.fullmatch(first):
        raise InputError("not a WebVTT file: the first line must be «WEBVTT»", file=source, line=1)
    metadata: dict[str, str] = {}
    title = first[6:].strip().removeprefix("-").strip()  # "WEBVTT - Interview 3"
    if title:
        metadata["title"] = title
    body = 1
    while body < len(lines) and clean_line(lines[body]) and "-->" not in lines[body]:
        key, sep, value = clean_line(lines[body]).partition(":")
        if sep:
            metadata[key.strip()] = value.strip()
        body += 1
    cues: list[_Cue] = []
    for block in _blocks(text, body):
        if _VTT_SKIPPED_BLOCK.fullmatch(block[0][1]):
            continue
        # A first line that looks like a time is a (possibly broken) timing line, not a cue id.
        timing_at = 0 if "-->" in block[0][1] or _LOOKS_TIMED.match(block[0][1]) else 1
        if timing_at >= len(block) or not (
            "-->" in block[timing_at][1] or _LOOKS_TIMED.match(block[timing_at][1])
        ):
            bad = block[min(timing_at, len(block) - 1)]
            raise InputError(
                "expected a cue timing line «hh:mm:ss.mmm --> hh:mm:ss.mmm», found «{found}»",
                file=source,
                line=bad[0],
                found=bad[1],
            )
        start, end = _timing(_VTT_TIMING, block[timing_at], source, "hh:mm:ss.mmm --> hh:mm:ss.mmm")
        payload = "\n".join(t for _, t in block[timing_at + 1 :])
        cues.append(_Cue(block[0][0], start, end, payload))
    language = next((v for k, v in metadata.items() if k.casefold() == "language" and v), None)
    return ParsedTranscript(_cues_to_turns(cues, source), "vtt", language, metadata)


def parse_srt_text(text: str, *, source: str = "<srt>") -> ParsedTranscript:
    """Parse SubRip content: numbered blocks of timing line plus text."""
    example = "hh:mm:ss,mmm --> hh:mm:ss,mmm"
    cues: list[_Cue] = []
    for block in _blocks(newlines_to_lf(text).removeprefix("\ufeff")):
        number, first = block[0]
        if "-->" in first:
            timing_at = 0  # tolerate a missing cue number
        elif _INDEX.fullmatch(first):
            timing_at = 1
            if len(block) < 2:
                raise InputError(
                    "subtitle {first} has no timing line", file=source, line=number, first=first
                )
        else:
            raise InputError(
                "expected a subtitle number, found «{first}»", file=source, line=number, first=first
            )
        start, end = _timing(_SRT_TIMING, block[timing_at], source, example)
        payload = "\n".join(t for _, t in block[timing_at + 1 :])
        cues.append(_Cue(number, start, end, payload))
    return ParsedTranscript(_cues_to_turns(cues, source), "srt")


def parse_vtt_file(path: str | Path) -> ParsedTranscript:
    """Read and parse a .vtt file."""
    return parse_vtt_text(read_text_file(path), source=str(path))


def parse_srt_file(path: str | Path) -> ParsedTranscript:
    """Read and parse a .srt file."""
    return parse_srt_text(read_text_file(path), source=str(path))
