"""Commitment operations: add (idempotent on the client id), edit, delete, follow up.

In the workshop a participant adds commitments from their phone and may change or
withdraw their own while the stage is open; the facilitator may change or withdraw
any. After the workshop only a facilitator updates a commitment's status, each time
with a date and an optional note, kept as its history. Nobody is ever shown who
proposed a commitment: `who` is the role that carries it out, as the room wrote it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workshop.accounts.models import Facilitator
from workshop.commitments.models import (
    INDICATOR_MAX_LENGTH,
    OPEN_STATUSES,
    STATUS_NOTE_MAX_LENGTH,
    STATUSES,
    WHAT_MAX_LENGTH,
    WHO_MAX_LENGTH,
    Commitment,
    CommitmentUpdate,
)
from workshop.core.actors import Actor, ensure_facilitator, ensure_member
from workshop.core.checks import identifier, storable_text, whole_number
from workshop.core.clock import now
from workshop.core.models import Participant, Workshop
from workshop.core.stages import ensure_stage_takes_input
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.ranking.services import ranking

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Ideas a commit stage offers when the facilitator selected none: the top of the ranking.
FALLBACK_IDEAS = 5
# A phone cannot flood the room: a generous ceiling, far above what a person commits to.
MAX_PER_PARTICIPANT = 30
MAX_PER_WORKSHOP = 500
# Deadlines further away than this are surely a typing mistake (2062 for 2026).
LONGEST_HORIZON_DAYS = 5 * 366

STATUS_LABELS = {
    "planned": _l("Planned"),
    "started": _l("Started"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# --- Input ------------------------------------------------------------------------------


def _text(value: Any, field: str, most: int, required: bool = True) -> str | None:
    """Clean text for one field; the message names the field and the limit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(_("Please fill in: %(field)s.", field=field))
        return None
    # Pasted control characters and lone surrogates are cleaned as a note's are.
    text = storable_text(value, _("%(field)s must be text.", field=field))
    if not text:
        if required:
            raise InvalidInput(_("Please fill in: %(field)s.", field=field))
        return None
    if len(text) > most:
        raise InvalidInput(
            _(
                "%(field)s can have at most %(max)d characters (this one has %(count)d).",
                field=field,
                max=most,
                count=len(text),
            )
        )
    return text


def _parse_date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise InvalidInput(_("%(field)s must be a date like 2026-03-31.", field=field))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("%(field)s is not a real date (%(value)s).", field=field, value=value)) from None


def workshop_day(workshop: Workshop) -> date:
    """The day the workshop was held (or created, when no date was given)."""
    return workshop.held_on or (workshop.created_at or now()).date()


def _due_date(workshop: Workshop, value: Any) -> date:
    field = _("By when")
    due = _parse_date(value, field)
    start = min(workshop_day(workshop), now().date())
    if due < start:
        raise InvalidInput(_("The date must not be before the workshop (%(day)s).", day=start.isoformat()))
    if due > start + timedelta(days=LONGEST_HORIZON_DAYS):
        raise InvalidInput(_("The date is more than five years away; please check it."))
    return due


def _fields(workshop: Workshop, what: Any, who: Any, due: Any, indicator: Any) -> dict[str, Any]:
    return {
        "what": _text(what, _("What"), WHAT_MAX_LENGTH),
        "who": _text(who, _("Who (a role)"), WHO_MAX_LENGTH),
        "due_on": _due_date(workshop, due),
        "indicator": _text(indicator, _("Indicator"), INDICATOR_MAX_LENGTH, required=False),
    }


# --- Ideas a commit stage works on -------------------------------------------------------


def commit_ideas(workshop: Workshop) -> list[dict[str, Any]]:
    """The ideas the room turns into actions: those the facilitator selected, or else
    the top of the ranking (not set aside). Each: type, id, title, rank."""
    entries = ranking(workshop)
    chosen = [e for e in entries if e["decision"] == "selected"]
    if not chosen:
        chosen = [e for e in entries if e["decision"] != "set_aside"][:FALLBACK_IDEAS]
    return [{"type": e["type"], "id": e["id"], "title": e["title"], "rank": e["rank"]} for e in chosen]


def _idea(workshop: Workshop, idea: Any) -> dict[str, Any] | None:
    """The idea a commitment acts on (one the stage offers), or None for another action."""
    if idea is None or idea == "":
        return None
    if not isinstance(idea, dict):
        raise InvalidInput(_("Choose an idea."))
    idea_id = identifier(idea.get("id"), _l("Choose an idea."))
    for offered in commit_ideas(workshop):
        if offered["type"] == idea.get("type") and offered["id"] == idea_id:
            return offered
    raise NotFound(_("This idea is not one of the ideas to commit to."))


# --- Operations in the workshop --------------------------------------------------------


def _commit_stage(workshop: Workshop, stage_index: Any) -> int:
    stage_index = whole_number(stage_index, _l("The stage must be a number."))
    if not 0 <= stage_index < len(workshop.plan.stages):
        raise InvalidInput(_("There is no such stage in this plan."))
    if workshop.plan.stages[stage_index].kind != "commit":
        raise NotAllowed(_("This stage does not take commitments."))
    if stage_index > workshop.current_stage:
        raise NotAllowed(_("This stage has not started yet."))
    ensure_stage_takes_input(workshop, stage_index)
    return stage_index


def _by_client_id(workshop: Workshop, client_id: str) -> Commitment | None:
    return db.session.scalar(
        select(Commitment).where(Commitment.workshop_id == workshop.id, Commitment.client_id == client_id)
    )


def _same_author_or_refuse(commitment: Commitment, actor: Actor) -> Commitment:
    if isinstance(actor, Participant) and commitment.participant_id != actor.id:
        raise InvalidInput(_("This commitment id is already used."))
    return commitment


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(Commitment).where(*conditions)) or 0


def add_commitment(
    workshop: Workshop,
    actor: Actor,
    client_id: Any,
    stage_index: Any,
    idea: Any,
    what: Any,
    who: Any,
    due: Any,
    indicator: Any = None,
) -> tuple[Commitment, bool]:
    """Store a commitment once; return it and whether it was new.

    `idea` is ``{"type": "cluster"|"note", "id": …}``, one of `commit_ideas`, or None.
    A resend with the same client id returns the stored one. Raises InvalidInput,
    NotAllowed or NotFound.
    """
    ensure_member(workshop, actor)
    if not isinstance(client_id, str) or not CLIENT_ID_PATTERN.match(client_id):
        raise InvalidInput(_("The commitment has no valid client id."))
    existing = _by_client_id(workshop, client_id)
    if existing is not None:
        return _same_author_or_refuse(existing, actor), False
    stage_index = _commit_stage(workshop, stage_index)
    fields = _fields(workshop, what, who, due, indicator)
    chosen = _idea(workshop, idea)
    participant = actor if isinstance(actor, Participant) else None
    if participant is not None and (
        _count(
            Commitment.participant_id == participant.id,
            Commitment.deleted_at.is_(None),
        )
        >= MAX_PER_PARTICIPANT
    ):
        raise NotAllowed(_("You have added as many commitments as one person can here."))
    if _count(Commitment.workshop_id == workshop.id) >= MAX_PER_WORKSHOP:
        raise NotAllowed(_("This workshop has as many commitments as it can hold."))
    commitment = Commitment(
        workshop_id=workshop.id,
        participant_id=participant.id if participant else None,
        client_id=client_id,
        stage_index=stage_index,
        idea_type=chosen["type"] if chosen else None,
        idea_id=chosen["id"] if chosen else None,
        idea_title=chosen["title"][:500] if chosen else None,
        status="planned",
        **fields,
    )
    try:
        with db.session.begin_nested():
            db.session.add(commitment)
            db.session.flush()
    except IntegrityError:
        existing = _by_client_id(workshop, client_id)  # a resend raced the original
        if existing is None:
            raise
        return _same_author_or_refuse(existing, actor), False
    db.session.add(
        CommitmentUpdate(
            workshop_id=workshop.id,
            commitment_id=commitment.id,
            status="planned",
            noted_on=min(workshop_day(workshop), now().date()),
            facilitator_id=actor.id if isinstance(actor, Facilitator) else None,
        )
    )
    workshop.bump()
    db.session.flush()
    return commitment, True


def workshop_commitment(workshop: Workshop, commitment_id: Any) -> Commitment:
    """A live commitment of this workshop; another workshop's id is NotFound."""
    commitment = db.session.get(
        Commitment, identifier(commitment_id, _l("The commitment id must be a number."))
    )
    if commitment is None or commitment.workshop_id != workshop.id or commitment.deleted_at is not None:
        raise NotFound(_("This commitment does not exist (it may have been withdrawn)."))
    return commitment


def _changeable(workshop: Workshop, actor: Actor, commitment_id: Any) -> Commitment:
    ensure_member(workshop, actor)
    commitment = workshop_commitment(workshop, commitment_id)
    if isinstance(actor, Participant):
        if commitment.participant_id != actor.id:
            raise NotAllowed(_("You can only change your own commitments."))
        if commitment.stage_index != workshop.current_stage:
            raise NotAllowed(_("This stage is over; its commitments can no longer be changed."))
    if not workshop.is_open:
        raise NotAllowed(_("This workshop is closed."))
    if isinstance(actor, Participant):
        ensure_stage_takes_input(workshop, commitment.stage_index)
    return commitment


def edit_commitment(
    workshop: Workshop, actor: Actor, commitment_id: Any, what: Any, who: Any, due: Any, indicator: Any = None
) -> Commitment:
    """Change what, who, by when and the indicator. Raises InvalidInput, NotAllowed, NotFound."""
    commitment = _changeable(workshop, actor, commitment_id)
    for name, value in _fields(workshop, what, who, due, indicator).items():
        setattr(commitment, name, value)
    commitment.updated_at = now()
    workshop.bump()
    db.session.flush()
    return commitment


def delete_commitment(workshop: Workshop, actor: Actor, commitment_id: Any) -> Commitment:
    """Withdraw a commitment; the row is kept, so a late resend of it cannot revive it."""
    commitment = _changeable(workshop, actor, commitment_id)
    commitment.deleted_at = now()
    workshop.bump()
    db.session.flush()
    return commitment


# --- Follow-up after the workshop -------------------------------------------------------


def update_status(
    workshop: Workshop, actor: Actor, commitment_id: Any, status: Any, noted_on: Any, note: Any = None
) -> CommitmentUpdate:
    """Record a commitment's new status on a date, with an optional note (facilitators
    only; a closed workshop too: follow-up happens after it). The date may not be in
    the future nor before the workshop. Raises InvalidInput, NotAllowed, NotFound."""
    facilitator = ensure_facilitator(workshop, actor)
    commitment = workshop_commitment(workshop, commitment_id)
    if status not in STATUSES:
        raise InvalidInput(_("The status must be planned, started, done or dropped."))
    day = _parse_date(noted_on, _("Date"))
    if day > now().date():
        raise InvalidInput(_("The date of a status update cannot be in the future."))
    if day < workshop_day(workshop):
        raise InvalidInput(
            _("The date must not be before the workshop (%(day)s).", day=workshop_day(workshop).isoformat())
        )
    text = _text(note, _("Note"), STATUS_NOTE_MAX_LENGTH, required=False)
    update = CommitmentUpdate(
        workshop_id=workshop.id,
        commitment_id=commitment.id,
        status=status,
        noted_on=day,
        note=text,
        facilitator_id=facilitator.id,
    )
    db.session.add(update)
    db.session.flush()
    commitment.status = _latest(commitment).status
    commitment.updated_at = now()
    db.session.flush()
    return update


def _latest(commitment: Commitment) -> CommitmentUpdate:
    """The entry dated last (entries of one day in the order they were written)."""
    db.session.refresh(commitment, ["updates"])
    return max(commitment.updates, key=lambda u: (u.noted_on, u.id))


# --- Reading ----------------------------------------------------------------------------


def workshop_commitments(workshop: Workshop) -> list[Commitment]:
    """Live commitments of a workshop, in the order they were made."""
    return list(
        db.session.scalars(
            select(Commitment)
            .where(Commitment.workshop_id == workshop.id, Commitment.deleted_at.is_(None))
            .order_by(Commitment.created_at, Commitment.id)
        )
    )


def commitments_across(only_open: bool = True, before: Workshop | None = None) -> list[Commitment]:
    """Live commitments of every workshop (only planned or started ones by default),
    soonest deadline first; `before` keeps those of workshops other than it, held earlier."""
    query = select(Commitment).join(Workshop, Workshop.id == Commitment.workshop_id)
    query = query.where(Commitment.deleted_at.is_(None))
    if only_open:
        query = query.where(Commitment.status.in_(OPEN_STATUSES))
    if before is not None:
        query = query.where(Workshop.id != before.id, Workshop.created_at <= before.created_at)
    return list(db.session.scalars(query.order_by(Commitment.due_on, Commitment.id)))


def commitment_data(commitment: Commitment, mine: bool = False) -> dict[str, Any]:
    """What clients receive: never who proposed it."""
    return {
        "id": commitment.id,
        "client_id": commitment.client_id,
        "stage": commitment.stage_index,
        "idea": (
            {"type": commitment.idea_type, "id": commitment.idea_id, "title": commitment.idea_title}
            if commitment.idea_type
            else None
        ),
        "what": commitment.what,
        "who": commitment.who,
        "due": commitment.due_on.isoformat(),
        "indicator": commitment.indicator,
        "status": commitment.status,
        "status_label": status_label(commitment.status),
        "mine": mine,
    }


def history_data(commitment: Commitment) -> list[dict[str, Any]]:
    return [
        {
            "status": update.status,
            "status_label": status_label(update.status),
            "date": update.noted_on.isoformat(),
            "note": update.note,
        }
        for update in sorted(commitment.updates, key=lambda u: (u.noted_on, u.id))
    ]


def commit_view(workshop: Workshop, participant: Participant | None = None) -> dict[str, Any]:
    """A commit stage as every audience sees it: the ideas and the room's commitments
    (a phone's own marked `mine`), and for a review stage the open ones of earlier workshops."""
    own = participant.id if participant is not None else None
    view: dict[str, Any] = {
        "ideas": commit_ideas(workshop),
        "commitments": [
            commitment_data(c, mine=own is not None and c.participant_id == own)
            for c in workshop_commitments(workshop)
        ],
    }
    if workshop.stage.kind == "commit" and workshop.stage.review_open:
        view["earlier"] = [
            {**commitment_data(c), "workshop": _workshop_title(c)}
            for c in commitments_across(only_open=True, before=workshop)
        ]
    return view


def _workshop_title(commitment: Commitment) -> str:
    workshop = db.session.get(Workshop, commitment.workshop_id)
    return workshop.title if workshop else ""


def own_commitment_ids(workshop: Workshop, participant: Participant) -> list[int]:
    """The ids of one participant's live commitments (their phone may change these)."""
    return list(
        db.session.scalars(
            select(Commitment.id).where(
                Commitment.workshop_id == workshop.id,
                Commitment.participant_id == participant.id,
                Commitment.deleted_at.is_(None),
            )
        )
    )


def record_data(commitment: Commitment) -> dict[str, Any]:
    """A commitment as reports and exports carry it: the facts, the current status and
    its dated history; never who proposed it."""
    data = commitment_data(commitment)
    for key in ("client_id", "mine"):
        del data[key]
    return {**data, "history": history_data(commitment)}
