"""undo: the text a workbench correction replaced, so it can be undone (events.tables)

Revision ID: 0009_undo
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_undo"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "undo_texts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "transcript_id",
            sa.Integer(),
            sa.ForeignKey("transcripts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.UniqueConstraint("transcript_id", "version", name="uq_undo_texts_version"),
    )
    op.create_index("ix_undo_texts_transcript_id", "undo_texts", ["transcript_id"])


def downgrade() -> None:
    op.drop_index("ix_undo_texts_transcript_id", table_name="undo_texts")
    op.drop_table("undo_texts")
