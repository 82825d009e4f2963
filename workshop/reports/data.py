"""The report document: everything every export format shows, assembled once.

`build_report` gathers the plan as run, the ranking of ideas, the groups and
their notes by lane, the decisions, the full (anonymous) voting and rating
record, and the commitments with their status history, as plain JSON-able data
(`REPORT_VERSION`, documented by `report.schema.json`). PDF, HTML, CSV, JSON and Markdown are views of it, so
they can never disagree.

Participants are anonymous in every export: no names (even signed notes lose
their signature) and no ids, only labels P1, P2 … in the order people joined,
so a voting record can be read without knowing who voted. A note its author
deleted keeps its row (with `deleted: true`) but not its text: they withdrew it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from workshop.board.models import Note
from workshop.clustering.models import Cluster
from workshop.commitments.services import record_data, workshop_commitments
from workshop.core.codes import format_code
from workshop.core.lookups import participant_count
from workshop.core.models import Participant, StageState, Workshop
from workshop.core.stages import stage_states
from workshop.extensions import db
from workshop.importing.services import IMPORT_CLIENT_ID_PREFIX
from workshop.planning.messages import describe_change
from workshop.planning.services import facilitator_label, plan_history
from workshop.profiles.breakdown import breakdowns
from workshop.ranking.services import ranking
from workshop.rating.models import Rating
from workshop.rating.services import quadrant_label
from workshop.voting.models import Dot
from workshop.voting.services import is_closed, voter_count

REPORT_VERSION = 1


def build_report(workshop: Workshop) -> dict[str, Any]:
    """The whole report of one workshop, in the workshop's language."""
    with force_locale(workshop.language):
        return _build(workshop)


def _build(workshop: Workshop) -> dict[str, Any]:
    labels = _participant_labels(workshop)
    notes = _notes(workshop)
    ideas = _ideas(workshop)
    return {
        "version": REPORT_VERSION,
        "workshop": _workshop(workshop),
        "stages": _stages(workshop),
        "ideas": ideas,
        "key_ideas": _key_ideas(ideas),
        "set_aside": [idea for idea in ideas if idea["decision"] == "set_aside"],
        "clusters": _clusters(workshop, notes),
        "group_mark": workshop.plan.text("group_mark", workshop.language) or None,
        "notes": notes,
        "findings": _findings(workshop, notes),
        "votes": _votes(workshop, labels),
        "ratings": _ratings(workshop, labels),
        # By profile answer, only what passed the anonymity floor (profiles.floor).
        "breakdowns": breakdowns(workshop, workshop.language),
        "commitments": [record_data(c) for c in workshop_commitments(workshop)],
        "plan_changes": _plan_changes(workshop),
    }


def _plan_changes(workshop: Workshop) -> list[dict[str, Any]]:
    """The edits of the plan while it was prepared and run, oldest first: `stages` is the
    plan as run in the end, and these say how it got there."""
    return [
        {
            "at": change.changed_at.isoformat(timespec="minutes"),
            "by": facilitator_label(change),
            "version": change.plan_version,
            "changes": [describe_change(item) for item in change.summary],
        }
        for change in plan_history(workshop)
    ]


def _workshop(workshop: Workshop) -> dict[str, Any]:
    held_on: date = workshop.held_on or workshop.created_at.date()
    plan = workshop.plan
    return {
        "id": workshop.id,
        "code": format_code(workshop.code),
        "title": workshop.title,
        "question": workshop.question,
        "language": workshop.language,
        "place": workshop.place,
        "date": held_on.isoformat(),
        "plan": {
            "slug": plan.slug,
            "title": plan.text("title", workshop.language),
            "description": plan.text("description", workshop.language),
        },
        "facilitator": workshop.owner.email,
        "participants": participant_count(workshop),
        "status": workshop.status,
    }


def _stages(workshop: Workshop) -> list[dict[str, Any]]:
    language = workshop.language
    states = {state.stage_index: state for state in stage_states(workshop)}
    return [
        {
            "index": index,
            "number": index + 1,
            "id": stage.id,
            "kind": stage.kind,
            "title": stage.text("title", language),
            "prompt": stage.text("prompt", language),
            "lanes": [{"key": lane.key, "label": lane.label.get(language, lane.key)} for lane in stage.lanes],
            "private": stage.private,
            # What really happened to a private stage's notes: revealed (and when), or never.
            "revealed": _revealed(states.get(index)) if stage.private else None,
            "revealed_at": _revealed_at(states.get(index)) if stage.private else None,
            "dots": stage.dots or None,
            "cap": stage.cap or None,
            "axes": [{"key": axis.key, "label": axis.label.get(language, axis.key)} for axis in stage.axes],
        }
        for index, stage in enumerate(workshop.plan.stages)
    ]


def _revealed(state: StageState | None) -> bool:
    return bool(state and state.revealed)


def _revealed_at(state: StageState | None) -> str | None:
    return state.revealed_at.isoformat(timespec="minutes") if state and state.revealed_at else None


def _lane_label(workshop: Workshop, stage_index: int, lane: str | None) -> str | None:
    if lane is None or not 0 <= stage_index < len(workshop.plan.stages):
        return None
    return workshop.plan.stages[stage_index].lane_label(lane, workshop.language) or lane


def _notes(workshop: Workshop) -> list[dict[str, Any]]:
    stages = workshop.plan.stages
    dots: dict[int, int] = {}
    for (target_id,) in db.session.execute(
        select(Dot.target_id).where(Dot.workshop_id == workshop.id, Dot.target_type == "note")
    ):
        dots[target_id] = dots.get(target_id, 0) + 1
    rows = db.session.scalars(
        select(Note)
        .where(Note.workshop_id == workshop.id)
        .order_by(Note.stage_index, Note.created_at, Note.id)
    )
    return [
        {
            "id": note.id,
            "stage": note.stage_index,
            "stage_id": stages[note.stage_index].id if note.stage_index < len(stages) else None,
            "lane": note.lane,
            "lane_label": _lane_label(workshop, note.stage_index, note.lane),
            "text": "" if note.deleted_at else note.text,
            "cluster": note.cluster_id,
            "evidence_id": note.evidence_id,
            "source": note.source,
            "imported": note.client_id.startswith(IMPORT_CLIENT_ID_PREFIX),
            "hidden": note.hidden_at is not None,
            "deleted": note.deleted_at is not None,
            "decision": note.decision,
            "dots": dots.get(note.id, 0),
            "created_at": note.created_at.isoformat(timespec="seconds"),
        }
        for note in rows
    ]


def _ideas(workshop: Workshop) -> list[dict[str, Any]]:
    ideas = []
    for entry in ranking(workshop):
        ideas.append(
            {
                "rank": entry["rank"],
                "tied": entry["tied"],
                "type": entry["type"],
                "id": entry["id"],
                "title": entry["title"],
                "dots": entry["dots"],
                "impact": entry["x"],
                "feasibility": entry["y"],
                "impact_spread": entry["x_spread"],
                "feasibility_spread": entry["y_spread"],
                "ratings": entry["ratings"],
                "quadrant": entry["quadrant"],
                "quadrant_label": quadrant_label(entry["quadrant"]),
                "decision": entry["decision"],
                "reason": entry["reason"],
                "notes": entry["notes"],
            }
        )
    return ideas


def _key_ideas(ideas: list[dict[str, Any]], limit: int = 5) -> list[dict[str, Any]]:
    """Selected ideas if the facilitator chose some, else the top of the ranking."""
    selected = [idea for idea in ideas if idea["decision"] == "selected"]
    chosen = selected or [idea for idea in ideas if idea["decision"] != "set_aside"]
    return chosen[:limit]


def _clusters(workshop: Workshop, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    members: dict[int, list[int]] = {}
    for note in notes:
        if note["cluster"] is not None and not note["deleted"]:
            members.setdefault(note["cluster"], []).append(note["id"])
    clusters = db.session.scalars(
        select(Cluster).where(Cluster.workshop_id == workshop.id).order_by(Cluster.created_at, Cluster.id)
    )
    return [
        {
            "id": c.id,
            "title": c.title,
            "decision": c.decision,
            "stage": c.stage_index,
            "notes": members.get(c.id, []),
            "marked": c.marked,
        }
        for c in clusters
    ]


def _findings(workshop: Workshop, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Notes grouped by lane (the coding frame), each lane listing its groups and loose notes."""
    lanes: dict[str, dict[str, Any]] = {}
    titles = {
        c.id: c.title for c in db.session.scalars(select(Cluster).where(Cluster.workshop_id == workshop.id))
    }
    for note in notes:
        if note["deleted"] or note["hidden"]:
            continue
        key = note["lane"] or ""
        lane = lanes.setdefault(
            key,
            {
                "lane": note["lane"],
                "label": note["lane_label"] or _("Without lane"),
                "groups": {},
                "loose": [],
            },
        )
        if note["cluster"] is not None:
            group = lane["groups"].setdefault(
                note["cluster"],
                {"cluster": note["cluster"], "title": titles.get(note["cluster"], ""), "notes": []},
            )
            group["notes"].append(note["id"])
        else:
            lane["loose"].append(note["id"])
    ordered = sorted(lanes.values(), key=lambda lane: (lane["lane"] is None, lane["label"]))
    return [{**lane, "groups": list(lane["groups"].values())} for lane in ordered]


def _participant_labels(workshop: Workshop) -> dict[int, str]:
    ids = db.session.scalars(
        select(Participant.id)
        .where(Participant.workshop_id == workshop.id)
        .order_by(Participant.joined_at, Participant.id)
    )
    return {participant_id: f"P{number}" for number, participant_id in enumerate(ids, start=1)}


def _votes(workshop: Workshop, labels: dict[int, str]) -> list[dict[str, Any]]:
    result = []
    for index, stage in enumerate(workshop.plan.stages):
        if stage.kind != "vote":
            continue
        dots = list(
            db.session.scalars(
                select(Dot).where(Dot.workshop_id == workshop.id, Dot.stage_index == index).order_by(Dot.id)
            )
        )
        totals: dict[tuple[str, int], int] = {}
        for dot in dots:
            totals[(dot.target_type, dot.target_id)] = totals.get((dot.target_type, dot.target_id), 0) + 1
        result.append(
            {
                "stage": index,
                "title": stage.text("title", workshop.language),
                "closed": is_closed(workshop, index),
                "voters": voter_count(workshop, index),
                "dots_per_person": stage.dots,
                "cap": stage.cap,
                "totals": [
                    {"type": t, "id": i, "dots": n}
                    for (t, i), n in sorted(totals.items(), key=lambda kv: -kv[1])
                ],
                "record": [
                    {
                        "participant": labels.get(dot.participant_id, "?"),
                        "type": dot.target_type,
                        "id": dot.target_id,
                    }
                    for dot in dots
                ],
            }
        )
    return result


def _ratings(workshop: Workshop, labels: dict[int, str]) -> list[dict[str, Any]]:
    result = []
    for index, stage in enumerate(workshop.plan.stages):
        if stage.kind != "rate":
            continue
        rows = db.session.scalars(
            select(Rating)
            .where(Rating.workshop_id == workshop.id, Rating.stage_index == index)
            .order_by(Rating.target_type, Rating.target_id, Rating.participant_id)
        )
        result.append(
            {
                "stage": index,
                "title": stage.text("title", workshop.language),
                "axes": [{"key": a.key, "label": a.label.get(workshop.language, a.key)} for a in stage.axes],
                "record": [
                    {
                        "participant": labels.get(r.participant_id, "?"),
                        "type": r.target_type,
                        "id": r.target_id,
                        "x": r.x,
                        "y": r.y,
                    }
                    for r in rows
                ],
            }
        )
    return result
