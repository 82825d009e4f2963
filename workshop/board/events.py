"""Socket.IO handlers for notes: thin parsing around the board services."""

from __future__ import annotations

from workshop.board import services
from workshop.board.services import note_data
from workshop.live import broadcast
from workshop.live.events import LiveContext, live_event


@live_event("add_note", limit="30/minute")
def on_add_note(context: LiveContext, payload: dict) -> dict:
    """Ack carries the stored note, so the phone can drop it from its outbox."""
    workshop = context.workshop
    note, created = services.add_note(
        workshop,
        context.actor,
        payload.get("text"),
        payload.get("client_id"),
        payload.get("stage"),
        payload.get("lane"),
    )
    if created:
        context.then(lambda: broadcast.note_event(workshop, "note_added", note))
        if workshop.plan.stages[note.stage_index].private:
            # The projector shows how many private notes came in, not what they say.
            context.then(lambda: broadcast.refresh_soon(workshop, "screen"))
    return {"note": note_data(note, mine=True), "created": created}


@live_event("edit_note", limit="60/minute")
def on_edit_note(context: LiveContext, payload: dict) -> dict:
    workshop = context.workshop
    note = services.edit_note(workshop, context.actor, payload.get("note_id"), payload.get("text"))
    context.then(lambda: broadcast.note_event(workshop, "note_updated", note))
    return {"note": note_data(note, mine=True)}


@live_event("delete_note", limit="60/minute")
def on_delete_note(context: LiveContext, payload: dict) -> dict:
    workshop = context.workshop
    note = services.delete_note(workshop, context.actor, payload.get("note_id"))
    context.then(lambda: broadcast.note_event(workshop, "note_deleted", note))
    return {"note_id": note.id}
