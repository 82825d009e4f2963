"""cluster mark: a facilitator's mark on a group (e.g. "any unit could do it")

Revision ID: 0011_cluster_mark
Revises: 0007_commitments
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_cluster_mark"
down_revision = "0007_commitments"
branch_labels = None
depends_on = None


def _batch():
    # SQLite may rebuild the table: keep its ids never reused (0004).
    sqlite = op.get_context().dialect.name == "sqlite"
    return op.batch_alter_table("cluster", table_kwargs={"sqlite_autoincrement": True} if sqlite else {})


def upgrade():
    with _batch() as batch_op:
        batch_op.add_column(sa.Column("marked", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with _batch() as batch_op:
        batch_op.drop_column("marked")
