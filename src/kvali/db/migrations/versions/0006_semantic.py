"""semantic: embedding indexes, segments, code suggestions, candidate clusters

Revision ID: 0006_semantic
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_semantic"
down_revision = "0001"
branch_labels = ("semantic",)
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(col: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [col], [target], name=op.f(f"fk_{table}_{col}_{ref}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "semantic_indexes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semantic_indexes")),
        sa.UniqueConstraint("model_sha256", name=op.f("uq_semantic_indexes_model_sha256")),
    )
    op.create_table(
        "semantic_clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="candidate", nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('candidate','named','merged','rejected')",
            name=op.f("ck_semantic_clusters_status"),
        ),
        _fk("code_id", "semantic_clusters", "codes.id", "SET NULL"),
        _fk("merged_into_id", "semantic_clusters", "semantic_clusters.id", "SET NULL"),
        _fk("study_id", "semantic_clusters", "studies.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semantic_clusters")),
    )
    with op.batch_alter_table("semantic_clusters", schema=None) as batch_op:
        batch_op.create_index("ix_semantic_clusters_study_id", ["study_id"], unique=False)

    op.create_table(
        "code_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("transcript_version", sa.Integer(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), server_default="1", nullable=False),
        sa.Column("source", sa.String(length=16), server_default="deductive", nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("coding_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "source IN ('deductive','cluster')", name=op.f("ck_code_suggestions_source")
        ),
        sa.CheckConstraint(
            "status IN ('pending','accepted','rejected','stale')",
            name=op.f("ck_code_suggestions_status"),
        ),
        _fk("code_id", "code_suggestions", "codes.id", "CASCADE"),
        _fk("coding_id", "code_suggestions", "codings.id", "SET NULL"),
        _fk("study_id", "code_suggestions", "studies.id", "CASCADE"),
        _fk("transcript_id", "code_suggestions", "transcripts.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_suggestions")),
    )
    with op.batch_alter_table("code_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_code_suggestions_study_status", ["study_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_code_suggestions_transcript_id"), ["transcript_id"], unique=False
        )

    op.create_table(
        "semantic_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("transcript_version", sa.Integer(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        _fk("index_id", "semantic_segments", "semantic_indexes.id", "CASCADE"),
        _fk("transcript_id", "semantic_segments", "transcripts.id", "CASCADE"),
        _fk("turn_id", "semantic_segments", "turns.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semantic_segments")),
        sa.UniqueConstraint("index_id", "row", name="uq_semantic_segments_index_row"),
    )
    with op.batch_alter_table("semantic_segments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_semantic_segments_transcript_id"), ["transcript_id"], unique=False
        )
        batch_op.create_index("ix_semantic_segments_turn_id", ["turn_id"], unique=False)

    op.create_table(
        "semantic_cluster_members",
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("representative", sa.Boolean(), server_default=sa.false(), nullable=False),
        _fk("cluster_id", "semantic_cluster_members", "semantic_clusters.id", "CASCADE"),
        _fk("segment_id", "semantic_cluster_members", "semantic_segments.id", "CASCADE"),
        sa.PrimaryKeyConstraint(
            "cluster_id", "segment_id", name=op.f("pk_semantic_cluster_members")
        ),
    )
    with op.batch_alter_table("semantic_cluster_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_semantic_cluster_members_segment_id"), ["segment_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("semantic_cluster_members")
    op.drop_table("semantic_segments")
    op.drop_table("code_suggestions")
    op.drop_table("semantic_clusters")
    op.drop_table("semantic_indexes")
