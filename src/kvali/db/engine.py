"""Engines for the embedded default (SQLite file in the project folder) and PostgreSQL.

SQLite gets WAL, foreign keys, secure_delete (withdrawn participants' text must not linger in
free pages) and explicit BEGIN so every service call is one real transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from kvali.errors import KvaliError


def is_sqlite(engine_or_conn: Engine | sa.Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite connections are configured on connect."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on install
            raise KvaliError("PostgreSQL needs the driver: pip install 'kvali[postgres]'") from exc
        return sa.create_engine(url, pool_pre_ping=True)
    if not url.startswith("sqlite"):
        raise KvaliError(
            "unsupported database URL {url!r}: use sqlite:///… or postgresql://…", url=url
        )
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # VACUUM and checkpoints must run outside a transaction
        conn.connection.dbapi_connection.isolation_level = None
        if conn.get_execution_options().get("kvali_read_only"):
            # A reader beside a writer (a report's second process): a deferred transaction
            # reads one WAL snapshot and never waits for the writer's lock.
            conn.exec_driver_sql("BEGIN")
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
