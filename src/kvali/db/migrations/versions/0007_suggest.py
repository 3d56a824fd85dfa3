"""suggest: code suggestions may come from the model learned from the study's own codings

Revision ID: 0007_suggest
Revises: 0006_semantic
"""

from alembic import op

revision = "0007_suggest"
down_revision = "0006_semantic"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("code_suggestions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_code_suggestions_source"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_code_suggestions_source"), "source IN ('deductive','cluster','learned')"
        )


def downgrade() -> None:
    op.execute("UPDATE code_suggestions SET source = 'deductive' WHERE source = 'learned'")
    with op.batch_alter_table("code_suggestions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_code_suggestions_source"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_code_suggestions_source"), "source IN ('deductive','cluster')"
        )
