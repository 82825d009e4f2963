from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, false, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import NEVER_REUSE_IDS, Model

CLUSTER_TITLE_MAX_LENGTH = 120


class Cluster(Model):
    """A named group of notes. Its notes point to it (`Note.cluster_id`).

    `decision` records the facilitator's call on the idea for the report:
    selected, set aside, or not decided yet (NULL).
    """

    __tablename__ = "cluster"
    __table_args__ = (
        CheckConstraint(f"length(title) BETWEEN 1 AND {CLUSTER_TITLE_MAX_LENGTH}", name="title"),
        CheckConstraint("decision IN ('selected', 'set_aside')", name="decision"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    stage_index: Mapped[int]
    title: Mapped[str] = mapped_column(String(CLUSTER_TITLE_MAX_LENGTH))
    decision: Mapped[str | None] = mapped_column(String(12))
    proposed_by_participant: Mapped[bool] = mapped_column(default=False)
    # The facilitator's mark, when the clustering stage has one (`Stage.mark`).
    marked: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
