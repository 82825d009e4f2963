"""Note operations: add, edit, delete, list.

A note is the unit of what participants say; losing one or storing it twice
would falsify the record a report is built on. So `add_note` is idempotent on
the client-generated id, enforced by a unique constraint, not only here.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workshop.board.models import Note
from workshop.config import NOTE_MAX_LENGTH
from workshop.core.actors import Actor, ensure_member
from workshop.core.checks import identifier, storable_text, whole_number
from workshop.core.clock import now
from workshop.core.models import Participant, Workshop
from workshop.core.stages import ensure_stage_takes_input
from workshop.errors import DomainError, InvalidInput, NotAllowed, NotFound
from workshop.extensions import db

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def clean_note_text(text: Any) -> str:
    """Make the text storable (`core.checks.storable_text`), trim it and check its
    length. Raises InvalidInput.

    A note whose text cannot be stored must never reach the database, where it would
    fail as a server error and be retried forever: it is cleaned, not refused.
    """
    text = storable_text(text, _l("The note must be text."))
    if not text:
        raise InvalidInput(_("The note is empty."))
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            _(
                "A note can have at most %(max)d characters (this one has %(count)d).",
                max=NOTE_MAX_LENGTH,
                count=len(text),
            )
        )
    return text


def _stage_position(workshop: Workshop, stage_index: Any, stage_id: Any) -> Any:
    """Where the stage a note was written for stands now: found by its id when one was
    sent, else the position as sent (old phones' queues, the no-JavaScript form)."""
    if stage_id is None or stage_id == "":
        return stage_index
    for index, stage in enumerate(workshop.plan.stages):
        if stage.id == stage_id:
            return index
    raise InvalidInput(_("There is no such stage in this plan."))


def _writable_stage(workshop: Workshop, stage_index: Any):
    stage_index = whole_number(stage_index, _l("The stage must be a number."))
    if not 0 <= stage_index < len(workshop.plan.stages):
        raise InvalidInput(_("There is no such stage in this plan."))
    if not workshop.is_open:
        raise NotAllowed(_("This workshop is closed."))
    if stage_index > workshop.current_stage:
        raise NotAllowed(_("This stage has not started yet."))
    stage = workshop.plan.stages[stage_index]
    if not stage.accepts_notes:
        raise NotAllowed(_("This stage does not take notes."))
    return stage


def add_note(
    workshop: Workshop,
    actor: Actor,
    text: Any,
    client_id: Any,
    stage_index: Any,
    lane: Any = None,
    stage_id: Any = None,
) -> tuple[Note, bool]:
    """Store a note once; return it and whether it was new.

    A note may be sent to any write stage already reached, not only the
    current one: a phone that was offline while the facilitator moved on still
    delivers what its owner typed. With `stage_id` (what phones send) the note
    goes to that stage wherever it now stands, since the facilitator may have
    moved stages while the note waited (`stage_index` is then ignored).
    Raises InvalidInput or NotAllowed.
    """
    ensure_member(workshop, actor)
    if not isinstance(client_id, str) or not CLIENT_ID_PATTERN.match(client_id):
        raise InvalidInput(_("The note has no valid client id."))
    try:
        stage_index, text, lane = _checked_note(workshop, text, stage_index, lane, stage_id)
    except DomainError:
        # A resend of a note already stored is acknowledged, whatever changed since.
        existing = _note_by_client_id(workshop, client_id)
        if existing is None:
            raise
        return _same_author_or_refuse(existing, actor), False
    participant = actor if isinstance(actor, Participant) else None
    note = Note(
        workshop_id=workshop.id,
        participant_id=participant.id if participant else None,
        client_id=client_id,
        stage_index=stage_index,
        lane=lane,
        text=text,
        author_name=participant.display_name if participant else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(note)
    except IntegrityError:
        # The client id is taken: a resend of a stored note, or a retry racing the original.
        # Found by the unique index rather than looked up first: most notes are new.
        existing = _note_by_client_id(workshop, client_id)
        if existing is None:
            raise
        return _same_author_or_refuse(existing, actor), False
    workshop.bump()
    return note, True


def _checked_note(
    workshop: Workshop, text: Any, stage_index: Any, lane: Any, stage_id: Any
) -> tuple[int, str, str | None]:
    """Where a new note goes and what it says, or InvalidInput / NotAllowed."""
    stage_index = _stage_position(workshop, stage_index, stage_id)
    stage = _writable_stage(workshop, stage_index)
    ensure_stage_takes_input(workshop, stage_index)
    text = clean_note_text(text)
    if lane is not None and lane != "" and stage.lane_label(lane, workshop.language) is None:
        raise InvalidInput(_("This stage has no such lane."))
    return stage_index, text, lane or None


def _note_by_client_id(workshop: Workshop, client_id: str) -> Note | None:
    return db.session.scalar(select(Note).where(Note.workshop_id == workshop.id, Note.client_id == client_id))


def _same_author_or_refuse(note: Note, actor: Actor) -> Note:
    if isinstance(actor, Participant) and note.participant_id != actor.id:
        raise InvalidInput(_("This note id is already used."))
    return note


def workshop_note(workshop: Workshop, note_id: Any) -> Note:
    """A live (not deleted) note of this workshop; another workshop's id is NotFound."""
    note = db.session.get(Note, identifier(note_id, _l("The note id must be a number.")))
    if note is None or note.workshop_id != workshop.id or note.deleted_at is not None:
        raise NotFound(_("This note does not exist (it may have been deleted)."))
    return note


def _editable_note(workshop: Workshop, actor: Actor, note_id: Any) -> Note:
    ensure_member(workshop, actor)
    note = workshop_note(workshop, note_id)
    if isinstance(actor, Participant) and note.participant_id != actor.id:
        raise NotAllowed(_("You can only change your own notes."))
    if not workshop.is_open:
        raise NotAllowed(_("This workshop is closed."))
    if isinstance(actor, Participant):
        if note.stage_index != workshop.current_stage:
            raise NotAllowed(_("This stage is over; its notes can no longer be changed."))
        ensure_stage_takes_input(workshop, note.stage_index)
    return note


def edit_note(workshop: Workshop, actor: Actor, note_id: Any, text: Any) -> Note:
    """Change a note's text. Participants may edit their own notes while its stage is on."""
    note = _editable_note(workshop, actor, note_id)
    note.text = clean_note_text(text)
    note.updated_at = now()
    workshop.bump()
    db.session.flush()
    return note


def delete_note(workshop: Workshop, actor: Actor, note_id: Any) -> Note:
    """Withdraw a note. The row is kept, marked deleted, so a late resend cannot revive it."""
    note = _editable_note(workshop, actor, note_id)
    note.deleted_at = now()
    workshop.release_spotlight("note", note.id)
    workshop.bump()
    db.session.flush()
    return note


def stage_notes(
    workshop: Workshop,
    stage_index: int,
    only_participant: Participant | None = None,
    include_hidden: bool = False,
) -> list[Note]:
    """Live notes of one stage, oldest first; optionally only one participant's.

    Notes the facilitator hid are left out unless asked for (the facilitator sees them).
    """
    query = select(Note).where(
        Note.workshop_id == workshop.id, Note.stage_index == stage_index, Note.deleted_at.is_(None)
    )
    if not include_hidden:
        query = query.where(Note.hidden_at.is_(None))
    if only_participant is not None:
        query = query.where(Note.participant_id == only_participant.id)
    return list(db.session.scalars(query.order_by(Note.created_at, Note.id)))


def note_data(note: Note, mine: bool = False) -> dict[str, Any]:
    """What clients receive for a note: never who wrote it, unless they signed it."""
    return {
        "id": note.id,
        "client_id": note.client_id,
        "stage": note.stage_index,
        "lane": note.lane,
        "text": note.text,
        "author": note.author_name,
        "edited": note.updated_at is not None,
        "hidden": note.hidden_at is not None,
        "cluster": note.cluster_id,
        "mine": mine,
    }
