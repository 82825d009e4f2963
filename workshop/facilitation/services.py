"""Facilitation operations: reveal, lock, timer, look-back, moderation, participants, presence.

All of them are facilitator-only except presence (the live boundary records
connections) and `view_stage` (participants, when looking back is allowed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, distinct, func, select

from workshop.board.models import Note
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.facilitation.models import LiveConnection, StageState
from workshop.workshops.models import Participant, Workshop
from workshop.workshops.services import Actor, ensure_facilitator, ensure_open

MAX_TIMER_SECONDS = 3 * 60 * 60
ONLINE_WINDOW = timedelta(minutes=3)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stage_state(workshop: Workshop, stage_index: int, create: bool = False) -> StageState | None:
    """The stored state of one stage; with `create`, made on first use."""
    state = db.session.scalar(
        select(StageState).where(StageState.workshop_id == workshop.id, StageState.stage_index == stage_index)
    )
    if state is None and create:
        state = StageState(
            workshop_id=workshop.id, stage_index=stage_index, revealed=False, locked=False, votes_closed=False
        )
        db.session.add(state)
        db.session.flush()
    return state


def is_locked(workshop: Workshop, stage_index: int) -> bool:
    state = stage_state(workshop, stage_index)
    return bool(state and state.locked)


def ensure_stage_takes_input(workshop: Workshop, stage_index: int) -> None:
    """Raises NotAllowed when the workshop is closed or the facilitator locked the stage."""
    ensure_open(workshop)
    if is_locked(workshop, stage_index):
        raise NotAllowed(_("The facilitator has closed this stage for input."))


def is_hidden_from_room(workshop: Workshop, stage_index: int) -> bool:
    """A private stage's notes stay with their authors until revealed."""
    stage = workshop.plan.stages[stage_index]
    if not stage.private:
        return False
    state = stage_state(workshop, stage_index)
    return not (state and state.revealed)


def _current(workshop: Workshop, actor: Actor) -> StageState:
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    return stage_state(workshop, workshop.current_stage, create=True)


def reveal_stage(workshop: Workshop, actor: Actor) -> StageState:
    """Show a private stage's notes to everyone, still anonymous. Facilitator only."""
    state = _current(workshop, actor)
    if not workshop.stage.private:
        raise InvalidInput(_("This stage is not private."))
    state.revealed = True
    workshop.bump()
    db.session.flush()
    return state


def set_locked(workshop: Workshop, actor: Actor, locked: Any) -> StageState:
    """Lock (no more notes, dots or ratings) or unlock the current stage."""
    if not isinstance(locked, bool):
        raise InvalidInput(_("Say whether to lock or unlock."))
    state = _current(workshop, actor)
    state.locked = locked
    workshop.bump()
    db.session.flush()
    return state


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TIMER_SECONDS:
        raise InvalidInput(_("The time must be between 1 second and 3 hours."))
    return value


def start_timer(workshop: Workshop, actor: Actor, seconds: Any = None) -> StageState:
    """Start a countdown of `seconds`, or resume a paused one when no time is given."""
    state = _current(workshop, actor)
    if seconds is None:
        if state.timer_paused_ms is None:
            raise InvalidInput(_("Give the timer a duration."))
        state.timer_ends_at = now() + timedelta(milliseconds=state.timer_paused_ms)
    else:
        state.timer_ends_at = now() + timedelta(seconds=_seconds(seconds))
    state.timer_paused_ms = None
    workshop.bump()
    db.session.flush()
    return state


def pause_timer(workshop: Workshop, actor: Actor) -> StageState:
    state = _current(workshop, actor)
    if state.timer_ends_at is None:
        raise InvalidInput(_("The timer is not running."))
    state.timer_paused_ms = _remaining_ms(state.timer_ends_at)
    state.timer_ends_at = None
    workshop.bump()
    db.session.flush()
    return state


def extend_timer(workshop: Workshop, actor: Actor, seconds: Any) -> StageState:
    state = _current(workshop, actor)
    extra = _seconds(seconds)
    if state.timer_ends_at is not None:
        state.timer_ends_at = max(state.timer_ends_at, now()) + timedelta(seconds=extra)
    elif state.timer_paused_ms is not None:
        state.timer_paused_ms += extra * 1000
    else:
        raise InvalidInput(_("Start the timer first."))
    workshop.bump()
    db.session.flush()
    return state


def run_timer(workshop: Workshop, actor: Actor, action: Any, seconds: Any = None) -> StageState:
    """One entry for the timer controls: start (or resume), pause, extend, clear."""
    operations = {
        "start": lambda: start_timer(workshop, actor, seconds),
        "pause": lambda: pause_timer(workshop, actor),
        "extend": lambda: extend_timer(workshop, actor, seconds),
        "clear": lambda: clear_timer(workshop, actor),
    }
    if action not in operations:
        raise InvalidInput(_("Unknown timer action."))
    return operations[action]()


def clear_timer(workshop: Workshop, actor: Actor) -> StageState:
    state = _current(workshop, actor)
    state.timer_ends_at = None
    state.timer_paused_ms = None
    workshop.bump()
    db.session.flush()
    return state


def _remaining_ms(ends_at: datetime) -> int:
    return max(0, int((ends_at - now()).total_seconds() * 1000))


def timer_data(state: StageState | None) -> dict[str, Any] | None:
    """Remaining time on the server's clock; clients count down from when they receive it."""
    if state is None:
        return None
    if state.timer_ends_at is not None:
        return {"running": True, "remaining_ms": _remaining_ms(state.timer_ends_at)}
    if state.timer_paused_ms is not None:
        return {"running": False, "remaining_ms": state.timer_paused_ms}
    return None


def allow_review(workshop: Workshop, actor: Actor, allowed: Any) -> Workshop:
    """Let participants look back at earlier stages (read-only), or not."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    if not isinstance(allowed, bool):
        raise InvalidInput(_("Say whether to allow looking back."))
    workshop.review_allowed = allowed
    workshop.bump()
    db.session.flush()
    return workshop


def ensure_can_view_stage(workshop: Workshop, actor: Actor, stage_index: Any) -> int:
    """Participants may look at an earlier stage only when the facilitator allows it."""
    if isinstance(stage_index, bool) or not isinstance(stage_index, int):
        raise InvalidInput(_("The stage must be a number."))
    if not 0 <= stage_index <= workshop.current_stage:
        raise NotAllowed(_("This stage has not started yet."))
    if (
        isinstance(actor, Participant)
        and stage_index != workshop.current_stage
        and not workshop.review_allowed
    ):
        raise NotAllowed(_("The facilitator has not opened earlier stages for review."))
    return stage_index


def _note(workshop: Workshop, note_id: Any) -> Note:
    if isinstance(note_id, bool) or not isinstance(note_id, int):
        raise InvalidInput(_("The note id must be a number."))
    note = db.session.get(Note, note_id)
    if note is None or note.workshop_id != workshop.id or note.deleted_at is not None:
        raise NotFound(_("This note does not exist (it may have been deleted)."))
    return note


def set_note_hidden(workshop: Workshop, actor: Actor, note_id: Any, hidden: Any) -> Note:
    """Hide a note from the room (it stays in the record) or restore it. Facilitator only."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    if not isinstance(hidden, bool):
        raise InvalidInput(_("Say whether to hide or restore the note."))
    note = _note(workshop, note_id)
    note.hidden_at = now() if hidden else None
    workshop.bump()
    db.session.flush()
    return note


def moderate_note(
    workshop: Workshop, actor: Actor, note_id: Any, text: Any = None, delete: bool = False
) -> Note:
    """The facilitator fixes a typo in, or deletes, any note of any stage."""
    from workshop.board.services import delete_note, edit_note

    ensure_facilitator(workshop, actor)
    if delete:
        return delete_note(workshop, actor, note_id)
    return edit_note(workshop, actor, note_id, text)


def _participant(workshop: Workshop, participant_id: Any) -> Participant:
    if isinstance(participant_id, bool) or not isinstance(participant_id, int):
        raise InvalidInput(_("The participant id must be a number."))
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop.id or participant.removed_at is not None:
        raise NotFound(_("This participant is not in the workshop."))
    return participant


def remove_participant(workshop: Workshop, actor: Actor, participant_id: Any) -> Participant:
    """Remove someone from the workshop: their device is disconnected and cannot rejoin
    with the same token. What they wrote stays unless the facilitator deletes it."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    participant = _participant(workshop, participant_id)
    participant.removed_at = now()
    db.session.execute(delete(LiveConnection).where(LiveConnection.participant_id == participant.id))
    workshop.bump()
    db.session.flush()
    return participant


def participant_list(workshop: Workshop, actor: Actor) -> list[dict[str, Any]]:
    """Participants with their (optional) names and whether they are online.

    Never says who wrote what: the facilitator page shows counts, not authorship.
    """
    ensure_facilitator(workshop, actor)
    online = online_participant_ids(workshop)
    participants = db.session.scalars(
        select(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.removed_at.is_(None))
        .order_by(Participant.joined_at, Participant.id)
    )
    return [
        {
            "id": p.id,
            "name": p.display_name,
            "online": p.id in online,
            "joined_at": p.joined_at.isoformat() if p.joined_at else None,
        }
        for p in participants
    ]


# Presence: one row per open connection, visible to every server process.


def record_connection(sid: str, workshop: Workshop, audience: str, participant: Participant | None) -> None:
    db.session.merge(
        LiveConnection(
            sid=sid,
            workshop_id=workshop.id,
            audience=audience,
            participant_id=participant.id if participant else None,
            connected_at=now(),
            seen_at=now(),
        )
    )
    db.session.flush()


def forget_connection(sid: str) -> int | None:
    """Drop a closed connection; returns its workshop id (to announce the new count)."""
    connection = db.session.get(LiveConnection, sid)
    if connection is None:
        return None
    workshop_id = connection.workshop_id
    db.session.delete(connection)
    db.session.flush()
    return workshop_id


def touch_connection(sid: str) -> None:
    connection = db.session.get(LiveConnection, sid)
    if connection is not None:
        connection.seen_at = now()
        db.session.flush()


def online_participant_ids(workshop: Workshop) -> set[int]:
    """Participants with a connection seen recently (a crashed process's rows age out)."""
    rows = db.session.scalars(
        select(LiveConnection.participant_id)
        .distinct()
        .where(
            LiveConnection.workshop_id == workshop.id,
            LiveConnection.participant_id.is_not(None),
            LiveConnection.seen_at >= now() - ONLINE_WINDOW,
        )
    )
    return set(rows)


def participation(workshop: Workshop) -> dict[str, Any]:
    """Per stage, how many participants posted, voted and rated; how many are online.

    Counts only, never who did what.
    """
    from workshop.rating.models import Rating
    from workshop.voting.models import Dot

    def per_stage(model) -> dict[int, int]:
        rows = db.session.execute(
            select(model.stage_index, func.count(distinct(model.participant_id)))
            .where(model.workshop_id == workshop.id, model.participant_id.is_not(None))
            .group_by(model.stage_index)
        )
        return {stage: count for stage, count in rows}

    posted = db.session.execute(
        select(Note.stage_index, func.count(distinct(Note.participant_id)))
        .where(Note.workshop_id == workshop.id, Note.deleted_at.is_(None), Note.participant_id.is_not(None))
        .group_by(Note.stage_index)
    )
    posted_by_stage = {stage: count for stage, count in posted}
    voted, rated = per_stage(Dot), per_stage(Rating)
    stages = []
    for index, stage in enumerate(workshop.plan.stages):
        count = {"write": posted_by_stage, "vote": voted, "rate": rated}.get(stage.kind)
        stages.append(
            {"index": index, "kind": stage.kind, "count": count.get(index, 0) if count is not None else None}
        )
    return {"online": len(online_participant_ids(workshop)), "stages": stages}
