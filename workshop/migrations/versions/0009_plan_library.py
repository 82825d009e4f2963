"""plan library: plans stored beside the shipped ones; a workshop's second prompt language

Revision ID: 0009_plan_library
Revises: 0011_cluster_mark
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_plan_library"
down_revision = "0011_cluster_mark"  # main gained 0011_cluster_mark (on 0007) first: one line of history
branch_labels = None
depends_on = None


def _batch():
    # SQLite rebuilds the table: keep its ids never reused (0004).
    sqlite = op.get_context().dialect.name == "sqlite"
    return op.batch_alter_table("workshop", table_kwargs={"sqlite_autoincrement": True} if sqlite else {})


def upgrade():
    op.create_table(
        "saved_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["facilitator.id"],
            name=op.f("fk_saved_plan_created_by_id_facilitator"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_plan")),
        sa.UniqueConstraint("slug", name=op.f("uq_saved_plan_slug")),
        sqlite_autoincrement=True,
    )
    with _batch() as batch_op:
        batch_op.add_column(sa.Column("second_language", sa.String(length=3), nullable=True))


def downgrade():
    with _batch() as batch_op:
        batch_op.drop_column("second_language")
    op.drop_table("saved_plan")
