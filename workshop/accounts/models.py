from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import NEVER_REUSE_IDS, Model


class Facilitator(UserMixin, Model):
    """A lab staff member who creates and runs workshops. Participants have no account."""

    __tablename__ = "facilitator"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def get_id(self) -> str:
        return str(self.id)


class FacilitatorLogin(Model):
    """One logged-in browser session of a facilitator.

    Flask keeps its session in a signed cookie, which logging out cannot take back
    from a copy (or from an open Socket.IO connection, which keeps the cookie it
    connected with). The session carries this row's token; logging out deletes the
    row, so every later request or event with that cookie is anonymous.
    """

    __tablename__ = "facilitator_login"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitator.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
