"""A commitment made in a workshop, and the dated history of its status."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import NEVER_REUSE_IDS, Model

STATUSES = ("planned", "started", "done", "dropped")
OPEN_STATUSES = ("planned", "started")
WHAT_MAX_LENGTH = 300
WHO_MAX_LENGTH = 120
INDICATOR_MAX_LENGTH = 300
IDEA_TITLE_MAX_LENGTH = 500
STATUS_NOTE_MAX_LENGTH = 1000

_STATUS_CHECK = "status IN ('planned', 'started', 'done', 'dropped')"


class Commitment(Model):
    """An action the room committed to: what, who (a role), by when, and how to tell.

    `client_id` is made by the sending device, so a resend is stored once. The idea it
    acts on is kept as a reference and as a snapshot of its title, so a group renamed or
    dissolved later never changes what the room committed to. The author
    (`participant_id`) is kept only to let them edit their own; no view or export shows it.
    """

    __tablename__ = "commitment"
    __table_args__ = (
        UniqueConstraint("workshop_id", "client_id", name="uq_commitment_workshop_client"),
        CheckConstraint(_STATUS_CHECK, name="status"),
        CheckConstraint(f"length(what) BETWEEN 1 AND {WHAT_MAX_LENGTH}", name="what_length"),
        CheckConstraint(f"length(who) BETWEEN 1 AND {WHO_MAX_LENGTH}", name="who_length"),
        CheckConstraint("idea_type IN ('cluster', 'note')", name="idea_type"),
        CheckConstraint("stage_index >= 0", name="stage_index"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    stage_index: Mapped[int]
    idea_type: Mapped[str | None] = mapped_column(String(10))
    idea_id: Mapped[int | None]
    idea_title: Mapped[str | None] = mapped_column(String(IDEA_TITLE_MAX_LENGTH))
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(WHO_MAX_LENGTH))
    due_on: Mapped[date] = mapped_column(Date)
    indicator: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="planned", server_default="planned")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    updates: Mapped[list[CommitmentUpdate]] = relationship(
        order_by="(CommitmentUpdate.noted_on, CommitmentUpdate.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class CommitmentUpdate(Model):
    """One dated entry of a commitment's status history (the first one: it was planned).

    It carries its workshop too, so deleting a workshop removes its history explicitly
    (every table with a `workshop_id`), whether or not the database enforces cascades.
    """

    __tablename__ = "commitment_update"
    __table_args__ = (CheckConstraint(_STATUS_CHECK, name="status"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    noted_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
