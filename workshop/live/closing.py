"""Closing live connections from the server: a deleted workshop, a removed participant,
a facilitator who logged out. Works across processes: with a message queue,
python-socketio forwards a disconnect to the process that holds the connection."""

from __future__ import annotations

import logging
from typing import Any

from flask import session
from flask_login import user_logged_out

from workshop.accounts.services import LOGIN_KEY
from workshop.database import commit_with_retries
from workshop.extensions import socketio
from workshop.live import NAMESPACE
from workshop.live.presence import connection_ids

log = logging.getLogger(__name__)


def close_connections(
    sids: list[str], event: str | None = None, payload: dict[str, Any] | None = None
) -> None:
    """Tell each connection why (`event`), then disconnect it. Call after the commit."""
    for sid in sids:
        try:
            if event:
                socketio.emit(event, payload or {}, to=sid, namespace=NAMESPACE)
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:  # a connection that is already gone, a queue out of reach
            log.warning("could not close live connection %s", sid, exc_info=True)


@user_logged_out.connect
def close_logged_out_connections(sender: Any, user: Any = None, **extra: Any) -> None:
    """Logging out closes the live connections this browser session opened."""
    login_id = session.get(LOGIN_KEY)
    if login_id:
        sids = commit_with_retries(lambda: connection_ids(login_id=login_id), writes=False)
        close_connections(sids, "logged_out")
