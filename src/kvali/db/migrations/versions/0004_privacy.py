"""pseudonymization: study lists, entities, suggestions

Revision ID: 0004_privacy
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_privacy"
down_revision = "0001"
branch_labels = ("privacy",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_privacy_terms_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_terms")),
    )
    op.create_index(op.f("ix_privacy_terms_study_id"), "privacy_terms", ["study_id"])
    op.create_table(
        "privacy_entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="name", nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("norm", sa.Text(), nullable=True),
        sa.Column("replacement", sa.Text(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("applied", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','accepted','rejected')", name=op.f("ck_privacy_entities_status")
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_privacy_entities_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_entities")),
    )
    op.create_index(op.f("ix_privacy_entities_study_id"), "privacy_entities", ["study_id"])
    op.create_table(
        "privacy_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','accepted','rejected')",
            name=op.f("ck_privacy_suggestions_status"),
        ),
        sa.CheckConstraint("end_char > start_char", name=op.f("ck_privacy_suggestions_span")),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["privacy_entities.id"],
            name=op.f("fk_privacy_suggestions_entity_id_privacy_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_privacy_suggestions_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_suggestions")),
    )
    op.create_index(
        op.f("ix_privacy_suggestions_transcript_id"), "privacy_suggestions", ["transcript_id"]
    )
    op.create_index(op.f("ix_privacy_suggestions_entity_id"), "privacy_suggestions", ["entity_id"])


def downgrade() -> None:
    op.drop_table("privacy_suggestions")
    op.drop_table("privacy_entities")
    op.drop_table("privacy_terms")
