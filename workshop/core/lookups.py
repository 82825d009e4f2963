"""Finding a workshop and the people in it, as every door (pages, events, CLI) needs."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from workshop.core.checks import MAX_ID
from workshop.core.models import Participant, Workshop
from workshop.errors import NotFound
from workshop.extensions import db


def get_workshop(workshop_id: int) -> Workshop:
    """Raises NotFound when there is no such workshop (or the id cannot be one)."""
    return _found(db.session.get(Workshop, workshop_id) if _may_exist(workshop_id) else None)


def workshop_with_participant(workshop_id: int, participant_id: int) -> tuple[Workshop, Participant | None]:
    """The workshop and, if still in it, this participant, in one statement: what every
    event from a phone needs first. Raises NotFound when there is no such workshop."""
    row = None
    if _may_exist(workshop_id):
        row = db.session.execute(
            select(Workshop, Participant)
            .outerjoin(
                Participant, (Participant.workshop_id == Workshop.id) & (Participant.id == participant_id)
            )
            .where(Workshop.id == workshop_id)
        ).first()
    return _found(row[0] if row else None), (row[1] if row else None)


def _may_exist(workshop_id: int) -> bool:
    return 0 < workshop_id <= MAX_ID  # beyond what the database stores: not looked up


def _found(workshop: Workshop | None) -> Workshop:
    if workshop is None:
        raise NotFound(_("There is no such workshop."))
    return workshop


SCREEN_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what `secrets.token_urlsafe` makes


def workshop_for_screen(token: str | None) -> Workshop:
    """The workshop a projector link points to. Raises NotFound.

    A token that cannot be one (a NUL, which PostgreSQL refuses in any text) is not looked up.
    """
    if not isinstance(token, str) or not SCREEN_TOKEN.fullmatch(token):
        raise NotFound(_("This projector link is not valid."))
    workshop = db.session.scalar(select(Workshop).where(Workshop.screen_token == token))
    if workshop is None:
        raise NotFound(_("This projector link is not valid."))
    return workshop


def participant_for_token(workshop: Workshop, token: str | None) -> Participant | None:
    """The participant this device token belongs to, only within this workshop."""
    if not token:
        return None
    return db.session.scalar(
        select(Participant).where(Participant.token == token, Participant.workshop_id == workshop.id)
    )


def participant_count(workshop: Workshop) -> int:
    """Participants who joined and were not removed."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.workshop_id == workshop.id, Participant.removed_at.is_(None))
        )
        or 0
    )
