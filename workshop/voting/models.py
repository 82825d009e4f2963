from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class Dot(db.Model):
    """One dot placed by one participant on one item in one vote stage.

    `client_id` is made by the phone, unique per workshop, so a retried tap is
    counted once. Retracting a dot deletes its row.
    """

    __tablename__ = "dot"
    __table_args__ = (
        UniqueConstraint("workshop_id", "client_id", name="uq_dot_workshop_client"),
        CheckConstraint("target_type IN ('cluster', 'note')", name="target_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    stage_index: Mapped[int]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int]
    client_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
