from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class StageState(db.Model):
    """What the facilitator has done to one stage of one workshop.

    The timer is stored as facts on the server clock (when it ends, or how much
    was left when paused); clients get the remaining milliseconds, so a phone
    whose clock is wrong still counts down right.
    """

    __tablename__ = "stage_state"
    __table_args__ = (UniqueConstraint("workshop_id", "stage_index", name="uq_stage_state_stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    stage_index: Mapped[int]
    revealed: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    votes_closed: Mapped[bool] = mapped_column(default=False)
    timer_ends_at: Mapped[datetime | None]
    timer_paused_ms: Mapped[int | None]


class LiveConnection(db.Model):
    """One open Socket.IO connection, so every process can tell who is online."""

    __tablename__ = "live_connection"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[str] = mapped_column(String(12))
    connected_at: Mapped[datetime] = mapped_column(server_default=func.now())
    seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
