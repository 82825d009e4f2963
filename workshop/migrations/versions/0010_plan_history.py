"""plan_history: every edit of a workshop's plan, with what changed and both plans

Revision ID: 0010_plan_history
Revises: 0009_plan_library
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_plan_history"
down_revision = "0009_plan_library"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=254), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("previous_data", sa.JSON(), nullable=False),
        sa.Column("new_data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitator.id"],
            name=op.f("fk_plan_change_facilitator_id_facilitator"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_plan_change_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_change")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("plan_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_change_workshop_id"), ["workshop_id"], unique=False)


def downgrade():
    with op.batch_alter_table("plan_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_change_workshop_id"))
    op.drop_table("plan_change")
