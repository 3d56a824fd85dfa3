"""Tables of the semantic area: which model made which vectors, segments, suggestions, clusters.

The vectors themselves live in the project folder (``index/<model>/vectors.f32``, one row per
segment); the database records which row belongs to which span of which transcript version, so
that an index made by one model is never read with another model's query vectors.
"""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, fk, metadata

# One per embedding model: vectors of different models live in different files, never mixed.
semantic_indexes = sa.Table(
    "semantic_indexes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("model_id", sa.Text, nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("model_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("folder", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# A segment: a turn, or a window of 1–3 sentences of a long turn, with its row in the vector file.
# ``text_hash`` (not the text) lets an update reuse vectors of segments whose text did not change.
semantic_segments = sa.Table(
    "semantic_segments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "index_id",
        sa.Integer,
        sa.ForeignKey("semantic_indexes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    fk("transcript_id", "transcripts.id"),
    sa.Column("turn_id", sa.Integer, sa.ForeignKey("turns.id", ondelete="CASCADE"), nullable=False),
    sa.Column("transcript_version", sa.Integer, nullable=False),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("row", sa.Integer, nullable=False),
    sa.UniqueConstraint("index_id", "row", name="uq_semantic_segments_index_row"),
)
sa.Index("ix_semantic_segments_turn_id", semantic_segments.c.turn_id)

# Code suggestions waiting for the researcher: nothing becomes a coding until it is accepted.
# ``source``: deductive (zero-shot from descriptions), learned (from the study's codings, 0007),
# cluster (a named candidate category).
code_suggestions = sa.Table(
    "code_suggestions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "study_id", sa.Integer, sa.ForeignKey("studies.id", ondelete="CASCADE"), nullable=False
    ),
    fk("transcript_id", "transcripts.id"),
    sa.Column("code_id", sa.Integer, sa.ForeignKey("codes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("transcript_version", sa.Integer, nullable=False),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False, server_default="1"),
    sa.Column("source", sa.String(16), nullable=False, server_default="deductive"),
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column(
        "coding_id", sa.Integer, sa.ForeignKey("codings.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("decided_at", TS),
    sa.Column("decided_by", sa.String(200)),
    sa.CheckConstraint("status IN ('pending','accepted','rejected','stale')", name="status"),
    sa.CheckConstraint("source IN ('deductive','cluster','learned')", name="source"),
)
sa.Index("ix_code_suggestions_study_status", code_suggestions.c.study_id, code_suggestions.c.status)

# Inductive candidate categories: the researcher names, merges or rejects them.
semantic_clusters = sa.Table(
    "semantic_clusters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "study_id", sa.Integer, sa.ForeignKey("studies.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("status", sa.String(16), nullable=False, server_default="candidate"),
    sa.Column(
        "merged_into_id",
        sa.Integer,
        sa.ForeignKey("semantic_clusters.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("code_id", sa.Integer, sa.ForeignKey("codes.id", ondelete="SET NULL"), nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.CheckConstraint("status IN ('candidate','named','merged','rejected')", name="status"),
)
sa.Index("ix_semantic_clusters_study_id", semantic_clusters.c.study_id)

semantic_cluster_members = sa.Table(
    "semantic_cluster_members",
    metadata,
    sa.Column(
        "cluster_id",
        sa.Integer,
        sa.ForeignKey("semantic_clusters.id", ondelete="CASCADE"),
        nullable=False,
    ),
    fk("segment_id", "semantic_segments.id"),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("representative", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.PrimaryKeyConstraint("cluster_id", "segment_id"),
)
