"""Dot-voting operations: cast and retract a dot, close and reopen the vote, summaries.

The budget and the per-item cap are enforced inside one transaction that
concurrent requests cannot race: the participant's row is locked first
(PostgreSQL), SQLite serialises writers, and the checks run after the insert
so they count it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError

from workshop.board.services import CLIENT_ID_PATTERN
from workshop.clustering.services import clusterable_notes, clusters_with_notes
from workshop.core.actors import Actor, ensure_facilitator, ensure_open, ensure_participant
from workshop.core.checks import flag, identifier
from workshop.core.models import Participant, Workshop
from workshop.core.stages import ensure_stage_takes_input, stage_state
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.plans import Stage
from workshop.voting.models import Dot


def candidates(workshop: Workshop, stage_index: int) -> list[dict[str, Any]]:
    """What a vote or rate stage works on: groups (not set aside) or single notes; a rate
    stage with a `shortlist` only the vote's short list."""
    stage = workshop.plan.stages[stage_index]
    if stage.target == "notes":
        ideas = [
            ({"type": "note", "id": note.id, "title": note.text, "notes": [note.id]}, note.decision)
            for note in clusterable_notes(workshop, stage_index)
            if note.decision != "set_aside"
        ]
    else:
        ideas = [
            ({"type": "cluster", "id": c["id"], "title": c["title"], "notes": c["notes"]}, c["decision"])
            for c in clusters_with_notes(workshop)
            if c["notes"] and c["decision"] != "set_aside"
        ]
    if stage.kind == "rate" and stage.shortlist:
        ideas = _shortlisted(workshop, stage_index, ideas)
    return [idea for idea, _decision in ideas]


def _shortlisted(
    workshop: Workshop, stage_index: int, ideas: list[tuple[dict[str, Any], str | None]]
) -> list[tuple[dict[str, Any], str | None]]:
    """The top `shortlist` ideas by dots of the last closed vote before this stage on the
    same kind of idea — ties at the boundary kept, never an idea without a dot — plus every
    idea the facilitator selected. Without such a vote, every idea (nothing to shorten by)."""
    stages = workshop.plan.stages
    stage = stages[stage_index]
    vote_index = next(
        (
            index
            for index in range(stage_index - 1, -1, -1)
            if stages[index].kind == "vote" and stages[index].target == stage.target
        ),
        None,
    )
    if vote_index is None or not is_closed(workshop, vote_index):
        return ideas
    counts = totals(workshop, vote_index)
    ranked = sorted((counts.get(idea["id"], 0) for idea, _decision in ideas), reverse=True)
    threshold = max(1, ranked[stage.shortlist - 1] if len(ranked) >= stage.shortlist else 1)
    return [
        (idea, decision)
        for idea, decision in ideas
        if counts.get(idea["id"], 0) >= threshold or decision == "selected"
    ]


def _vote_stage(workshop: Workshop, actor: Actor) -> tuple[Stage, Participant]:
    participant = ensure_participant(workshop, actor, _l("Only participants of this workshop vote."))
    stage = workshop.stage
    if stage.kind != "vote":
        raise NotAllowed(_("Voting happens during a dot-voting stage."))
    ensure_stage_takes_input(workshop, workshop.current_stage)
    state = stage_state(workshop, workshop.current_stage)
    if state is not None and state.votes_closed:
        raise NotAllowed(_("The vote is closed."))
    return stage, participant


def _target(workshop: Workshop, target_id: Any) -> tuple[str, int]:
    target_id = identifier(target_id, _l("Choose what to vote for."))
    for candidate in candidates(workshop, workshop.current_stage):
        if candidate["id"] == target_id:
            return candidate["type"], target_id
    raise NotFound(_("This is not one of the options of this vote."))


def _dots_of(participant: Participant, stage_index: int, target_id: int | None = None) -> int:
    query = (
        select(func.count())
        .select_from(Dot)
        .where(Dot.participant_id == participant.id, Dot.stage_index == stage_index)
    )
    if target_id is not None:
        query = query.where(Dot.target_id == target_id)
    return db.session.scalar(query) or 0


def cast_dot(workshop: Workshop, actor: Actor, target_id: Any, client_id: Any) -> tuple[Dot, bool]:
    """Place one dot; returns it and whether it is new (a retry returns the first one).

    Raises NotAllowed outside an open vote or when the budget or the cap is
    reached, NotFound for an item that is not an option.
    """
    stage, participant = _vote_stage(workshop, actor)
    if not isinstance(client_id, str) or not CLIENT_ID_PATTERN.match(client_id):
        raise InvalidInput(_("The dot has no valid client id."))
    # Serialise this participant's taps: concurrent taps (and a retry racing its original)
    # wait here on PostgreSQL; SQLite serialises every writer anyway.
    db.session.execute(select(Participant.id).where(Participant.id == participant.id).with_for_update())
    existing = db.session.scalar(
        select(Dot).where(Dot.workshop_id == workshop.id, Dot.client_id == client_id)
    )
    if existing is not None:
        if existing.participant_id != participant.id:
            raise InvalidInput(_("This dot id is already used."))
        return existing, False
    target_type, target = _target(workshop, target_id)
    dot = Dot(
        workshop_id=workshop.id,
        stage_index=workshop.current_stage,
        participant_id=participant.id,
        target_type=target_type,
        target_id=target,
        client_id=client_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(dot)
    except IntegrityError:
        raise InvalidInput(_("This dot was already counted.")) from None
    if _dots_of(participant, workshop.current_stage) > stage.dots:
        raise NotAllowed(_("You have no dots left. Take one back to move it."))
    if _dots_of(participant, workshop.current_stage, target) > stage.cap:
        raise NotAllowed(_("At most %(cap)d dots on one item.", cap=stage.cap))
    db.session.flush()
    return dot, True


def retract_dot(workshop: Workshop, actor: Actor, target_id: Any) -> int:
    """Take back one of your dots from an item; returns how many you still have on it."""
    _stage, participant = _vote_stage(workshop, actor)
    target_id = identifier(target_id, _l("Choose what to take a dot from."))
    dot = db.session.scalar(
        select(Dot)
        .where(
            Dot.participant_id == participant.id,
            Dot.stage_index == workshop.current_stage,
            Dot.target_id == target_id,
        )
        .order_by(Dot.id.desc())
        .limit(1)
    )
    if dot is None:
        raise NotFound(_("You have no dot on this item."))
    db.session.delete(dot)
    db.session.flush()
    return _dots_of(participant, workshop.current_stage, target_id)


def set_vote_closed(workshop: Workshop, actor: Actor, closed: Any) -> None:
    """Close the vote (totals become visible) or reopen it. Facilitator only."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    closed = flag(closed, _l("Say whether to close or reopen the vote."))
    if workshop.stage.kind != "vote":
        raise NotAllowed(_("Voting happens during a dot-voting stage."))
    state = stage_state(workshop, workshop.current_stage, create=True)
    assert state is not None  # created on first use
    state.votes_closed = closed
    workshop.bump()
    db.session.flush()


def is_closed(workshop: Workshop, stage_index: int) -> bool:
    state = stage_state(workshop, stage_index)
    return bool(state and state.votes_closed)


def voter_count(workshop: Workshop, stage_index: int) -> int:
    return (
        db.session.scalar(
            select(func.count(distinct(Dot.participant_id))).where(
                Dot.workshop_id == workshop.id, Dot.stage_index == stage_index
            )
        )
        or 0
    )


def totals(workshop: Workshop, stage_index: int) -> dict[int, int]:
    rows = db.session.execute(
        select(Dot.target_id, func.count())
        .where(Dot.workshop_id == workshop.id, Dot.stage_index == stage_index)
        .group_by(Dot.target_id)
    )
    return {target: count for target, count in rows}


def my_dots(participant: Participant, stage_index: int) -> dict[int, int]:
    rows = db.session.execute(
        select(Dot.target_id, func.count())
        .where(Dot.participant_id == participant.id, Dot.stage_index == stage_index)
        .group_by(Dot.target_id)
    )
    return {target: count for target, count in rows}


def vote_summary(
    workshop: Workshop, stage_index: int, participant: Participant | None = None
) -> dict[str, Any]:
    """What clients see of a vote: options, own dots, how many voted; totals once closed.

    Hiding running totals avoids bandwagon voting; only the number of voters shows.
    """
    stage = workshop.plan.stages[stage_index]
    closed = is_closed(workshop, stage_index)
    # A plan may choose open totals (hide_totals = false); the default hides them.
    visible = closed or not stage.hide_totals
    summary: dict[str, Any] = {
        "dots": stage.dots,
        "cap": stage.cap,
        "target": stage.target,
        "closed": closed,
        "candidates": candidates(workshop, stage_index),
        "voters": voter_count(workshop, stage_index),
        "totals": {str(k): v for k, v in totals(workshop, stage_index).items()} if visible else None,
    }
    if participant is not None:
        summary.update(my_vote(workshop, participant, stage_index))
    return summary


def my_vote(workshop: Workshop, participant: Participant, stage_index: int) -> dict[str, Any]:
    """One participant's dots in a vote (per item) and how many they have left: what a
    phone needs after a tap, without the whole vote."""
    stage = workshop.plan.stages[stage_index]
    mine = my_dots(participant, stage_index)
    return {"mine": {str(k): v for k, v in mine.items()}, "left": max(0, stage.dots - sum(mine.values()))}


def dot_totals_by_target(workshop: Workshop, closed_only: bool = True) -> dict[tuple[str, int], int]:
    """Dots per item over every vote stage (only closed votes, unless asked)."""
    result: dict[tuple[str, int], int] = {}
    for index, stage in enumerate(workshop.plan.stages):
        if stage.kind != "vote" or (closed_only and not is_closed(workshop, index)):
            continue
        rows = db.session.execute(
            select(Dot.target_type, Dot.target_id, func.count())
            .where(Dot.workshop_id == workshop.id, Dot.stage_index == index)
            .group_by(Dot.target_type, Dot.target_id)
        )
        for target_type, target_id, count in rows:
            result[(target_type, target_id)] = result.get((target_type, target_id), 0) + count
    return result
