"""Socket.IO handlers for dot voting. Dots answer only the voter; the room gets a
coalesced count of voters, never running totals."""

from __future__ import annotations

from workshop.live.boundary import LiveContext, everyone, live_event
from workshop.voting import services


def _progress(context: LiveContext) -> None:
    context.refresh("vote_progress")
    context.refresh("presence")


@live_event("cast_dot", limit="240/minute")
def on_cast(context: LiveContext, payload: dict) -> dict:
    _, created = services.cast_dot(
        context.workshop, context.actor, payload.get("target_id"), payload.get("client_id")
    )
    if created:
        _progress(context)
    return {"vote": _mine(context)}


@live_event("retract_dot", limit="240/minute")
def on_retract(context: LiveContext, payload: dict) -> dict:
    services.retract_dot(context.workshop, context.actor, payload.get("target_id"))
    _progress(context)
    return {"vote": _mine(context)}


def _mine(context: LiveContext) -> dict:
    """The acknowledgement of a tap: the voter's own dots and how many are left (the
    options do not change with a tap; the room hears only how many have voted)."""
    participant = context.participant
    assert participant is not None  # the service refused anyone else
    return services.my_vote(context.workshop, participant, context.workshop.current_stage)


@live_event("close_vote", then=everyone)
def on_close(context: LiveContext, payload: dict) -> dict:
    services.set_vote_closed(context.workshop, context.actor, payload.get("closed"))
    return {}
