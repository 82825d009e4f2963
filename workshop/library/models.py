"""A plan kept in the database: the same data a `sessions/*.toml` file holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import NEVER_REUSE_IDS, Model


class SavedPlan(Model):
    """A plan of the lab's own (saved from a workshop, duplicated or imported).

    `data` is what `plan_from_data` accepts (validated before every write), so a stored
    plan exports to a file the loader reads back unchanged. Archived plans stay listed
    (on request) and exportable, but are not offered for new workshops.
    """

    __tablename__ = "saved_plan"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Where it came from, for the library page ("imported from x.toml", "copy of y" …).
    origin: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]

    @property
    def archived(self) -> bool:
        return self.archived_at is not None
