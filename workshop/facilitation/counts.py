"""Participation: per stage, how many participants posted, voted and rated; who is online.

Counts only, never who did what.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select

from workshop.board.models import Note
from workshop.core.models import Workshop
from workshop.extensions import db
from workshop.live.presence import online_participant_ids
from workshop.rating.models import Rating
from workshop.voting.models import Dot


def _participants_per_stage(model: type[Note] | type[Dot] | type[Rating], *where: Any) -> dict[int, int]:
    rows = db.session.execute(
        select(model.stage_index, func.count(distinct(model.participant_id)))
        .where(model.participant_id.is_not(None), *where)
        .group_by(model.stage_index)
    )
    return {stage: count for stage, count in rows}


def participation(workshop: Workshop) -> dict[str, Any]:
    """Per stage, how many participants posted, voted and rated; how many are online."""
    by_kind = {
        "write": _participants_per_stage(Note, Note.workshop_id == workshop.id, Note.deleted_at.is_(None)),
        "vote": _participants_per_stage(Dot, Dot.workshop_id == workshop.id),
        "rate": _participants_per_stage(Rating, Rating.workshop_id == workshop.id),
    }
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
