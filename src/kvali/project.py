"""A project is a folder: ``kvali.db`` (SQLite, the embedded default) plus ``media/`` and ``exports/``.

``kvali.toml`` in the folder may name a PostgreSQL URL instead; the same Alembic migrations run on
either. The environment variable ``KVALI_DATABASE_URL`` overrides both.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from kvali.db import migrate
from kvali.db.engine import is_sqlite, make_engine
from kvali.errors import KvaliError

DB_FILE = "kvali.db"
CONFIG_FILE = "kvali.toml"


def _read_config(path: Path) -> dict:
    cfg = path / CONFIG_FILE
    if not cfg.exists():
        return {}
    try:
        return tomllib.loads(cfg.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise KvaliError("{cfg}: {exc}", cfg=cfg, exc=exc) from exc


def resolve_database_url(path: Path, database_url: str | None = None) -> str:
    return (
        database_url
        or os.environ.get("KVALI_DATABASE_URL")
        or _read_config(path).get("database_url")
        or f"sqlite:///{(path / DB_FILE).resolve()}"
    )


@dataclass
class Project:
    path: Path
    database_url: str
    engine: sa.Engine

    @property
    def media_dir(self) -> Path:
        return self.path / "media"

    @property
    def exports_dir(self) -> Path:
        return self.path / "exports"

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @classmethod
    def init(cls, path: str | Path, *, database_url: str | None = None) -> Project:
        """Create the folder layout and migrate the database to the newest schema."""
        path = Path(path)
        if (path / DB_FILE).exists() or (path / CONFIG_FILE).exists():
            raise KvaliError("{path} is already a kvali project", path=path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "media").mkdir(exist_ok=True)
        (path / "exports").mkdir(exist_ok=True)
        if database_url:
            (path / CONFIG_FILE).write_text(f'database_url = "{database_url}"\n', encoding="utf-8")
        url = resolve_database_url(path, database_url)
        engine = make_engine(url)
        migrate.upgrade(engine)
        return cls(path=path, database_url=url, engine=engine)

    @classmethod
    def open(cls, path: str | Path, *, database_url: str | None = None) -> Project:
        """Open an existing project; an older SQLite schema is backed up, then upgraded."""
        path = Path(path)
        if not ((path / DB_FILE).exists() or (path / CONFIG_FILE).exists()):
            raise KvaliError(
                "{path} is not a kvali project (no {db_file} or {config_file}); create one with: kvali init {path}",
                path=path,
                db_file=DB_FILE,
                config_file=CONFIG_FILE,
            )
        url = resolve_database_url(path, database_url)
        engine = make_engine(url)
        project = cls(path=path, database_url=url, engine=engine)
        current = migrate.current_revisions(engine)
        if current != migrate.head_revisions():
            if current and project.is_sqlite:
                tag = "-".join(sorted(current))
                shutil.copy2(path / DB_FILE, path / f"{DB_FILE}.bak-{tag}")
            migrate.upgrade(engine)
        for sub in ("media", "exports"):
            (path / sub).mkdir(exist_ok=True)
        return project

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """One transaction: everything inside commits together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def compact(self) -> None:
        """Make deleted data unrecoverable from the files: checkpoint the WAL and VACUUM."""
        if self.is_sqlite:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("INSERT INTO turns_fts(turns_fts) VALUES ('rebuild')")
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in (
                    "turns",
                    "codings",
                    "memos",
                    "participant_attributes",
                    "participants",
                    "transcripts",
                    "events",
                ):
                    conn.exec_driver_sql(f"VACUUM {table}")
