"""Tables of the analysis area: blind double coding, resolutions, theory frameworks and their
evidence matrix. Declared on the shared metadata; migration ``0005_analysis``."""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, _guid, _id, fk, metadata

# Blind mode per transcript: its coders see only their own codings until all marked it done.
analysis_blind = sa.Table(
    "analysis_blind",
    metadata,
    _id(),
    fk("study_id", "studies.id"),
    sa.Column(
        "transcript_id",
        sa.Integer,
        sa.ForeignKey("transcripts.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("opened_at", TS),
)

analysis_blind_coders = sa.Table(
    "analysis_blind_coders",
    metadata,
    fk("blind_id", "analysis_blind.id"),
    fk("user_id", "users.id"),
    sa.Column("done_at", TS),
    sa.PrimaryKeyConstraint("blind_id", "user_id"),
)

# A disagreement resolved to consensus: which codings were closed, which replaced them.
analysis_resolutions = sa.Table(
    "analysis_resolutions",
    metadata,
    _id(),
    fk("study_id", "studies.id"),
    fk("transcript_id", "transcripts.id"),
    sa.Column("replaced_ids", sa.JSON, nullable=False),
    sa.Column("consensus_ids", sa.JSON, nullable=False),
    sa.Column("memo_id", sa.Integer),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# A theory framework loaded into a study (from a REFI-QDA codebook) and its items.
analysis_frameworks = sa.Table(
    "analysis_frameworks",
    metadata,
    _id(),
    _guid(),
    fk("study_id", "studies.id"),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("key", sa.String(64), nullable=False, server_default=""),
    sa.Column("language", sa.String(16), nullable=False, server_default=""),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", TS, nullable=False),
)

analysis_framework_items = sa.Table(
    "analysis_framework_items",
    metadata,
    _id(),
    _guid(),
    fk("framework_id", "analysis_frameworks.id"),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("keywords", sa.JSON, nullable=False),
    # Study codes whose codings count as explicit evidence for the item.
    sa.Column("code_ids", sa.JSON, nullable=False),
)

# The researcher's judgement per framework item × interview (or × theme).
analysis_framework_evidence = sa.Table(
    "analysis_framework_evidence",
    metadata,
    _id(),
    fk("item_id", "analysis_framework_items.id"),
    sa.Column("column_type", sa.String(16), nullable=False),
    sa.Column("column_id", sa.Integer, nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("coding_ids", sa.JSON, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint(
        "item_id", "column_type", "column_id", name="uq_analysis_framework_evidence_cell"
    ),
    sa.CheckConstraint("column_type IN ('interview','theme')", name="column_type"),
    sa.CheckConstraint("level IN ('explicit','implicit','not_found')", name="level"),
)
