"""Looking back: participants may read earlier stages when the facilitator allows it."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import flag, whole_number
from workshop.core.models import Participant, Workshop
from workshop.errors import NotAllowed
from workshop.extensions import db


def allow_review(workshop: Workshop, actor: Actor, allowed: Any) -> Workshop:
    """Let participants look back at earlier stages (read-only), or not. Facilitator only."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    workshop.review_allowed = flag(allowed, _l("Say whether to allow looking back."))
    workshop.bump()
    db.session.flush()
    return workshop


def ensure_can_view_stage(workshop: Workshop, actor: Actor, stage_index: Any) -> int:
    """Participants may look at an earlier stage only when the facilitator allows it."""
    stage_index = whole_number(stage_index, _l("The stage must be a number."))
    if not 0 <= stage_index <= workshop.current_stage:
        raise NotAllowed(_("This stage has not started yet."))
    if (
        isinstance(actor, Participant)
        and stage_index != workshop.current_stage
        and not workshop.review_allowed
    ):
        raise NotAllowed(_("The facilitator has not opened earlier stages for review."))
    return stage_index
