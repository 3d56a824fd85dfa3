"""Run Alembic migrations programmatically against an engine (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(conn: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside one transaction."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def revision(engine: sa.Engine, message: str) -> None:
    """Autogenerate a new revision (developer tool: ``kvali db revision``)."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
