"""profiles: answers to a plan's profile questions, and each workshop's anonymity floor

Revision ID: 0008_profiles
Revises: 0005_plan_version
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_profiles"
down_revision = "0005_plan_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "profile_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "question", name="uq_profile_answer_question"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("profile_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_answer_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_profile_answer_workshop_id"), ["workshop_id"], unique=False)
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymity_floor", sa.Integer(), server_default="3", nullable=False))


def downgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("anonymity_floor")
    with op.batch_alter_table("profile_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_answer_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_profile_answer_participant_id"))
    op.drop_table("profile_answer")
