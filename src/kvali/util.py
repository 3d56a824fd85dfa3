"""Small helpers shared by the services: clock, GUIDs, text normalisation."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def new_guid() -> str:
    return str(uuid.uuid4())


def normalize_text(text: str) -> str:
    """NFC with LF line endings: the one text form every stored offset refers to."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def format_ms(ms: int | None) -> str:
    if ms is None:
        return ""
    s = ms // 1000
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
