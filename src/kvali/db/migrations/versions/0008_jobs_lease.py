"""jobs: a claim carries a token and a lease, so two workers never run the same job

Revision ID: 0008_jobs_lease
Revises: 0007_diarize
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_jobs_lease"
down_revision = "0007_diarize"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claim_token")
