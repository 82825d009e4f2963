"""Socket.IO handlers for the facilitator's controls. Every one checks, in the
service, that the actor is a facilitator."""

from __future__ import annotations

from workshop.facilitation import services
from workshop.live import broadcast
from workshop.live.events import LiveContext, live_event


def _everyone(context: LiveContext) -> None:
    workshop = context.workshop
    context.then(lambda: broadcast.state_changed(workshop))


@live_event("reveal_stage")
def on_reveal(context: LiveContext, payload: dict) -> dict:
    services.reveal_stage(context.workshop, context.actor)
    _everyone(context)
    return {}


@live_event("lock_stage")
def on_lock(context: LiveContext, payload: dict) -> dict:
    services.set_locked(context.workshop, context.actor, payload.get("locked"))
    _everyone(context)
    return {}


@live_event("timer")
def on_timer(context: LiveContext, payload: dict) -> dict:
    """Timer controls: action start (seconds, or resume), pause, extend, clear."""
    workshop = context.workshop
    state = services.run_timer(workshop, context.actor, payload.get("action"), payload.get("seconds"))
    timer = services.timer_data(state)
    context.then(lambda: broadcast.timer_changed(workshop, timer))
    return {"timer": timer}


@live_event("allow_review")
def on_allow_review(context: LiveContext, payload: dict) -> dict:
    services.allow_review(context.workshop, context.actor, payload.get("allowed"))
    _everyone(context)
    return {}


@live_event("hide_note")
def on_hide_note(context: LiveContext, payload: dict) -> dict:
    services.set_note_hidden(context.workshop, context.actor, payload.get("note_id"), payload.get("hidden"))
    _everyone(context)
    return {}


@live_event("moderate_note")
def on_moderate_note(context: LiveContext, payload: dict) -> dict:
    services.moderate_note(
        context.workshop,
        context.actor,
        payload.get("note_id"),
        payload.get("text"),
        delete=payload.get("delete") is True,
    )
    _everyone(context)
    return {}


@live_event("participants")
def on_participants(context: LiveContext, payload: dict) -> dict:
    return {"participants": services.participant_list(context.workshop, context.actor)}


@live_event("remove_participant")
def on_remove_participant(context: LiveContext, payload: dict) -> dict:
    workshop = context.workshop
    participant = services.remove_participant(workshop, context.actor, payload.get("participant_id"))
    context.then(lambda: broadcast.participant_removed(workshop, participant.id))
    return {}
