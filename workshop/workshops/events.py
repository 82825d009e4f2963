"""Socket.IO handlers for running a workshop (facilitator controls)."""

from __future__ import annotations

from workshop.live.boundary import LiveContext, everyone, live_event
from workshop.workshops import services


@live_event("change_stage", limit="120/minute", then=everyone)
def on_change_stage(context: LiveContext, payload: dict) -> dict:
    """Move everyone to another stage; each audience then receives its new state."""
    workshop = services.change_stage(
        context.workshop, context.actor, payload.get("stage"), payload.get("reveal", False)
    )
    return {"stage": workshop.current_stage, "revision": workshop.revision}
