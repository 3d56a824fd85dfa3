"""Project folders, database settings and migrations."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kvali.db import migrate
from kvali.db.tables import all_metadata
from kvali.project import Project


def test_init_creates_folder_layout_with_wal_and_foreign_keys(tmp_path):
    project = Project.init(tmp_path / "study")
    assert (tmp_path / "study" / "kvali.db").is_file()
    assert (tmp_path / "study" / "media").is_dir()
    assert (tmp_path / "study" / "exports").is_dir()
    with project.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert migrate.is_current(project.engine)


def test_init_refuses_existing_project(tmp_path):
    import pytest

    from kvali.errors import KvaliError

    Project.init(tmp_path / "p").close()
    with pytest.raises(KvaliError, match="already a kvali project"):
        Project.init(tmp_path / "p")


def test_open_non_project_names_the_folder(tmp_path):
    import pytest

    from kvali.errors import KvaliError

    with pytest.raises(KvaliError, match="not a kvali project"):
        Project.open(tmp_path)


def test_migrations_match_the_schema_module(project):
    """The Alembic history builds exactly the tables schema.py declares (on each backend)."""
    with project.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), all_metadata())

    def relevant(d):
        # FTS shadow tables (SQLite) and the generated tsvector column (PostgreSQL) live only in
        # the migration, on purpose.
        text = repr(d)
        return not any(x in text for x in ("turns_fts", "'tsv'", "ix_turns_tsv"))

    assert [d for d in diff if relevant(d)] == []


def test_downgrade_and_upgrade_round_trip(tmp_path):
    project = Project.init(tmp_path / "p")
    with project.engine.begin() as conn:
        from alembic import command

        command.downgrade(migrate._config(conn), "base")
    assert "studies" not in sa.inspect(project.engine).get_table_names()
    migrate.upgrade(project.engine)
    assert "studies" in sa.inspect(project.engine).get_table_names()


def test_failed_transaction_writes_nothing(study):
    import pytest

    from kvali.participants.service import add_participant
    from tests.conftest import snapshot

    project, sid = study
    before = snapshot(project)
    with pytest.raises(RuntimeError), project.begin() as conn:
        add_participant(conn, sid, code="R9")
        raise RuntimeError("boom")
    assert snapshot(project) == before


def test_event_log_is_append_only(study):
    import pytest

    from kvali.db.schema import events

    project, _ = study
    with pytest.raises(sa.exc.DBAPIError), project.begin() as conn:
        conn.execute(events.delete())
    with pytest.raises(sa.exc.DBAPIError), project.begin() as conn:
        conn.execute(events.update().values(actor="someone else"))
    with project.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() >= 1
