"""REFI-QDA sets

Revision ID: 0002_refi
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_refi"
down_revision = "0001"
branch_labels = ("refi",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refi_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_refi_sets_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refi_sets")),
        sa.UniqueConstraint("guid", name=op.f("uq_refi_sets_guid")),
    )
    with op.batch_alter_table("refi_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refi_sets_study_id"), ["study_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refi_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refi_sets_study_id"))
    op.drop_table("refi_sets")
