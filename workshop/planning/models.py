"""The history of a workshop's plan: one row per edit, with what changed and both plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import NEVER_REUSE_IDS, Model


class PlanChange(Model):
    """One edit of a workshop's plan: when, by whom, what changed, and the whole plan
    before and after (so the plan as run at any moment can be told).

    `summary` is a list of structured changes (a stage added, removed or moved; a field
    of a stage changed from → to), translated when shown. `changed_by` keeps the
    facilitator's e-mail as it was, so the record survives the account.
    """

    __tablename__ = "plan_change"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id", ondelete="SET NULL"))
    changed_by: Mapped[str] = mapped_column(String(254))
    plan_version: Mapped[int]  # the workshop's plan version this edit made
    summary: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    previous_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    new_data: Mapped[dict[str, Any]] = mapped_column(JSON)
