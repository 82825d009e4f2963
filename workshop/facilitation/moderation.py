"""Moderation: the facilitator hides, restores, corrects or deletes any note of any stage."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from workshop.board.models import Note
from workshop.board.services import delete_note, edit_note, workshop_note
from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import flag
from workshop.core.clock import now
from workshop.core.models import Workshop
from workshop.extensions import db


def set_note_hidden(workshop: Workshop, actor: Actor, note_id: Any, hidden: Any) -> Note:
    """Hide a note from the room (it stays in the record) or restore it. Facilitator only."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    hidden = flag(hidden, _l("Say whether to hide or restore the note."))
    note = workshop_note(workshop, note_id)
    note.hidden_at = now() if hidden else None
    if hidden:
        workshop.release_spotlight("note", note.id)  # the room no longer sees it
    workshop.bump()
    db.session.flush()
    return note


def moderate_note(
    workshop: Workshop, actor: Actor, note_id: Any, text: Any = None, delete: bool = False
) -> Note:
    """The facilitator fixes a typo in, or deletes, any note of any stage."""
    ensure_facilitator(workshop, actor)
    if delete:
        return delete_note(workshop, actor, note_id)
    return edit_note(workshop, actor, note_id, text)
