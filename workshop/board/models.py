from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.config import NOTE_MAX_LENGTH
from workshop.extensions import NEVER_REUSE_IDS, Model


class Note(Model):
    """A sticky note. `client_id` is made by the sending device, so a resend is stored once.

    Deleting keeps the row (`deleted_at`) so a later report can account for it
    and a late retry of the same client id is recognised instead of re-created.
    """

    __tablename__ = "note"
    __table_args__ = (
        UniqueConstraint("workshop_id", "client_id", name="uq_note_workshop_client"),
        CheckConstraint(f"length(text) BETWEEN 1 AND {NOTE_MAX_LENGTH}", name="text_length"),
        CheckConstraint("stage_index >= 0", name="stage_index"),
        CheckConstraint("decision IN ('selected', 'set_aside')", name="decision"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    stage_index: Mapped[int]
    lane: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(12))
    # Imported field notes keep where they came from: evidence for the traceability appendix.
    evidence_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(120))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"), index=True)
