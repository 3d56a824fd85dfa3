"""diarize: voice-window embeddings in the transcription checkpoints

Revision ID: 0007_diarize
Revises: 0003_speech
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_diarize"
down_revision = "0003_speech"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transcription_chunks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voice", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transcription_chunks", schema=None) as batch_op:
        batch_op.drop_column("voice")
