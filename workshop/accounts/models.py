from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class Facilitator(UserMixin, db.Model):
    """A lab staff member who creates and runs workshops. Participants have no account."""

    __tablename__ = "facilitator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def get_id(self) -> str:
        return str(self.id)
