"""The participants of a workshop as the facilitator sees them, and removing one."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import identifier
from workshop.core.clock import now
from workshop.core.models import Participant, Workshop
from workshop.errors import NotFound
from workshop.extensions import db
from workshop.live.models import LiveConnection
from workshop.live.presence import connection_ids, online_participant_ids


def _participant(workshop: Workshop, participant_id: Any) -> Participant:
    participant = db.session.get(
        Participant, identifier(participant_id, _l("The participant id must be a number."))
    )
    if participant is None or participant.workshop_id != workshop.id or participant.removed_at is not None:
        raise NotFound(_("This participant is not in the workshop."))
    return participant


def remove_participant(
    workshop: Workshop, actor: Actor, participant_id: Any
) -> tuple[Participant, list[str]]:
    """Remove someone from the workshop: their device cannot rejoin with the same token,
    and its pages and events are refused. What they wrote stays unless the facilitator
    deletes it. Returns the participant and the ids of their open connections, for the
    boundary to close once this is committed."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    participant = _participant(workshop, participant_id)
    sids = connection_ids(participant_id=participant.id)
    participant.removed_at = now()
    db.session.execute(delete(LiveConnection).where(LiveConnection.participant_id == participant.id))
    workshop.bump()
    db.session.flush()
    return participant, sids


def participant_list(workshop: Workshop, actor: Actor) -> list[dict[str, Any]]:
    """Participants with their (optional) names and whether they are online.

    Never says who wrote what: the facilitator page shows counts, not authorship.
    """
    ensure_facilitator(workshop, actor)
    online = online_participant_ids(workshop)
    participants = db.session.scalars(
        select(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.removed_at.is_(None))
        .order_by(Participant.joined_at, Participant.id)
    )
    return [
        {
            "id": p.id,
            "name": p.display_name,
            "online": p.id in online,
            "joined_at": p.joined_at.isoformat() if p.joined_at else None,
        }
        for p in participants
    ]
