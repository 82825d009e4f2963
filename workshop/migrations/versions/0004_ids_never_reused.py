"""ids are never reused (SQLite AUTOINCREMENT); logins can be revoked; connections know their login

Revision ID: 0004_ids_never_reused
Revises: a5a5f6ee82fd
Create Date: 2026-11-30

On SQLite a table without AUTOINCREMENT gives a new row the highest id + 1, so
deleting the newest workshop made its id free again: a phone still open on the
deleted workshop would have landed in the next one. Each table with an integer
id is rebuilt with AUTOINCREMENT (Alembic's batch mode copies the rows; env.py
turns foreign keys off meanwhile, so dropping the old table cascades nowhere).
PostgreSQL's sequences never reuse ids: only the new table and column apply there.

`facilitator_login` holds one row per logged-in browser session (the cookie carries
its token), so logging out revokes the cookie and its copies; a facilitator's live
connections record their login (`live_connection.login_id`) to be closed at logout.
`stage_state.revealed_at` records when a private stage was revealed, for the report.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_ids_never_reused"
down_revision = "a5a5f6ee82fd"
branch_labels = None
depends_on = None

# Parents before children, so every foreign key points at a table already rebuilt.
TABLES = ("facilitator", "workshop", "participant", "cluster", "note", "stage_state", "dot", "rating")


def upgrade():
    if op.get_context().dialect.name == "sqlite":
        for table in TABLES:
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass  # rebuilt on leaving the block, rows copied
    op.create_table(
        "facilitator_login",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitator.id"],
            name=op.f("fk_facilitator_login_facilitator_id_facilitator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_facilitator_login")),
    )
    with op.batch_alter_table("facilitator_login", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facilitator_login_facilitator_id"), ["facilitator_id"], unique=False)
    with op.batch_alter_table("stage_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revealed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("live_connection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("login_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_live_connection_login_id"), ["login_id"], unique=False)


def downgrade():
    with op.batch_alter_table("stage_state", schema=None) as batch_op:
        batch_op.drop_column("revealed_at")
    with op.batch_alter_table("live_connection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_connection_login_id"))
        batch_op.drop_column("login_id")
    with op.batch_alter_table("facilitator_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilitator_login_facilitator_id"))
    op.drop_table("facilitator_login")
    if op.get_context().dialect.name == "sqlite":
        for table in reversed(TABLES):
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": False}):
                pass
