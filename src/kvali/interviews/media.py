"""Media files live inside the project folder so withdrawal and backups see them."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from kvali.project import Project


def store_media(project: Project, source: Path) -> str:
    """Copy a recording into ``media/`` under a non-identifying name; returns the relative path."""
    project.media_dir.mkdir(exist_ok=True)
    dest = project.media_dir / f"{uuid.uuid4().hex[:12]}{source.suffix.lower()}"
    shutil.copy2(source, dest)
    return str(dest.relative_to(project.path))


MEDIA_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".oga": "audio/ogg",
    ".webm": "audio/webm",
    ".flac": "audio/flac",
}


def recording(project: Project, interview: dict[str, object]) -> tuple[Path, str] | None:
    """The interview's stored recording and its media type, or None when it has none (or the
    file is gone). Only files inside the project's ``media/`` are served: a path stored by a
    newer kvali or edited by hand never reaches outside the project."""
    raw = interview.get("audio_path")
    if not raw:
        return None
    path = (project.path / str(raw)).resolve()
    media = project.media_dir.resolve()
    if media not in path.parents or not path.is_file():
        return None
    return path, MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
