"""commitments: actions a workshop commits to, and the dated history of their status

Revision ID: 0007_commitments
Revises: 0006_question_spotlight
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_commitments"
down_revision = "0006_question_spotlight"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("idea_type", sa.String(length=10), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("idea_title", sa.String(length=500), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("who", sa.String(length=120), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="planned", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("idea_type IN ('cluster', 'note')", name=op.f("ck_commitment_idea_type")),
        sa.CheckConstraint(
            "status IN ('planned', 'started', 'done', 'dropped')", name=op.f("ck_commitment_status")
        ),
        sa.CheckConstraint("length(what) BETWEEN 1 AND 300", name=op.f("ck_commitment_what_length")),
        sa.CheckConstraint("length(who) BETWEEN 1 AND 120", name=op.f("ck_commitment_who_length")),
        sa.CheckConstraint("stage_index >= 0", name=op.f("ck_commitment_stage_index")),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_commitment_participant_id_participant"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_commitment_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
        sa.UniqueConstraint("workshop_id", "client_id", name="uq_commitment_workshop_client"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "commitment_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'started', 'done', 'dropped')", name=op.f("ck_commitment_update_status")
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
            name=op.f("fk_commitment_update_commitment_id_commitment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_commitment_update_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitator.id"],
            name=op.f("fk_commitment_update_facilitator_id_facilitator"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_update")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("commitment_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_update_commitment_id"), ["commitment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commitment_update_workshop_id"), ["workshop_id"], unique=False)


def downgrade():
    with op.batch_alter_table("commitment_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_update_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_update_commitment_id"))

    op.drop_table("commitment_update")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_participant_id"))

    op.drop_table("commitment")
