"""question and spotlight: a workshop's challenge question, and the idea in focus

Revision ID: 0006_question_spotlight
Revises: 0008_profiles
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_question_spotlight"
down_revision = "0008_profiles"  # main gained 0008_profiles (on 0005) first: one line of history
branch_labels = None
depends_on = None


def _batch():
    # SQLite rebuilds the table to add check constraints: keep its ids never reused (0004).
    sqlite = op.get_context().dialect.name == "sqlite"
    return op.batch_alter_table("workshop", table_kwargs={"sqlite_autoincrement": True} if sqlite else {})


def upgrade():
    with _batch() as batch_op:
        batch_op.add_column(sa.Column("question", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("spotlight_type", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("spotlight_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_workshop_question"), "length(question) BETWEEN 1 AND 300")
        batch_op.create_check_constraint(op.f("ck_workshop_spotlight_type"), "spotlight_type IN ('cluster', 'note')")
        batch_op.create_check_constraint(
            op.f("ck_workshop_spotlight"), "(spotlight_type IS NULL) = (spotlight_id IS NULL)"
        )


def downgrade():
    with _batch() as batch_op:
        batch_op.drop_constraint(op.f("ck_workshop_spotlight"), type_="check")
        batch_op.drop_constraint(op.f("ck_workshop_spotlight_type"), type_="check")
        batch_op.drop_constraint(op.f("ck_workshop_question"), type_="check")
        batch_op.drop_column("spotlight_id")
        batch_op.drop_column("spotlight_type")
        batch_op.drop_column("question")
