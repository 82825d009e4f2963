"""Socket.IO handlers for clustering; every change redraws the board for everyone."""

from __future__ import annotations

from flask_babel import ngettext

from workshop.clustering import services
from workshop.live.boundary import LiveContext, live_event


def regrouped(context: LiveContext) -> None:
    """After a change to the groups: at a clustering stage only the groups travel; at any
    other stage (a late rename during a vote) the groups are part of what everyone sees."""
    if context.workshop.stage.kind == "cluster":
        context.clusters()
    else:
        context.everyone()


@live_event("group_notes", limit="120/minute", then=regrouped)
def on_group(context: LiveContext, payload: dict) -> dict:
    cluster = services.group_notes(
        context.workshop, context.actor, payload.get("note_ids"), payload.get("title")
    )
    return {"cluster_id": cluster.id}


@live_event("add_to_cluster", limit="240/minute", then=regrouped)
def on_add(context: LiveContext, payload: dict) -> dict:
    services.add_to_cluster(
        context.workshop, context.actor, payload.get("note_ids"), payload.get("cluster_id")
    )
    return {}


@live_event("ungroup_notes", limit="240/minute", then=regrouped)
def on_ungroup(context: LiveContext, payload: dict) -> dict:
    services.ungroup_notes(context.workshop, context.actor, payload.get("note_ids"))
    return {}


@live_event("rename_cluster", limit="240/minute", then=regrouped)
def on_rename(context: LiveContext, payload: dict) -> dict:
    services.rename_cluster(context.workshop, context.actor, payload.get("cluster_id"), payload.get("title"))
    return {}


@live_event("mark_cluster", limit="240/minute", then=regrouped)
def on_mark(context: LiveContext, payload: dict) -> dict:
    services.mark_cluster(context.workshop, context.actor, payload.get("cluster_id"), payload.get("marked"))
    return {}


@live_event("merge_clusters", limit="120/minute", then=regrouped)
def on_merge(context: LiveContext, payload: dict) -> dict:
    target, returned = services.merge_clusters(
        context.workshop, context.actor, payload.get("source_id"), payload.get("target_id")
    )
    ack: dict = {"cluster_id": target.id, "returned_dots": returned}
    if returned:
        ack["message"] = ngettext(
            "%(num)d dot went back to its voter: nobody can have more than the vote's cap on one idea.",
            "%(num)d dots went back to their voters: nobody can have more than the vote's cap on one idea.",
            returned,
        )
    return ack


@live_event("dissolve_cluster", limit="120/minute", then=regrouped)
def on_dissolve(context: LiveContext, payload: dict) -> dict:
    services.dissolve_cluster(context.workshop, context.actor, payload.get("cluster_id"))
    return {}


@live_event("suggest_groups", limit="30/minute", writes=False)
def on_suggest(context: LiveContext, payload: dict) -> dict:
    """Suggested groups for the console (the facilitator accepts one with `group_notes`)."""
    return {"suggestions": services.suggested_groups(context.workshop, context.actor)}
