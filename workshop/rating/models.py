from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class Rating(db.Model):
    """One participant's placement of one candidate on the stage's two axes.

    One row per (stage, participant, candidate): rating again replaces the
    values, so retries and changes of mind never double-count.
    """

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint(
            "workshop_id", "stage_index", "participant_id", "target_type", "target_id", name="uq_rating_once"
        ),
        CheckConstraint("target_type IN ('cluster', 'note')", name="target_type"),
        CheckConstraint("x BETWEEN 1 AND 5", name="x_range"),
        CheckConstraint("y BETWEEN 1 AND 5", name="y_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    stage_index: Mapped[int]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int]
    x: Mapped[int]  # first axis (default: impact)
    y: Mapped[int]  # second axis (default: feasibility)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
