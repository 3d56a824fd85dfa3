"""Tables of the accounts area: a login per ``users`` row, and the server-side login sessions.

A session is stored by the SHA-256 of its cookie value, never the value itself, so a copy of
the database (a backup) cannot be used to log in.
"""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, fk, metadata

ROLES = ("owner", "coder", "reader")

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.CheckConstraint("role IN ('owner','coder','reader')", name="role"),
)

account_sessions = sa.Table(
    "account_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("account_id", "accounts.id"),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
)
