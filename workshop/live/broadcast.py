"""Broadcasts to a workshop's rooms. Call them only after the change is committed."""

from __future__ import annotations

from typing import Any

from workshop.board.models import Note
from workshop.board.services import note_data
from workshop.extensions import socketio
from workshop.live import NAMESPACE
from workshop.live.rooms import audience_room, participant_room
from workshop.live.state import workshop_state
from workshop.workshops.models import Workshop
from workshop.workshops.services import participant_count


def emit(event: str, data: Any, room: str) -> None:
    socketio.emit(event, data, to=room, namespace=NAMESPACE)


def note_event(workshop: Workshop, event: str, note: Note) -> None:
    """Tell everyone allowed to see this note that it was added, edited or deleted.

    A private stage's notes go only to the facilitator and to their author until revealed.
    """
    stage = workshop.plan.stages[note.stage_index]
    payload = {"note": note_data(note), "revision": workshop.revision}
    emit(event, payload, audience_room(workshop.id, "facilitator"))
    if stage.private:
        if note.participant_id is not None:
            own = {"note": note_data(note, mine=True), "revision": workshop.revision}
            emit(event, own, participant_room(note.participant_id))
        return
    emit(event, payload, audience_room(workshop.id, "screen"))
    emit(event, payload, audience_room(workshop.id, "participant"))


def state_changed(workshop: Workshop) -> None:
    """Send each audience its new full state, e.g. after a stage change."""
    for audience in ("facilitator", "screen", "participant"):
        emit("state", workshop_state(workshop, audience), audience_room(workshop.id, audience))


def participants_changed(workshop: Workshop) -> None:
    payload = {"count": participant_count(workshop), "revision": workshop.revision}
    emit("participants_changed", payload, audience_room(workshop.id, "facilitator"))
    emit("participants_changed", payload, audience_room(workshop.id, "screen"))
