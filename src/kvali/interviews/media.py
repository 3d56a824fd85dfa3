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
