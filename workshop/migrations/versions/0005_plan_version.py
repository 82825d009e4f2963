"""plan_version: a workshop's plan snapshot is versioned (cached parsed plans, plan edits)

Revision ID: 0005_plan_version
Revises: 0004_ids_never_reused
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_plan_version"
down_revision = "0004_ids_never_reused"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("plan_version")
