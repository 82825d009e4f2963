"""The stage gate: whether a stage takes input, and who may see a note.

Every service that changes something in a stage asks `ensure_stage_takes_input`;
every view and broadcast asks `visible_to` before a note leaves the server. Both
rules live here, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import select

from workshop.core.actors import ensure_open
from workshop.core.models import Participant, StageState, Workshop
from workshop.errors import NotAllowed
from workshop.extensions import db


def stage_state(workshop: Workshop, stage_index: int, create: bool = False) -> StageState | None:
    """The stored state of one stage; with `create`, made on first use."""
    state = db.session.scalar(
        select(StageState).where(StageState.workshop_id == workshop.id, StageState.stage_index == stage_index)
    )
    if state is None and create:
        state = StageState(
            workshop_id=workshop.id, stage_index=stage_index, revealed=False, locked=False, votes_closed=False
        )
        db.session.add(state)
        db.session.flush()
    return state


def stage_states(workshop: Workshop) -> list[StageState]:
    """Every stored stage state of a workshop, in stage order."""
    return list(
        db.session.scalars(
            select(StageState).where(StageState.workshop_id == workshop.id).order_by(StageState.stage_index)
        )
    )


def is_locked(workshop: Workshop, stage_index: int) -> bool:
    state = stage_state(workshop, stage_index)
    return bool(state and state.locked)


def ensure_stage_takes_input(workshop: Workshop, stage_index: int) -> None:
    """Raises NotAllowed when the workshop is closed or the facilitator locked the stage."""
    ensure_open(workshop)
    if is_locked(workshop, stage_index):
        raise NotAllowed(_("The facilitator has closed this stage for input."))


def is_hidden_from_room(workshop: Workshop, stage_index: int) -> bool:
    """A private stage's notes stay with their authors until revealed."""
    stage = workshop.plan.stages[stage_index]
    if not stage.private:
        return False
    state = stage_state(workshop, stage_index)
    return not (state and state.revealed)


def private_stage_indexes(workshop: Workshop) -> set[int]:
    """The stages whose notes are still hidden from the room (private, not revealed)."""
    private = {index for index, stage in enumerate(workshop.plan.stages) if stage.private}
    if not private:
        return set()
    revealed = db.session.scalars(
        select(StageState.stage_index).where(
            StageState.workshop_id == workshop.id,
            StageState.stage_index.in_(private),
            StageState.revealed.is_(True),
        )
    )
    return private - set(revealed)


class NoteLike(Protocol):
    # Read-only members, so a Note (whose columns are typed more narrowly) fits.
    @property
    def stage_index(self) -> int: ...
    @property
    def participant_id(self) -> int | None: ...
    @property
    def hidden_at(self) -> object: ...


def visible_to(
    note: NoteLike, audience: str, participant: Participant | None, private_stages: Iterable[int]
) -> bool:
    """The one rule for who sees a note.

    The facilitator sees every note. A note the facilitator hid, or one written in a
    private stage not yet revealed, stays off the projector and other phones, whatever
    stage later uses it; its author still sees their own private notes.
    `private_stages` is `private_stage_indexes(workshop)`, computed once per view.
    """
    if audience == "facilitator":
        return True
    if note.hidden_at is not None:
        return False
    if note.stage_index in private_stages:
        return participant is not None and note.participant_id == participant.id
    return True
