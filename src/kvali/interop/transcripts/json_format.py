"""kvali's own lossless transcript format (JSON), validated strictly.

This is the exchange format between kvali instances and external tools, so every
problem is reported with its JSON path (``turns[3].end_ms``) rather than guessed around.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kvali.errors import InputError

from ._common import clean_line, clean_text, decode, read_file, require_turns
from .model import ParsedTranscript, ParsedTurn

VERSION = 1
ROLES = ("interviewer", "participant", "other")
_TOP_KEYS = ("kvali_transcript", "language", "metadata", "turns")
_TURN_KEYS = ("speaker", "role", "start_ms", "end_ms", "text")


def _time(turn: Mapping[str, Any], key: str, path: str, source: str | Path) -> int | None:
    value = turn.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            "{path}: must be a whole number of milliseconds, not {value!r}",
            file=source,
            path=f"{path}.{key}",
            value=value,
        )
    if value < 0:
        raise InputError(
            "{path}: must not be negative ({value})", file=source, path=f"{path}.{key}", value=value
        )
    return value


def validate_turn(turn: Any, index: int, source: str | Path) -> ParsedTurn:
    """Check one turn object and return it as a ParsedTurn with normalised text."""
    path = f"turns[{index}]"
    if not isinstance(turn, Mapping):
        raise InputError("{path}: must be an object", file=source, path=path)
    unknown = sorted(set(turn) - set(_TURN_KEYS), key=str)
    if unknown:
        raise InputError(
            "{path}: unknown key (allowed: {allowed})",
            file=source,
            path=f"{path}.{unknown[0]}",
            allowed=", ".join(_TURN_KEYS),
        )
    speaker = turn.get("speaker")
    if not isinstance(speaker, str) or not clean_line(speaker):
        raise InputError(
            "{path}: missing or empty; every turn needs a speaker label",
            file=source,
            path=f"{path}.speaker",
        )
    text = turn.get("text")
    if not isinstance(text, str):
        raise InputError("{path}: missing or not a string", file=source, path=f"{path}.text")
    role = turn.get("role")
    if role is not None and role not in ROLES:
        raise InputError(
            "{path}: must be one of {roles}, not {role!r}",
            file=source,
            path=f"{path}.role",
            roles=", ".join(ROLES),
            role=role,
        )
    start, end = _time(turn, "start_ms", path, source), _time(turn, "end_ms", path, source)
    if start is not None and end is not None and end < start:
        raise InputError(
            "{path}: ends ({end}) before it starts ({start})",
            file=source,
            path=f"{path}.end_ms",
            end=end,
            start=start,
        )
    return ParsedTurn(
        speaker=clean_line(speaker), text=clean_text(text), start_ms=start, end_ms=end, role=role
    )


def _validate(doc: Any, source: str | Path) -> ParsedTranscript:
    if not isinstance(doc, dict):
        raise InputError("{path}: a kvali transcript must be a JSON object", file=source, path="$")
    unknown = sorted(set(doc) - set(_TOP_KEYS))
    if unknown:
        raise InputError(
            "{path}: unknown key (allowed: {allowed})",
            file=source,
            path=unknown[0],
            allowed=", ".join(_TOP_KEYS),
        )
    version = doc.get("kvali_transcript")
    if isinstance(version, bool) or version != VERSION:
        raise InputError(
            "{path}: must be {expected} (found {found!r})",
            file=source,
            path="kvali_transcript",
            expected=VERSION,
            found=version,
        )
    language = doc.get("language")
    if language is not None and not isinstance(language, str):
        raise InputError(
            '{path}: must be a string such as "nb" or null', file=source, path="language"
        )
    metadata = doc.get("metadata", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise InputError("{path}: must be an object", file=source, path="metadata")
    if "turns" not in doc:
        raise InputError("{path}: missing", file=source, path="turns")
    if not isinstance(doc["turns"], list):
        raise InputError("{path}: must be a list", file=source, path="turns")
    turns = [validate_turn(t, i, source) for i, t in enumerate(doc["turns"])]
    return ParsedTranscript(
        turns=require_turns(turns, source=source),
        format="json",
        language=language or None,
        metadata=metadata,
    )


def parse_json_text(text: str, *, source: str = "<json>") -> ParsedTranscript:
    """Parse and validate kvali transcript JSON given as a string."""
    try:
        doc = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InputError(
            "invalid JSON: {msg} (column {colno})",
            file=source,
            line=exc.lineno,
            msg=exc.msg,
            colno=exc.colno,
        ) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", file=source) from None
    return _validate(doc, source)


def parse_json_file(path: str | Path) -> ParsedTranscript:
    """Read and parse a kvali transcript .json file."""
    return parse_json_text(decode(read_file(path), source=path), source=str(path))


def write_transcript_json(
    path: str | Path,
    *,
    turns: list[dict[str, Any]],
    language: str | None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write turns in kvali transcript JSON, validated first so the file always reads back.

    Turns are dicts with speaker, text and optionally role, start_ms, end_ms. The file is
    written to a temporary name and renamed, so a crash never leaves half a transcript.
    """
    if language is not None and not isinstance(language, str):
        raise InputError("language must be a string or None", file=path)
    if metadata is not None and not isinstance(metadata, dict):
        raise InputError("metadata must be a dict", file=path)
    if not isinstance(turns, list):
        raise InputError("turns must be a list of dicts", file=path)
    checked = require_turns([validate_turn(t, i, path) for i, t in enumerate(turns)], source=path)
    doc = {
        "kvali_transcript": VERSION,
        "language": language,
        "metadata": metadata or {},
        "turns": [
            {
                "speaker": t.speaker,
                "role": t.role,
                "start_ms": t.start_ms,
                "end_ms": t.end_ms,
                "text": t.text,
            }
            for t in checked
        ],
    }
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
