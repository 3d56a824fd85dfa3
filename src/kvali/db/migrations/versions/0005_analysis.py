"""Analysis: blind double coding, consensus resolutions, theory frameworks and their matrix

Revision ID: 0005_analysis
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_analysis"
down_revision = "0001"
branch_labels = ("analysis",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=64), server_default="", nullable=False),
        sa.Column("language", sa.String(length=16), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_analysis_frameworks_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_frameworks")),
        sa.UniqueConstraint("guid", name=op.f("uq_analysis_frameworks_guid")),
    )
    op.create_index(
        op.f("ix_analysis_frameworks_study_id"), "analysis_frameworks", ["study_id"], unique=False
    )
    op.create_table(
        "analysis_framework_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("code_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["analysis_frameworks.id"],
            name=op.f("fk_analysis_framework_items_framework_id_analysis_frameworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_framework_items")),
        sa.UniqueConstraint("guid", name=op.f("uq_analysis_framework_items_guid")),
    )
    op.create_index(
        op.f("ix_analysis_framework_items_framework_id"),
        "analysis_framework_items",
        ["framework_id"],
        unique=False,
    )
    op.create_table(
        "analysis_blind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_analysis_blind_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_analysis_blind_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_blind")),
        sa.UniqueConstraint("transcript_id", name=op.f("uq_analysis_blind_transcript_id")),
    )
    op.create_index(
        op.f("ix_analysis_blind_study_id"), "analysis_blind", ["study_id"], unique=False
    )
    op.create_table(
        "analysis_framework_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("column_type", sa.String(length=16), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("coding_ids", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "column_type IN ('interview','theme')",
            name=op.f("ck_analysis_framework_evidence_column_type"),
        ),
        sa.CheckConstraint(
            "level IN ('explicit','implicit','not_found')",
            name=op.f("ck_analysis_framework_evidence_level"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["analysis_framework_items.id"],
            name=op.f("fk_analysis_framework_evidence_item_id_analysis_framework_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_framework_evidence")),
        sa.UniqueConstraint(
            "item_id", "column_type", "column_id", name="uq_analysis_framework_evidence_cell"
        ),
    )
    op.create_index(
        op.f("ix_analysis_framework_evidence_item_id"),
        "analysis_framework_evidence",
        ["item_id"],
        unique=False,
    )
    op.create_table(
        "analysis_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("replaced_ids", sa.JSON(), nullable=False),
        sa.Column("consensus_ids", sa.JSON(), nullable=False),
        sa.Column("memo_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_analysis_resolutions_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_analysis_resolutions_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_resolutions")),
    )
    op.create_index(
        op.f("ix_analysis_resolutions_study_id"), "analysis_resolutions", ["study_id"], unique=False
    )
    op.create_index(
        op.f("ix_analysis_resolutions_transcript_id"),
        "analysis_resolutions",
        ["transcript_id"],
        unique=False,
    )
    op.create_table(
        "analysis_blind_coders",
        sa.Column("blind_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["blind_id"],
            ["analysis_blind.id"],
            name=op.f("fk_analysis_blind_coders_blind_id_analysis_blind"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_analysis_blind_coders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blind_id", "user_id", name=op.f("pk_analysis_blind_coders")),
    )
    op.create_index(
        op.f("ix_analysis_blind_coders_blind_id"),
        "analysis_blind_coders",
        ["blind_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_analysis_blind_coders_user_id"), "analysis_blind_coders", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_analysis_blind_coders_user_id"), table_name="analysis_blind_coders")
    op.drop_index(op.f("ix_analysis_blind_coders_blind_id"), table_name="analysis_blind_coders")
    op.drop_table("analysis_blind_coders")
    op.drop_index(op.f("ix_analysis_resolutions_transcript_id"), table_name="analysis_resolutions")
    op.drop_index(op.f("ix_analysis_resolutions_study_id"), table_name="analysis_resolutions")
    op.drop_table("analysis_resolutions")
    op.drop_index(
        op.f("ix_analysis_framework_evidence_item_id"), table_name="analysis_framework_evidence"
    )
    op.drop_table("analysis_framework_evidence")
    op.drop_index(op.f("ix_analysis_blind_study_id"), table_name="analysis_blind")
    op.drop_table("analysis_blind")
    op.drop_index(
        op.f("ix_analysis_framework_items_framework_id"), table_name="analysis_framework_items"
    )
    op.drop_table("analysis_framework_items")
    op.drop_index(op.f("ix_analysis_frameworks_study_id"), table_name="analysis_frameworks")
    op.drop_table("analysis_frameworks")
