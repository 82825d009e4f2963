"""Connections: who connects, the state they get, presence, `sync` and looking back.

These handlers sit above the features because what a client receives on
connecting is the assembled state of every feature.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request, session
from flask_babel import lazy_gettext as _l
from flask_socketio import ConnectionRefusedError, join_room

from workshop.accounts.services import LOGIN_KEY
from workshop.audiences import broadcast
from workshop.audiences.state import (
    NOTES_PER_REQUEST,
    notes_on_request,
    personal_view,
    stage_view,
    workshop_state,
)
from workshop.core.checks import identifier, identifiers
from workshop.database import commit_with_retries
from workshop.errors import DomainError, NotAllowed
from workshop.extensions import db, socketio
from workshop.facilitation.review import ensure_can_view_stage
from workshop.live import NAMESPACE
from workshop.live.boundary import LiveContext, live_event, remember_connection, resolve_connection
from workshop.live.presence import forget_connection, record_connection, touch_connection, touch_participant
from workshop.live.rooms import audience_room, participant_room

log = logging.getLogger(__name__)


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth: Any = None) -> None:
    """Check who connects, record the connection (presence), then send its first state.

    Goes through the same retrying unit of work as every event, so a burst of phones
    connecting at once never meets a locked database.
    """
    auth = auth if isinstance(auth, dict) else {}
    sid = request.sid

    def connect() -> LiveContext:
        context = resolve_connection(auth.get("workshop"), auth.get("audience"), auth.get("token"))
        if context.participant is not None:
            touch_participant(context.participant)
        record_connection(sid, context.workshop, context.audience, context.actor, session.get(LOGIN_KEY))
        return context

    try:
        context = commit_with_retries(connect)
    except DomainError as error:
        raise ConnectionRefusedError({"error": error.code, "message": error.message}) from None
    except Exception:
        log.exception("could not accept a connection")
        raise ConnectionRefusedError({"error": "server", "message": "try again"}) from None
    workshop, participant = context.workshop, context.participant
    join_room(audience_room(workshop.id, context.audience))
    if participant is not None:
        join_room(participant_room(participant.id))
        broadcast.refresh_soon(workshop.id, "presence")
    remember_connection(context, auth.get("token"))
    socketio.emit(
        "state", workshop_state(workshop, context.audience, participant), to=sid, namespace=NAMESPACE
    )


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_reason: Any) -> None:
    """Forget the connection so every process sees who is still online."""
    sid = request.sid
    try:
        workshop_id = commit_with_retries(lambda: forget_connection(sid))
        if workshop_id is not None:
            broadcast.refresh_soon(workshop_id, "presence")
    except Exception:
        db.session.rollback()
        log.exception("could not record a disconnection")


@live_event("heartbeat")
def on_heartbeat(context: LiveContext, payload: dict) -> dict:
    """Phones say they are still here once a minute (presence across processes)."""
    touch_connection(request.sid)
    return {}


@live_event("view_stage", writes=False)
def on_view_stage(context: LiveContext, payload: dict) -> dict:
    """Look at an earlier stage, read-only (participants need the facilitator's leave)."""
    workshop = context.workshop
    index = ensure_can_view_stage(workshop, context.actor, payload.get("stage"))
    return {"view": stage_view(workshop, index, context.audience, context.participant)}


@live_event("sync", writes=False)
def on_sync(context: LiveContext, payload: dict) -> dict:
    """Full state on demand: after a reconnect, or when a phone enters a private stage."""
    return {"state": workshop_state(context.workshop, context.audience, context.participant)}


@live_event("notes", writes=False)
def on_notes(context: LiveContext, payload: dict) -> dict:
    """More notes of a stage, for a phone that got only some with its state: a group's
    (`ids`) or the earlier ones (`before` an id)."""
    workshop = context.workshop
    index = ensure_can_view_stage(workshop, context.actor, payload.get("stage"))
    ids = payload.get("ids")
    before = payload.get("before")
    return {
        "notes": notes_on_request(
            workshop,
            context.audience,
            context.participant,
            index,
            ids=identifiers(ids, _l("Choose notes."), NOTES_PER_REQUEST) if ids is not None else None,
            before=identifier(before, _l("Choose notes.")) if before is not None else None,
        )
    }


@live_event("mine", writes=False)
def on_mine(context: LiveContext, payload: dict) -> dict:
    """A phone's own part of the current stage (its notes, dots, ratings), asked for after
    the room's state, which is the same for every phone, arrived."""
    participant = context.participant
    if participant is None:
        raise NotAllowed(_l("Join the workshop first."))
    return personal_view(context.workshop, participant, context.workshop.current_stage)
