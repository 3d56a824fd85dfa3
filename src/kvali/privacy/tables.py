"""Pseudonymization tables: study lists, entities (study-wide) and per-transcript suggestions.

Original text lives here only *before* pseudonymization is applied: ``apply`` moves every
original (terms, entity surfaces, suggestion texts) into the encrypted key file and then nulls
or deletes them here, so the working database never keeps a name after apply.
"""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, fk, metadata

# Names the researcher enters once (participants, schools, municipalities, networks): always masked.
privacy_terms = sa.Table(
    "privacy_terms",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("study_id", "studies.id"),
    sa.Column("term", sa.Text, nullable=False),
    sa.Column("label", sa.String(8), nullable=False),
    sa.Column("category", sa.Text),
    sa.Column("created_at", TS, nullable=False),
)

# One row per distinct real-world name in the study: the unit of consistent replacement.
privacy_entities = sa.Table(
    "privacy_entities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("study_id", "studies.id"),
    sa.Column("label", sa.String(8), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False, server_default="name"),
    sa.Column("category", sa.Text, nullable=False),
    # Original surface and its grouping key: NULL once pseudonymization has been applied.
    sa.Column("text", sa.Text),
    sa.Column("norm", sa.Text),
    sa.Column("replacement", sa.Text),
    sa.Column("number", sa.Integer),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("applied", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", TS, nullable=False),
    sa.CheckConstraint("status IN ('pending','accepted','rejected')", name="status"),
)

privacy_suggestions = sa.Table(
    "privacy_suggestions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("transcript_id", "transcripts.id"),
    fk("entity_id", "privacy_entities.id"),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("label", sa.String(8), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("text", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.CheckConstraint("status IN ('pending','accepted','rejected')", name="status"),
    sa.CheckConstraint("end_char > start_char", name="span"),
)
