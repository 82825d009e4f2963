"""Socket.IO handler for the facilitator's decision on an idea."""

from __future__ import annotations

from workshop.live.boundary import LiveContext, live_event
from workshop.ranking import services


@live_event("set_decision")
def on_decision(context: LiveContext, payload: dict) -> dict:
    services.set_decision(
        context.workshop, context.actor, payload.get("type"), payload.get("id"), payload.get("decision")
    )
    context.refresh("facilitator")
    return {}
