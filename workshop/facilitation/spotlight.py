"""Spotlight: the facilitator points the whole room at one idea (a group or a note).

The projector and the phones show it in a banner and mark it in their lists until the
facilitator releases it. It is stored on the workshop (every server process sees the
same) and goes away by itself when its item is deleted, hidden or merged away, or
when the room moves to another stage (`Workshop.release_spotlight`).

A note the room may not see (hidden by the facilitator, or written in a private stage
not yet revealed) cannot be put in the spotlight: `core.stages.visible_to` decides, as
it does for every note that leaves the server.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from workshop.board.models import Note
from workshop.board.services import workshop_note
from workshop.clustering.models import Cluster
from workshop.clustering.services import get_cluster
from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.models import Participant, Workshop
from workshop.core.stages import private_stage_indexes, visible_to
from workshop.core.targets import TARGET_TYPES
from workshop.errors import InvalidInput, NotAllowed
from workshop.extensions import db


def set_spotlight(workshop: Workshop, actor: Actor, target_type: Any, target_id: Any) -> Note | Cluster:
    """Put one group (`cluster`) or note of this workshop in the spotlight, replacing
    whatever was there. Facilitator only, while the workshop is open.

    Raises InvalidInput for a malformed type or id, NotFound for an id that is not
    this workshop's (or was deleted), NotAllowed for a note the room may not see.
    """
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    if not isinstance(target_type, str) or target_type not in TARGET_TYPES:
        raise InvalidInput(_("Choose a group or a note to show."))
    item: Note | Cluster
    if target_type == "note":
        item = workshop_note(workshop, target_id)
        if not visible_to(item, "screen", None, private_stage_indexes(workshop)):
            raise NotAllowed(
                _("The room cannot see this note (it is hidden or still private): reveal it first.")
            )
    else:
        item = get_cluster(workshop, target_id)
    if (workshop.spotlight_type, workshop.spotlight_id) != (target_type, item.id):
        workshop.spotlight_type = target_type
        workshop.spotlight_id = item.id
        workshop.bump()
        db.session.flush()
    return item


def release_spotlight(workshop: Workshop, actor: Actor) -> bool:
    """Take the spotlight off the room. Facilitator only. Returns whether it was on."""
    ensure_facilitator(workshop, actor)
    released = workshop.release_spotlight()
    if released:
        workshop.bump()
        db.session.flush()
    return released


def spotlight_data(workshop: Workshop, audience: str, participant: Participant | None = None) -> dict | None:
    """What an audience shows in its spotlight banner: the item's type, id and text (a
    group's name, a note's text), or None when nothing is in focus or this audience may
    not see the item (checked again here, whatever the stored spotlight says)."""
    if workshop.spotlight_type is None or workshop.spotlight_id is None:
        return None
    if workshop.spotlight_type == "cluster":
        cluster = db.session.get(Cluster, workshop.spotlight_id)
        if cluster is None or cluster.workshop_id != workshop.id:
            return None
        return {"type": "cluster", "id": cluster.id, "text": cluster.title}
    note = db.session.get(Note, workshop.spotlight_id)
    if note is None or note.workshop_id != workshop.id or note.deleted_at is not None:
        return None
    if not visible_to(note, audience, participant, private_stage_indexes(workshop)):
        return None
    return {"type": "note", "id": note.id, "text": note.text, "stage": note.stage_index}
