"""gaps: stretches of speech a transcription could not turn into trusted text

Revision ID: 0008_gaps
Revises: 0007_diarize
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_gaps"
down_revision = "0007_diarize"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transcript_gaps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "transcript_id",
            sa.Integer(),
            sa.ForeignKey("transcripts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("dropped_words", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("marker", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_transcript_gaps_transcript_id", "transcript_gaps", ["transcript_id"])


def downgrade() -> None:
    op.drop_index("ix_transcript_gaps_transcript_id", table_name="transcript_gaps")
    op.drop_table("transcript_gaps")
