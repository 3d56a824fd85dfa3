"""The ``jobs`` table: one row per background task (migrations 0003_speech, 0008_jobs_lease)."""

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
    # The worker that holds the job (a random token from ``claim``) and until when: a running
    # job whose lease has passed may be taken over (its worker died); one whose lease holds not.
    sa.Column("claim_token", sa.String(64)),
    sa.Column("lease_until", TS),
    sa.CheckConstraint("status IN ('queued','running','done','failed')", name="status"),
)
