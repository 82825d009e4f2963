"""Open Socket.IO connections, stored so that every server process sees who is online."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import Model


class LiveConnection(Model):
    """One open Socket.IO connection, so every process can tell who is online."""

    __tablename__ = "live_connection"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    # A facilitator's connection: the logged-in session it belongs to (closed at logout).
    login_id: Mapped[str | None] = mapped_column(String(64), index=True)
    audience: Mapped[str] = mapped_column(String(12))
    connected_at: Mapped[datetime] = mapped_column(server_default=func.now())
    seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
