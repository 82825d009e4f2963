"""Reveal a private stage's notes, lock or unlock a stage for input. Facilitator only."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import flag
from workshop.core.clock import now
from workshop.core.models import StageState, Workshop
from workshop.core.stages import private_stage_indexes, stage_state
from workshop.errors import InvalidInput
from workshop.extensions import db


def current_stage_state(workshop: Workshop, actor: Actor) -> StageState:
    """The current stage's state, for a facilitator changing it in an open workshop."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    state = stage_state(workshop, workshop.current_stage, create=True)
    assert state is not None  # created on first use
    return state


def reveal_stage(workshop: Workshop, actor: Actor) -> StageState:
    """Show the current private stage's notes to everyone, still anonymous. Facilitator only."""
    state = current_stage_state(workshop, actor)
    if not workshop.stage.private:
        raise InvalidInput(_("This stage is not private."))
    _reveal(state)
    workshop.bump()
    db.session.flush()
    return state


def reveal_stages(workshop: Workshop, actor: Actor, stage_indexes: list[int]) -> list[int]:
    """Reveal these private stages (when moving on to a stage that uses their notes).
    Returns the stages that were still private. Facilitator only."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    pending = sorted(set(stage_indexes) & private_stage_indexes(workshop))
    for index in pending:
        state = stage_state(workshop, index, create=True)
        assert state is not None  # created on first use
        _reveal(state)
    if pending:
        workshop.bump()
        db.session.flush()
    return pending


def _reveal(state: StageState) -> None:
    if not state.revealed:
        state.revealed = True
        state.revealed_at = now()


def set_locked(workshop: Workshop, actor: Actor, locked: Any) -> StageState:
    """Lock (no more notes, dots or ratings) or unlock the current stage."""
    locked = flag(locked, _l("Say whether to lock or unlock."))
    state = current_stage_state(workshop, actor)
    state.locked = locked
    workshop.bump()
    db.session.flush()
    return state
