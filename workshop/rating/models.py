from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.core.targets import TargetMixin, target_type_check
from workshop.extensions import NEVER_REUSE_IDS, Model


class Rating(TargetMixin, Model):
    """One participant's placement of one candidate on the stage's two axes.

    One row per (stage, participant, candidate): rating again replaces the
    values, so retries and changes of mind never double-count. A merged group
    is rated again, so ratings do not follow a merge.
    """

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint(
            "workshop_id", "stage_index", "participant_id", "target_type", "target_id", name="uq_rating_once"
        ),
        target_type_check(),
        CheckConstraint("x BETWEEN 1 AND 5", name="x_range"),
        CheckConstraint("y BETWEEN 1 AND 5", name="y_range"),
        NEVER_REUSE_IDS,
    )
    kept_on_merge = False

    id: Mapped[int] = mapped_column(primary_key=True)
    x: Mapped[int]  # first axis (default: impact)
    y: Mapped[int]  # second axis (default: feasibility)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
