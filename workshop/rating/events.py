"""Socket.IO handler for 2×2 ratings; the matrix on the console and projector
is refreshed a few times a second at most."""

from __future__ import annotations

from workshop.live.boundary import LiveContext, live_event
from workshop.rating import services


@live_event("rate", limit="600/minute")
def on_rate(context: LiveContext, payload: dict) -> dict:
    workshop = context.workshop
    rating = services.rate(
        workshop, context.actor, payload.get("target_id"), payload.get("x"), payload.get("y")
    )
    context.refresh("facilitator")
    context.refresh("screen")
    return {"mine": services.my_ratings(rating.participant_id, workshop.current_stage)}
