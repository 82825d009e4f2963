"""Participation: per stage, how many participants posted, voted and rated; who is online.

Counts only, never who did what.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, literal, select, union_all

from workshop.board.models import Note
from workshop.core.models import Workshop
from workshop.extensions import db
from workshop.live.presence import online_participant_ids
from workshop.rating.models import Rating
from workshop.voting.models import Dot

StageCounts = dict[str, dict[int, int]]  # {kind of input: {stage index: count}}


def _stage_counts(workshop: Workshop) -> tuple[StageCounts, dict[int, int]]:
    """Per stage, in one statement: how many participants posted ("write"), voted ("vote")
    and rated ("rate"), and how many notes it holds (whoever wrote them). The console asks
    for these with every note a room posts (`presence`, coalesced)."""

    def per_stage(kind: str, model: type[Note] | type[Dot] | type[Rating], count: Any, *where: Any):
        return (
            select(literal(kind).label("kind"), model.stage_index, count)
            .where(model.workshop_id == workshop.id, *where)
            .group_by(model.stage_index)
        )

    def participants(model: type[Note] | type[Dot] | type[Rating]) -> Any:
        return func.count(distinct(model.participant_id))

    live_note = Note.deleted_at.is_(None)
    statement = union_all(
        per_stage("write", Note, participants(Note), live_note, Note.participant_id.is_not(None)),
        per_stage("notes", Note, func.count(), live_note),
        per_stage("vote", Dot, participants(Dot), Dot.participant_id.is_not(None)),
        per_stage("rate", Rating, participants(Rating), Rating.participant_id.is_not(None)),
    )
    counts: StageCounts = {"write": {}, "notes": {}, "vote": {}, "rate": {}}
    for kind, stage_index, count in db.session.execute(statement):
        counts[kind][stage_index] = count
    notes = counts.pop("notes")
    return counts, notes


def participation(workshop: Workshop, by_kind: StageCounts | None = None) -> dict[str, Any]:
    """Per stage, how many participants posted, voted and rated; how many are online."""
    if by_kind is None:
        by_kind, _notes = _stage_counts(workshop)
    stages = []
    for index, stage in enumerate(workshop.plan.stages):
        counts = by_kind.get(stage.kind)
        stages.append(
            {
                "index": index,
                "kind": stage.kind,
                "count": counts.get(index, 0) if counts is not None else None,
            }
        )
    return {"online": len(online_participant_ids(workshop)), "stages": stages}


def console_counts(workshop: Workshop) -> dict[str, Any]:
    """The console's counts: `participation` and each stage's number of notes (by stage
    index, as text: JSON keys)."""
    by_kind, notes = _stage_counts(workshop)
    return {
        "participation": participation(workshop, by_kind),
        "note_counts": {str(index): count for index, count in notes.items()},
    }
