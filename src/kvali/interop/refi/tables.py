"""REFI-QDA sets: kvali has no native concept of them, so they are kept as imported and exported back."""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, fk, metadata

# A named group of codes, interviews (sources) and memos (notes), as in REFI-QDA ``<Set>``.
# ``members`` is {"codes": [ids], "interviews": [ids], "memos": [ids]}.
refi_sets = sa.Table(
    "refi_sets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("guid", sa.String(36), nullable=False, unique=True),
    fk("study_id", "studies.id"),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("members", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)
