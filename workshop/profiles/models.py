from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import NEVER_REUSE_IDS, Model


class ProfileAnswer(Model):
    """One participant's answer to one of the plan's profile questions.

    `choice` is None for "prefer not to say": the question was seen and skipped, so the
    phone does not ask again. Never joined to notes in anything shown.
    """

    __tablename__ = "profile_answer"
    __table_args__ = (
        UniqueConstraint("participant_id", "question", name="uq_profile_answer_question"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(32))
    choice: Mapped[str | None] = mapped_column(String(32))
