"""Reveal a private stage's notes, lock or unlock a stage for input. Facilitator only."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import flag
from workshop.core.models import StageState, Workshop
from workshop.core.stages import stage_state
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
    """Show a private stage's notes to everyone, still anonymous. Facilitator only."""
    state = current_stage_state(workshop, actor)
    if not workshop.stage.private:
        raise InvalidInput(_("This stage is not private."))
    state.revealed = True
    workshop.bump()
    db.session.flush()
    return state


def set_locked(workshop: Workshop, actor: Actor, locked: Any) -> StageState:
    """Lock (no more notes, dots or ratings) or unlock the current stage."""
    locked = flag(locked, _l("Say whether to lock or unlock."))
    state = current_stage_state(workshop, actor)
    state.locked = locked
    workshop.bump()
    db.session.flush()
    return state
