"""The Socket.IO boundary: connection, sync, and the `live_event` decorator.

Clients connect to the `/live` namespace with ``auth = {workshop, audience}``
(plus ``token`` for a projector). Who they are comes from the server side:
the facilitator's login, or the participant token the join page put in the
signed session cookie. A connection is refused when they do not match.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from limits import parse as parse_limit
from sqlalchemy.exc import OperationalError

from workshop.accounts.models import Facilitator
from workshop.database import is_transient_lock_error
from workshop.errors import DomainError, InvalidInput, NotAllowed, NotFound
from workshop.extensions import db, limiter, socketio
from workshop.facilitation.services import (
    ensure_can_view_stage,
    forget_connection,
    record_connection,
    touch_connection,
)
from workshop.i18n import use_page_language
from workshop.live import NAMESPACE, broadcast
from workshop.live.rooms import AUDIENCES, audience_room, participant_room
from workshop.live.state import stage_view, workshop_state
from workshop.workshops.models import Participant, Workshop
from workshop.workshops.services import (
    get_workshop,
    participant_for_token,
    touch_participant,
    workshop_for_screen,
)

log = logging.getLogger(__name__)

JOINED_KEY = "joined"  # session cookie: {workshop id: participant token}


@dataclass
class LiveContext:
    """Who is on this connection, and what to broadcast once the change is committed."""

    workshop: Workshop
    audience: str
    actor: Facilitator | Participant | None
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def participant(self) -> Participant | None:
        return self.actor if isinstance(self.actor, Participant) else None

    def then(self, broadcast: Callable[[], None]) -> None:
        self.after_commit.append(broadcast)


def _resolve(workshop_id: Any, audience: Any, token: Any) -> LiveContext:
    if audience not in AUDIENCES:
        raise InvalidInput(_("Unknown audience."))
    if isinstance(workshop_id, bool) or not isinstance(workshop_id, int):
        raise InvalidInput(_("Which workshop?"))
    workshop = get_workshop(workshop_id)
    if audience != "facilitator":
        use_page_language(workshop.language)
    if audience == "facilitator":
        if not current_user.is_authenticated:
            raise NotAllowed(_("Log in as a facilitator."))
        return LiveContext(workshop, audience, current_user._get_current_object())
    if audience == "screen":
        if workshop_for_screen(token if isinstance(token, str) else "").id != workshop.id:
            raise NotAllowed(_("This projector link is not valid."))
        return LiveContext(workshop, audience, None)
    participant = participant_for_token(workshop, session.get(JOINED_KEY, {}).get(str(workshop.id)))
    if participant is None or participant.removed_at is not None:
        raise NotAllowed(_("Join the workshop first."))
    return LiveContext(workshop, audience, participant)


def current_context() -> LiveContext:
    """Rebuild the connection's context for an event (fresh from the database)."""
    live = session.get("live")
    if not live:
        raise NotAllowed(_("Not connected to a workshop."))
    workshop = get_workshop(live["workshop"])
    if live["audience"] != "facilitator":
        use_page_language(workshop.language)
    actor: Facilitator | Participant | None = None
    if live["audience"] == "facilitator":
        actor = current_user._get_current_object() if current_user.is_authenticated else None
    elif live["audience"] == "participant":
        actor = db.session.get(Participant, live["participant"])
        if actor is None or actor.removed_at is not None:
            raise NotAllowed(_("You are no longer part of this workshop."))
    return LiveContext(workshop, live["audience"], actor)


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth: Any = None) -> None:
    auth = auth if isinstance(auth, dict) else {}
    try:
        context = _resolve(auth.get("workshop"), auth.get("audience"), auth.get("token"))
    except DomainError as error:
        db.session.rollback()
        raise ConnectionRefusedError({"error": error.code, "message": error.message}) from None
    workshop = context.workshop
    join_room(audience_room(workshop.id, context.audience))
    participant = context.participant
    if participant is not None:
        join_room(participant_room(participant.id))
        touch_participant(participant)
    record_connection(request.sid, workshop, context.audience, participant)
    db.session.commit()
    if participant is not None:
        broadcast.refresh_soon(workshop, "facilitator")
    session["live"] = {
        "workshop": workshop.id,
        "audience": context.audience,
        "participant": participant.id if participant else None,
    }
    socketio.emit(
        "state", workshop_state(workshop, context.audience, participant), to=request.sid, namespace=NAMESPACE
    )


def live_event(name: str, limit: str | None = None):
    """Register a Socket.IO event handler behind the one boundary.

    The handler gets the connection's context and the payload (always a dict)
    and returns the acknowledgement data. This wrapper commits, then runs the
    broadcasts the handler queued with ``context.then``; a DomainError rolls
    back and becomes ``{"ok": false, "error", "message"}``; any other error
    rolls back and is logged, and the client is told to retry.
    """

    rate = parse_limit(limit) if limit else None

    def decorate(handler: Callable[[LiveContext, dict], dict]):
        @functools.wraps(handler)
        def boundary(payload: Any = None) -> dict:
            try:
                if payload is None:
                    payload = {}
                if not isinstance(payload, dict):
                    raise InvalidInput(_("Malformed message."))
                context = current_context()
                if rate is not None and not _within_rate(rate, name, context):
                    raise NotAllowed(_("Too many messages at once; wait a moment."))
                context, ack = _run_with_retries(handler, context, payload)
            except DomainError as error:
                db.session.rollback()
                return error.to_ack()
            except Exception:
                db.session.rollback()
                log.exception("live event %s failed", name)
                return {
                    "ok": False,
                    "error": "server",
                    "message": "The server could not save this; it will be retried.",
                }
            for send in context.after_commit:
                send()
            return {"ok": True, **ack}

        socketio.on_event(name, boundary, namespace=NAMESPACE)
        return boundary

    return decorate


def _run_with_retries(handler, context: LiveContext, payload: dict, attempts: int = 3):
    """Run the handler and commit; when a concurrent writer made the database refuse
    (SQLite lock, PostgreSQL serialisation failure), roll back and run it again."""
    for attempt in range(attempts):
        try:
            ack = handler(context, payload)
            db.session.commit()
            return context, ack
        except OperationalError as error:
            db.session.rollback()
            if attempt + 1 == attempts or not is_transient_lock_error(error):
                raise
            socketio.sleep(0.05 * (attempt + 1))
            context = current_context()
    raise AssertionError("unreachable")  # pragma: no cover


def _within_rate(rate, name: str, context: LiveContext) -> bool:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    who = context.participant.id if context.participant else f"f{getattr(context.actor, 'id', 0)}"
    return limiter.limiter.hit(rate, "live", name, str(who))


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_reason: Any) -> None:
    """Forget the connection so every process sees who is still online."""
    try:
        workshop_id = forget_connection(request.sid)
        db.session.commit()
        if workshop_id is not None:
            workshop = db.session.get(Workshop, workshop_id)
            if workshop is not None:
                broadcast.refresh_soon(workshop, "facilitator")
    except Exception:
        db.session.rollback()
        log.exception("could not record a disconnection")


@live_event("heartbeat")
def on_heartbeat(context: LiveContext, payload: dict) -> dict:
    """Phones say they are still here once a minute (presence across processes)."""
    touch_connection(request.sid)
    return {}


@live_event("view_stage")
def on_view_stage(context: LiveContext, payload: dict) -> dict:
    """Look at an earlier stage, read-only (participants need the facilitator's leave)."""
    index = ensure_can_view_stage(context.workshop, context.actor, payload.get("stage"))
    return {"view": stage_view(context.workshop, index, context.audience, context.participant)}


@live_event("sync")
def on_sync(context: LiveContext, payload: dict) -> dict:
    """Full state on demand: after a reconnect, or when a phone enters a private stage."""
    return {"state": workshop_state(context.workshop, context.audience, context.participant)}


__all__ = ["JOINED_KEY", "LiveContext", "NotFound", "live_event"]
