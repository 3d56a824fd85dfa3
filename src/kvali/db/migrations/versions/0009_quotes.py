"""quotes: check settings per study and published renderings of quotes beside the verbatim

Revision ID: 0009_quotes
Revises: 0008_gaps
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_quotes"
down_revision = "0008_gaps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quote_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("conservative", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "report_quotes", sa.String(length=16), server_default="published", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_quote_settings_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_settings")),
        sa.UniqueConstraint("study_id", name=op.f("uq_quote_settings_study_id")),
    )
    op.create_table(
        "quote_renderings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("coding_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("verbatim_sha256", sa.String(length=64), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_quote_renderings_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coding_id"],
            ["codings.id"],
            name=op.f("fk_quote_renderings_coding_id_codings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_renderings")),
        sa.UniqueConstraint("coding_id", name=op.f("uq_quote_renderings_coding_id")),
    )
    op.create_index(
        op.f("ix_quote_renderings_study_id"), "quote_renderings", ["study_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_quote_renderings_study_id"), table_name="quote_renderings")
    op.drop_table("quote_renderings")
    op.drop_table("quote_settings")
