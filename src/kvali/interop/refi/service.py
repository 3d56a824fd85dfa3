"""REFI-QDA import and export as service functions for the CLI and the web workbench.

Each takes a ``Project`` (a transaction is opened here) or an open ``Connection`` (the caller's
transaction decides). An import lands whole or not at all; anything unexpected in the file
surfaces as ``InputError``, never as a half-written study.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.errors import InputError, KvaliError
from kvali.events.service import log_event
from kvali.project import Project

from .build import build_codebook, build_project
from .container import local, open_package
from .importer import run_import
from .reader import read_codebook, read_package
from .writer import write_codebook, write_project


@dataclass
class ImportResult:
    """What an import wrote (``counts``) and what it could not (``warnings``)."""

    study_id: int
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"study_id": self.study_id, "counts": self.counts, "warnings": self.warnings}


@dataclass
class ExportResult:
    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "counts": self.counts, "warnings": self.warnings}


@contextmanager
def _connection(target: Project | sa.Connection) -> Iterator[sa.Connection]:
    if isinstance(target, sa.Connection):
        yield target
    else:
        with target.begin() as conn:
            yield conn


def _import(target: Project | sa.Connection, path: str | Path, *, codebook: bool) -> ImportResult:
    path = Path(path)
    package = open_package(path)
    try:
        if codebook and local(package.root) == "Project":
            raise InputError(
                "this is a project (.qdpx/.qde), not a codebook: use import-qdpx", file=path
            )
        if not codebook and local(package.root) == "CodeBook":
            raise InputError("this is a codebook (.qdc), not a project: use import-qdc", file=path)
        rp = read_codebook(package.root) if codebook else read_package(package)
        with _connection(target) as conn:
            try:
                sid, counts, warnings = run_import(conn, rp, title=path.stem)
            except KvaliError as exc:
                raise InputError(
                    "import stopped, nothing was written: {exc}", file=path, exc=exc
                ) from exc
            except (ValueError, TypeError, KeyError, IndexError, OverflowError, sa.exc.DataError,
                    sa.exc.IntegrityError, zipfile.BadZipFile) as exc:  # fmt: skip
                raise InputError(
                    "import stopped, nothing was written: {exc}", file=path, exc=exc
                ) from exc
            log_event(conn, study_id=sid, action="import", entity="refi",
                      entity_id=sid, payload={"file": path.name, **dict(counts)})  # fmt: skip
    finally:
        package.close()
    read = {k if k.endswith("_in_file") else f"{k}_in_file": v for k, v in rp.counts.items()}
    return ImportResult(study_id=sid, counts={**read, **dict(counts)}, warnings=warnings)


def import_qdpx(target: Project | sa.Connection, path: str | Path) -> ImportResult:
    """Import a REFI-QDA project (.qdpx, or a bare .qde) into the project's study."""
    return _import(target, path, codebook=False)


def import_qdc(target: Project | sa.Connection, path: str | Path) -> ImportResult:
    """Import a REFI-QDA codebook (.qdc): codes with hierarchy, descriptions, colours, sets."""
    return _import(target, path, codebook=True)


def export_qdpx(target: Project | sa.Connection, out: str | Path) -> ExportResult:
    """Write the study as a REFI-QDA project (.qdpx) with code-point positions."""
    with _connection(target) as conn:
        model = build_project(conn)
    return _write(Path(out), write_project(model), model.counts, model.warnings)


def export_qdc(target: Project | sa.Connection, out: str | Path) -> ExportResult:
    """Write the study's codebook as a REFI-QDA codebook (.qdc)."""
    with _connection(target) as conn:
        model = build_codebook(conn)
    return _write(Path(out), write_codebook(model), model.counts, model.warnings)


def _write(out: Path, data: bytes, counts: Any, warnings: list[str]) -> ExportResult:
    """Write to a temporary file beside ``out`` and rename, so a failed export leaves nothing."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kvali-export-", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ExportResult(path=out, counts=dict(counts), warnings=list(warnings))
