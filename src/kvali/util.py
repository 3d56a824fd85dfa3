"""Small helpers shared by the services: clock, GUIDs, text normalisation, weights hashing."""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

# The largest value an INTEGER column holds on every supported database (32-bit on PostgreSQL):
# ids and offsets beyond it cannot exist, so a lookup treats them as unknown, never as an error.
MAX_DB_INT = 2**31 - 1


def numeric_id(ref: object) -> int | None:
    """``ref`` as a row id (an int, or a string of ASCII digits) when it can be one, else None."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, str):
        ref = ref.strip()
        if not (ref.isascii() and ref.isdigit()) or len(ref) > 10:
            return None
        ref = int(ref)
    return ref if isinstance(ref, int) and 1 <= ref <= MAX_DB_INT else None


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


def cache_dir() -> Path:
    """Per-user cache: $KVALI_CACHE_DIR, else $XDG_CACHE_HOME/kvali, else ~/.cache/kvali."""
    env = os.environ.get("KVALI_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kvali"


def file_sha256(path: Path) -> str:
    """sha256 of a weights file, remembered per (path, size, mtime, ctime) so a 3 GB model is
    hashed once. The inode change time is in the key because it cannot be set back: a file
    rewritten with its old size and mtime restored is hashed again."""
    st = path.stat()
    return _file_sha256(str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@lru_cache(maxsize=64)
def _file_sha256(path: str, size: int, mtime_ns: int, ctime_ns: int = 0) -> str:
    key = f"{path}|{size}|{mtime_ns}|{ctime_ns}"
    memo = cache_dir() / "sha256.json"
    known: dict[str, str] = {}
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        pass
    if key in known:
        return known[key]
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    known[key] = digest.hexdigest()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(json.dumps(known, indent=0))
    except OSError:  # a read-only home is no reason to fail
        pass
    return known[key]
