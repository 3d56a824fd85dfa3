"""The ``jobs`` table: one row per background task (migration 0003_speech)."""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, fk, metadata

JOB_STATUSES = ("queued", "running", "done", "failed")

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("study_id", "studies.id", nullable=True),
    sa.Column("kind", sa.String(32), nullable=False),
    # Parameters name things (interview label, model path), never transcript text.
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
    sa.Column("done", sa.Float, nullable=False, server_default="0"),
    sa.Column("total", sa.Float),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("result", sa.JSON),
    sa.Column("error", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("started_at", TS),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("finished_at", TS),
    sa.CheckConstraint("status IN ('queued','running','done','failed')", name="status"),
)
