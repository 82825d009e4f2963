from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.core.targets import TargetMixin, target_type_check
from workshop.extensions import NEVER_REUSE_IDS, Model


class Dot(TargetMixin, Model):
    """One dot placed by one participant on one item in one vote stage.

    `client_id` is made by the phone, unique per workshop, so a retried tap is
    counted once. Retracting a dot deletes its row. Dots follow a merged group.
    """

    __tablename__ = "dot"
    __table_args__ = (
        UniqueConstraint("workshop_id", "client_id", name="uq_dot_workshop_client"),
        target_type_check(),
        NEVER_REUSE_IDS,
    )
    kept_on_merge = True
    capped = True  # the vote stage's cap per participant and idea

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
