"""Who is acting, and the guards every service starts with.

Services receive the actor explicitly (never `current_user`): a facilitator
account, a participant (a phone), or None (an anonymous visitor, a projector).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from workshop.accounts.models import Facilitator
from workshop.core.models import Participant, Workshop
from workshop.errors import NotAllowed

Actor = Facilitator | Participant | None


def ensure_facilitator(workshop: Workshop, actor: Actor) -> Facilitator:
    """Refuse anyone but a facilitator account. Raises NotAllowed.

    Every facilitator of the lab may run any of its workshops (co-facilitation);
    participants and anonymous visitors never may.
    """
    if not isinstance(actor, Facilitator):
        raise NotAllowed(_("Only a facilitator can do this."))
    return actor


def ensure_participant(workshop: Workshop, actor: Actor, message: Any = None) -> Participant:
    """Refuse anyone but a current participant of this workshop. Raises NotAllowed.

    `message` says what only participants do ("Only participants of this workshop vote.").
    """
    if not isinstance(actor, Participant) or actor.workshop_id != workshop.id:
        raise NotAllowed(str(message) if message else _("You are not a participant of this workshop."))
    if actor.removed_at is not None:
        raise NotAllowed(str(message) if message else _("You are no longer part of this workshop."))
    return actor


def ensure_member(workshop: Workshop, actor: Actor) -> Facilitator | Participant:
    """A facilitator, or a current participant of this workshop (who may write notes)."""
    if isinstance(actor, Facilitator):
        return actor
    if isinstance(actor, Participant):
        return ensure_participant(workshop, actor)
    raise NotAllowed(_("Join the workshop first."))


def ensure_open(workshop: Workshop) -> None:
    """Refuse any change to a closed workshop. Raises NotAllowed."""
    if not workshop.is_open:
        raise NotAllowed(_("This workshop is closed."))
