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


@live_event("set_question", limit="60/minute", then=everyone)
def on_set_question(context: LiveContext, payload: dict) -> dict:
    """The console's question form, sent live (the form posts it without JavaScript)."""
    workshop = services.set_question(context.workshop, context.actor, payload.get("question"))
    return {"question": workshop.question}
