"""Socket.IO handlers for running a workshop (facilitator controls)."""

from __future__ import annotations

from workshop.live import broadcast
from workshop.live.events import LiveContext, live_event
from workshop.workshops import services


@live_event("change_stage", limit="120/minute")
def on_change_stage(context: LiveContext, payload: dict) -> dict:
    """Move everyone to another stage; each audience then receives its new state."""
    workshop = services.change_stage(context.workshop, context.actor, payload.get("stage"))
    context.then(lambda: broadcast.state_changed(workshop))
    return {"stage": workshop.current_stage, "revision": workshop.revision}
