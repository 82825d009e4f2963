"""Socket.IO handlers for the facilitator's controls. Every one checks, in the
service, that the actor is a facilitator."""

from __future__ import annotations

from workshop.facilitation import moderation, participants, review, spotlight, stage_controls, timer
from workshop.live.boundary import LiveContext, everyone, live_event


@live_event("reveal_stage", then=everyone)
def on_reveal(context: LiveContext, payload: dict) -> dict:
    stage_controls.reveal_stage(context.workshop, context.actor)
    return {}


@live_event("lock_stage", then=everyone)
def on_lock(context: LiveContext, payload: dict) -> dict:
    stage_controls.set_locked(context.workshop, context.actor, payload.get("locked"))
    return {}


@live_event("timer")
def on_timer(context: LiveContext, payload: dict) -> dict:
    """Timer controls: action start (seconds, or resume), pause, extend, clear."""
    state = timer.run_timer(context.workshop, context.actor, payload.get("action"), payload.get("seconds"))
    data = timer.timer_data(state)
    context.timer(data)
    return {"timer": data}


@live_event("allow_review", then=everyone)
def on_allow_review(context: LiveContext, payload: dict) -> dict:
    review.allow_review(context.workshop, context.actor, payload.get("allowed"))
    return {}


@live_event("hide_note", then=everyone)
def on_hide_note(context: LiveContext, payload: dict) -> dict:
    moderation.set_note_hidden(context.workshop, context.actor, payload.get("note_id"), payload.get("hidden"))
    return {}


@live_event("moderate_note", then=everyone)
def on_moderate_note(context: LiveContext, payload: dict) -> dict:
    moderation.moderate_note(
        context.workshop,
        context.actor,
        payload.get("note_id"),
        payload.get("text"),
        delete=payload.get("delete") is True,
    )
    return {}


@live_event("participants", writes=False)
def on_participants(context: LiveContext, payload: dict) -> dict:
    return {"participants": participants.participant_list(context.workshop, context.actor)}


@live_event("remove_participant", then=everyone)
def on_remove_participant(context: LiveContext, payload: dict) -> dict:
    """The removed phone is told (`removed`) and disconnected, wherever it is connected."""
    _participant, sids = participants.remove_participant(
        context.workshop, context.actor, payload.get("participant_id")
    )
    context.close(sids, "removed")
    return {}


@live_event("spotlight", then=everyone)
def on_spotlight(context: LiveContext, payload: dict) -> dict:
    """Point the room at one group or note: ``{type: "cluster" | "note", id}``."""
    item = spotlight.set_spotlight(context.workshop, context.actor, payload.get("type"), payload.get("id"))
    return {"spotlight": {"type": context.workshop.spotlight_type, "id": item.id}}


@live_event("release_spotlight", then=everyone)
def on_release_spotlight(context: LiveContext, payload: dict) -> dict:
    return {"released": spotlight.release_spotlight(context.workshop, context.actor)}
