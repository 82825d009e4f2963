"""The stage timer: start (or resume), pause, extend, clear. Facilitator only.

Stored as facts on the server clock (when it ends, or how much was left when
paused); clients receive the remaining milliseconds and count down from when
they received them, so a phone with a wrong clock still shows the right time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.core.actors import Actor
from workshop.core.checks import whole_number
from workshop.core.clock import now
from workshop.core.models import StageState, Workshop
from workshop.errors import InvalidInput
from workshop.extensions import db
from workshop.facilitation.stage_controls import current_stage_state

MAX_TIMER_SECONDS = 3 * 60 * 60


def _seconds(value: Any) -> int:
    return whole_number(value, _l("The time must be between 1 second and 3 hours."), 1, MAX_TIMER_SECONDS)


def start_timer(workshop: Workshop, actor: Actor, seconds: Any = None) -> StageState:
    """Start a countdown of `seconds`, or resume a paused one when no time is given."""
    state = current_stage_state(workshop, actor)
    if seconds is None:
        if state.timer_paused_ms is None:
            raise InvalidInput(_("Give the timer a duration."))
        state.timer_ends_at = now() + timedelta(milliseconds=state.timer_paused_ms)
    else:
        state.timer_ends_at = now() + timedelta(seconds=_seconds(seconds))
    state.timer_paused_ms = None
    workshop.bump()
    db.session.flush()
    return state


def pause_timer(workshop: Workshop, actor: Actor) -> StageState:
    state = current_stage_state(workshop, actor)
    if state.timer_ends_at is None:
        raise InvalidInput(_("The timer is not running."))
    state.timer_paused_ms = _remaining_ms(state.timer_ends_at)
    state.timer_ends_at = None
    workshop.bump()
    db.session.flush()
    return state


def extend_timer(workshop: Workshop, actor: Actor, seconds: Any) -> StageState:
    state = current_stage_state(workshop, actor)
    extra = _seconds(seconds)
    if state.timer_ends_at is not None:
        remaining_ms = _remaining_ms(state.timer_ends_at) + extra * 1000
    elif state.timer_paused_ms is not None:
        remaining_ms = state.timer_paused_ms + extra * 1000
    else:
        raise InvalidInput(_("Start the timer first."))
    if remaining_ms > MAX_TIMER_SECONDS * 1000:
        raise InvalidInput(_("The timer cannot show more than 3 hours."))
    if state.timer_ends_at is not None:
        state.timer_ends_at = max(state.timer_ends_at, now()) + timedelta(seconds=extra)
    else:
        state.timer_paused_ms = remaining_ms
    workshop.bump()
    db.session.flush()
    return state


def clear_timer(workshop: Workshop, actor: Actor) -> StageState:
    state = current_stage_state(workshop, actor)
    state.timer_ends_at = None
    state.timer_paused_ms = None
    workshop.bump()
    db.session.flush()
    return state


def run_timer(workshop: Workshop, actor: Actor, action: Any, seconds: Any = None) -> StageState:
    """One entry for the timer controls: start (or resume), pause, extend, clear."""
    operations = {
        "start": lambda: start_timer(workshop, actor, seconds),
        "pause": lambda: pause_timer(workshop, actor),
        "extend": lambda: extend_timer(workshop, actor, seconds),
        "clear": lambda: clear_timer(workshop, actor),
    }
    if not isinstance(action, str) or action not in operations:
        raise InvalidInput(_("Unknown timer action."))
    return operations[action]()


def _remaining_ms(ends_at: datetime) -> int:
    return max(0, int((ends_at - now()).total_seconds() * 1000))


def timer_data(state: StageState | None) -> dict[str, Any] | None:
    """Remaining time on the server's clock; clients count down from when they receive it."""
    if state is None:
        return None
    if state.timer_ends_at is not None:
        return {"running": True, "remaining_ms": _remaining_ms(state.timer_ends_at)}
    if state.timer_paused_ms is not None:
        return {"running": False, "remaining_ms": state.timer_paused_ms}
    return None
