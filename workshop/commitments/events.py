"""Socket.IO handlers for commitments: thin parsing around the services."""

from __future__ import annotations

from workshop.commitments import services
from workshop.commitments.services import commitment_data
from workshop.live.boundary import LiveContext, live_event


@live_event("add_commitment", limit="30/minute")
def on_add_commitment(context: LiveContext, payload: dict) -> dict:
    """Ack carries the stored commitment; a resend with the same client id counts once."""
    commitment, created = services.add_commitment(
        context.workshop,
        context.actor,
        payload.get("client_id"),
        payload.get("stage"),
        payload.get("idea"),
        payload.get("what"),
        payload.get("who"),
        payload.get("due"),
        payload.get("indicator"),
    )
    if created:
        context.commitments()
    return {"commitment": commitment_data(commitment, mine=True), "created": created}


@live_event("edit_commitment", limit="60/minute")
def on_edit_commitment(context: LiveContext, payload: dict) -> dict:
    commitment = services.edit_commitment(
        context.workshop,
        context.actor,
        payload.get("commitment_id"),
        payload.get("what"),
        payload.get("who"),
        payload.get("due"),
        payload.get("indicator"),
    )
    context.commitments()
    return {"commitment": commitment_data(commitment, mine=True)}


@live_event("delete_commitment", limit="60/minute")
def on_delete_commitment(context: LiveContext, payload: dict) -> dict:
    commitment = services.delete_commitment(context.workshop, context.actor, payload.get("commitment_id"))
    context.commitments()
    return {"commitment_id": commitment.id}
