"""Socket.IO handler for the facilitator's decision on an idea."""

from __future__ import annotations

from workshop.live import broadcast
from workshop.live.events import LiveContext, live_event
from workshop.ranking import services


@live_event("set_decision")
def on_decision(context: LiveContext, payload: dict) -> dict:
    workshop = context.workshop
    services.set_decision(
        workshop, context.actor, payload.get("type"), payload.get("id"), payload.get("decision")
    )
    context.then(lambda: broadcast.refresh_soon(workshop, "facilitator"))
    return {}
