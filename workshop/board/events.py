"""Socket.IO handlers for notes: thin parsing around the board services."""

from __future__ import annotations

from flask import current_app

from workshop.board import services
from workshop.board.models import Note
from workshop.board.services import note_data
from workshop.live.announce import Changes
from workshop.live.boundary import LiveContext, live_event


def announce_new_note(changes: Changes, note: Note) -> None:
    """A new note reaches whoever may see it; for a private stage the projector only
    learns how many notes came in (a coalesced refresh), not what they say.

    Shared by every door that adds notes (this event, the no-JavaScript form).
    """
    changes.note("note_added", note)
    changes.refresh("presence")  # who has posted, per stage, on the console
    if changes.workshop.plan.stages[note.stage_index].private:
        changes.refresh("screen")


def note_rate_limit() -> str:
    """The setting WORKSHOP_NOTE_RATE_LIMIT, read per event so each app has its own."""
    return current_app.config["NOTE_RATE_LIMIT"]


@live_event("add_note", limit=note_rate_limit)
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
        payload.get("stage_id"),
    )
    if created:
        announce_new_note(context, note)
    return {"note": note_data(note, mine=True), "created": created}


@live_event("edit_note", limit="60/minute")
def on_edit_note(context: LiveContext, payload: dict) -> dict:
    note = services.edit_note(context.workshop, context.actor, payload.get("note_id"), payload.get("text"))
    context.note("note_updated", note)
    return {"note": note_data(note, mine=True)}


@live_event("delete_note", limit="60/minute")
def on_delete_note(context: LiveContext, payload: dict) -> dict:
    note = services.delete_note(context.workshop, context.actor, payload.get("note_id"))
    context.note("note_deleted", note)
    context.refresh("presence")  # one note fewer, maybe one participant fewer who posted
    return {"note_id": note.id}
