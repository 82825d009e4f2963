"""Facilitation services called directly: only a facilitator runs them; reveal, lock, timer,
look-back, moderation, participants, presence and participation counts.

After a refused operation the test rolls back, as every boundary does.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import CLUSTER, VOTE, count, dot, move, new_client_id, note, private_workshop, refused
from workshop.board import services as board
from workshop.board.models import Note
from workshop.clustering import services as clustering
from workshop.clustering.models import Cluster
from workshop.core import clock, stages
from workshop.core.models import Participant
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.facilitation import counts, moderation, participants, review, stage_controls, timer
from workshop.live import presence
from workshop.live.models import LiveConnection
from workshop.ranking import services as ranking
from workshop.voting import services as voting


@pytest.fixture
def room(facilitator):
    return factories.cluster_room(facilitator)


@pytest.fixture
def vote_room(room):
    return factories.vote_room(room)


@pytest.fixture
def other(facilitator):
    return factories.other_workshop(facilitator)


# Facilitation -------------------------------------------------------------------------------

FACILITATOR_ONLY = {
    "reveal_stage": lambda r, actor: stage_controls.reveal_stage(r.workshop, actor),
    "set_locked": lambda r, actor: stage_controls.set_locked(r.workshop, actor, True),
    "start_timer": lambda r, actor: timer.start_timer(r.workshop, actor, 60),
    "pause_timer": lambda r, actor: timer.pause_timer(r.workshop, actor),
    "extend_timer": lambda r, actor: timer.extend_timer(r.workshop, actor, 60),
    "clear_timer": lambda r, actor: timer.clear_timer(r.workshop, actor),
    "allow_review": lambda r, actor: review.allow_review(r.workshop, actor, True),
    "set_note_hidden": lambda r, actor: moderation.set_note_hidden(
        r.workshop, actor, r.notes.works1.id, True
    ),
    "remove_participant": lambda r, actor: participants.remove_participant(r.workshop, actor, r.two.id),
    "participant_list": lambda r, actor: participants.participant_list(r.workshop, actor),
    "group_notes": lambda r, actor: clustering.group_notes(r.workshop, actor, [r.notes.works1.id], "Mío"),
    "ungroup_notes": lambda r, actor: clustering.ungroup_notes(r.workshop, actor, [r.notes.works1.id]),
    "rename_cluster": lambda r, actor: clustering.rename_cluster(
        r.workshop, actor, r.cluster.id, "Otro nombre"
    ),
    "merge_clusters": lambda r, actor: clustering.merge_clusters(
        r.workshop, actor, r.cluster.id, r.cluster.id
    ),
    "dissolve_cluster": lambda r, actor: clustering.dissolve_cluster(r.workshop, actor, r.cluster.id),
    "set_vote_closed": lambda r, actor: voting.set_vote_closed(r.workshop, actor, True),
    "set_decision": lambda r, actor: ranking.set_decision(
        r.workshop, actor, "cluster", r.cluster.id, "selected"
    ),
}


@pytest.mark.parametrize("operation", FACILITATOR_ONLY)
@pytest.mark.parametrize("who", ["participant", "nobody"])
def test_participants_cannot_run_facilitator_operations(room, operation, who):
    room.cluster = clustering.group_notes(room.workshop, room.facilitator, [room.notes.works2.id], "Grupo")
    db.session.commit()
    revision = room.workshop.revision
    actor = room.one if who == "participant" else None
    refused(NotAllowed, "Only a facilitator", FACILITATOR_ONLY[operation], room, actor)
    assert room.workshop.revision == revision
    assert room.cluster.title == "Grupo"
    assert stages.stage_state(room.workshop, CLUSTER) is None


def test_reveal_makes_private_notes_visible(make_participant, facilitator, tmp_path):
    from workshop.audiences.state import stage_view

    workshop = private_workshop(facilitator, tmp_path)
    author, reader = make_participant(workshop), make_participant(workshop)
    note(workshop, author, 1, "secreta")
    db.session.commit()

    def texts(audience, who=None):
        return [n["text"] for n in stage_view(workshop, 1, audience, who)["notes"]]

    assert texts("participant", reader) == [] and texts("screen") == []
    assert stage_view(workshop, 1, "participant", reader)["note_count"] == 1
    assert texts("participant", author) == texts("facilitator") == ["secreta"]
    stage_controls.reveal_stage(workshop, facilitator)
    db.session.commit()
    assert texts("participant", reader) == texts("screen") == ["secreta"]
    [shown] = stage_view(workshop, 1, "participant", reader)["notes"]
    assert shown["author"] is None and shown["mine"] is False
    assert stage_view(workshop, 1, "screen")["revealed"] is True
    move(workshop, facilitator, 2)
    refused(InvalidInput, "not private", stage_controls.reveal_stage, workshop, facilitator)


def test_lock_stops_notes_and_dots_until_unlocked(vote_room):
    w, f = vote_room.workshop, vote_room.facilitator
    stage_controls.set_locked(w, f, True)
    db.session.commit()
    assert stages.is_locked(w, VOTE)
    refused(
        NotAllowed, "closed this stage", voting.cast_dot, w, vote_room.one, vote_room.a.id, new_client_id()
    )
    stage_controls.set_locked(w, f, False)
    db.session.commit()
    dot(w, vote_room.one, vote_room.a.id)
    move(w, f, 1)
    stage_controls.set_locked(w, f, True)
    db.session.commit()
    refused(NotAllowed, "closed this stage", board.add_note, w, vote_room.one, "tarde", new_client_id(), 1)
    assert count(Note, Note.stage_index == 1) == 1


def test_lock_stops_clustering(room):
    stage_controls.set_locked(room.workshop, room.facilitator, True)
    db.session.commit()
    refused(
        NotAllowed,
        "closed this stage",
        clustering.group_notes,
        room.workshop,
        room.facilitator,
        [room.notes.works1.id],
        "Tarde",
    )
    assert count(Cluster) == 0


@pytest.mark.parametrize("locked", [None, "yes", 1])
def test_lock_needs_a_boolean(room, locked):
    refused(
        InvalidInput, "lock or unlock", stage_controls.set_locked, room.workshop, room.facilitator, locked
    )


def test_timer_counts_down_pauses_extends_and_resumes(room, monkeypatch):
    moment = [datetime(2025, 5, 1, 9, 0, 0)]
    monkeypatch.setattr(timer, "now", lambda: moment[0])

    def tick(seconds):
        moment[0] += timedelta(seconds=seconds)

    def remaining():
        db.session.commit()
        return timer.timer_data(stages.stage_state(room.workshop, CLUSTER))

    w, f = room.workshop, room.facilitator
    assert remaining() is None
    timer.start_timer(w, f, 60)
    assert remaining() == {"running": True, "remaining_ms": 60_000}
    tick(10)
    assert remaining() == {"running": True, "remaining_ms": 50_000}
    timer.pause_timer(w, f)
    tick(30)  # paused time does not run
    assert remaining() == {"running": False, "remaining_ms": 50_000}
    timer.extend_timer(w, f, 30)
    assert remaining() == {"running": False, "remaining_ms": 80_000}
    timer.start_timer(w, f)  # no duration: resume
    tick(5)
    assert remaining() == {"running": True, "remaining_ms": 75_000}
    timer.extend_timer(w, f, 15)
    assert remaining() == {"running": True, "remaining_ms": 90_000}
    tick(100)
    assert remaining() == {"running": True, "remaining_ms": 0}  # never negative
    timer.extend_timer(w, f, 20)  # after the end: counts from now
    assert remaining() == {"running": True, "remaining_ms": 20_000}
    timer.start_timer(w, f, 300)  # a new duration replaces the old one
    assert remaining() == {"running": True, "remaining_ms": 300_000}
    timer.clear_timer(w, f)
    assert remaining() is None


def test_timer_remaining_decreases_on_the_real_clock(room):
    timer.start_timer(room.workshop, room.facilitator, 60)
    db.session.commit()
    state = stages.stage_state(room.workshop, CLUSTER)
    first = timer.timer_data(state)["remaining_ms"]
    time.sleep(0.05)
    second = timer.timer_data(state)["remaining_ms"]
    assert 59_000 < first <= 60_000 and second < first


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (lambda w, f: timer.start_timer(w, f), "duration"),  # nothing to resume
        (lambda w, f: timer.pause_timer(w, f), "not running"),
        (lambda w, f: timer.extend_timer(w, f, 30), "Start the timer"),
        (lambda w, f: timer.start_timer(w, f, 0), "between"),
        (lambda w, f: timer.start_timer(w, f, -5), "between"),
        (lambda w, f: timer.start_timer(w, f, 3 * 60 * 60 + 1), "between"),
        (lambda w, f: timer.start_timer(w, f, "60"), "between"),
        (lambda w, f: timer.start_timer(w, f, 60.0), "between"),
        (lambda w, f: timer.start_timer(w, f, True), "between"),
    ],
)
def test_timer_refusals(room, operation, message):
    refused(InvalidInput, message, operation, room.workshop, room.facilitator)
    assert timer.timer_data(stages.stage_state(room.workshop, CLUSTER)) is None


def test_looking_back_needs_the_facilitators_leave(room):
    w, f, p = room.workshop, room.facilitator, room.one
    assert review.ensure_can_view_stage(w, f, 2) == 2
    assert review.ensure_can_view_stage(w, p, CLUSTER) == CLUSTER
    refused(NotAllowed, "not opened earlier stages", review.ensure_can_view_stage, w, p, 2)
    review.allow_review(w, f, True)
    db.session.commit()
    assert w.review_allowed is True
    assert review.ensure_can_view_stage(w, p, 2) == 2
    refused(NotAllowed, "not started", review.ensure_can_view_stage, w, p, VOTE)
    refused(NotAllowed, "not started", review.ensure_can_view_stage, w, f, -1)
    for bad in ("2", None, True, 2.0):
        refused(InvalidInput, "must be a number", review.ensure_can_view_stage, w, p, bad)
    refused(InvalidInput, "looking back", review.allow_review, w, f, "yes")
    review.allow_review(w, f, False)
    db.session.commit()
    refused(NotAllowed, "not opened", review.ensure_can_view_stage, w, p, 2)


def test_hide_and_restore_a_note(room):
    w, f, hidden = room.workshop, room.facilitator, room.notes.works1
    group = clustering.group_notes(w, f, [hidden.id, room.notes.works2.id], "Grupo")
    moderation.set_note_hidden(w, f, hidden.id, True)
    db.session.commit()
    assert hidden not in board.stage_notes(w, 2)
    assert hidden in board.stage_notes(w, 2, include_hidden=True)  # the facilitator sees it
    assert hidden not in clustering.clusterable_notes(w, CLUSTER)
    assert clustering.clusters_with_notes(w)[0]["notes"] == [room.notes.works2.id]
    assert group.id == clustering.clusters_with_notes(w)[0]["id"]
    moderation.set_note_hidden(w, f, hidden.id, False)
    db.session.commit()
    assert hidden in board.stage_notes(w, 2)
    assert clustering.clusters_with_notes(w)[0]["notes"] == [hidden.id, room.notes.works2.id]


@pytest.mark.parametrize(
    ("note_id", "hidden", "error"),
    [
        ("foreign", True, NotFound),
        (10**9, True, NotFound),
        ("1", True, InvalidInput),
        (True, True, InvalidInput),
        (None, True, InvalidInput),
        ("own", "yes", InvalidInput),
        ("own", None, InvalidInput),
    ],
)
def test_hide_note_refusals(room, other, note_id, hidden, error):
    note_id = {"foreign": other.note.id, "own": room.notes.works1.id}.get(note_id, note_id)
    refused(error, None, moderation.set_note_hidden, room.workshop, room.facilitator, note_id, hidden)
    db.session.refresh(other.note)
    assert other.note.hidden_at is None and room.notes.works1.hidden_at is None


def test_deleted_note_cannot_be_hidden(room):
    board.delete_note(room.workshop, room.facilitator, room.notes.works1.id)
    db.session.commit()
    refused(
        NotFound,
        "does not exist",
        moderation.set_note_hidden,
        room.workshop,
        room.facilitator,
        room.notes.works1.id,
        True,
    )


def test_removed_participant_cannot_vote_and_their_notes_stay(vote_room):
    w, f, gone = vote_room.workshop, vote_room.facilitator, vote_room.two
    presence.record_connection("sid-two", w, "participant", gone)
    db.session.commit()
    participants.remove_participant(w, f, gone.id)
    db.session.commit()
    assert gone.removed_at is not None
    assert count(LiveConnection) == 0
    assert [p["id"] for p in participants.participant_list(w, f)] == [vote_room.one.id]
    refused(NotAllowed, "Only participants", voting.cast_dot, w, gone, vote_room.a.id, new_client_id())
    assert {n.id for n in board.stage_notes(w, 2)} == {
        vote_room.notes.works1.id,
        vote_room.notes.works2.id,
        vote_room.notes.works3.id,
    }
    assert count(Note, Note.participant_id == gone.id) == 3
    refused(NotFound, "not in the workshop", participants.remove_participant, w, f, gone.id)


def test_removed_participant_cannot_post_notes(room):
    """Removal must hold at every door: the no-JavaScript page posts through add_note."""
    participants.remove_participant(room.workshop, room.facilitator, room.two.id)
    move(room.workshop, room.facilitator, 4)
    refused(NotAllowed, None, board.add_note, room.workshop, room.two, "sigo aquí", new_client_id(), 4)
    assert count(Note, Note.participant_id == room.two.id) == 3


@pytest.mark.parametrize(
    ("participant_id", "error"),
    [
        ("foreign", NotFound),
        (10**9, NotFound),
        ("1", InvalidInput),
        (None, InvalidInput),
        (True, InvalidInput),
    ],
)
def test_remove_participant_refuses_strangers_and_bad_ids(room, other, participant_id, error):
    participant_id = other.participant.id if participant_id == "foreign" else participant_id
    refused(error, None, participants.remove_participant, room.workshop, room.facilitator, participant_id)
    assert count(Participant, Participant.removed_at.is_not(None)) == 0


def test_presence_and_participant_list(room, monkeypatch):
    w, f = room.workshop, room.facilitator
    presence.record_connection("sid-1", w, "participant", room.one)
    presence.record_connection("sid-2", w, "participant", room.one)  # a second tab
    presence.record_connection("sid-3", w, "facilitator", None)
    db.session.commit()
    assert presence.online_participant_ids(w) == {room.one.id}
    assert [(p["name"], p["online"]) for p in participants.participant_list(w, f)] == [
        (None, True),
        ("Rosa", False),
    ]
    assert presence.forget_connection("sid-1") == w.id
    assert presence.forget_connection("sid-1") is None
    db.session.commit()
    assert presence.online_participant_ids(w) == {room.one.id}
    later = clock.now() + presence.ONLINE_WINDOW + timedelta(seconds=5)
    monkeypatch.setattr(presence, "now", lambda: later)
    assert presence.online_participant_ids(w) == set()  # a crashed process ages out
    presence.touch_connection("sid-2")
    db.session.commit()
    assert presence.online_participant_ids(w) == {room.one.id}


def test_participation_counts_only(vote_room):
    w = vote_room.workshop
    dot(w, vote_room.one, vote_room.a.id)
    dot(w, vote_room.one, vote_room.b.id)
    presence.record_connection("sid-1", w, "participant", vote_room.two)
    db.session.commit()
    result = counts.participation(w)
    assert result["online"] == 1
    assert [(s["kind"], s["count"]) for s in result["stages"]] == [
        ("discuss", None),
        ("write", 1),
        ("write", 2),
        ("write", 1),
        ("write", 1),
        ("cluster", None),
        ("vote", 1),
        ("discuss", None),
    ]
    assert all(set(s) == {"index", "kind", "count"} for s in result["stages"])
    assert set(result) == {"online", "stages"}


def test_console_counts_count_every_live_note_per_stage(vote_room, facilitator):
    """The console's note counts: every note not withdrawn, the facilitator's and hidden ones
    included, next to the same participation, all from one statement."""
    w = vote_room.workshop
    stored = db.session.execute(
        select(Note.stage_index, func.count()).where(Note.workshop_id == w.id).group_by(Note.stage_index)
    ).all()
    withdrawn = vote_room.notes.works1
    board.delete_note(w, facilitator, withdrawn.id)
    db.session.commit()
    expected = {str(stage): n - (stage == withdrawn.stage_index) for stage, n in stored}
    both = counts.console_counts(w)
    assert both == {"participation": counts.participation(w), "note_counts": expected}
    assert both["note_counts"] and sum(both["note_counts"].values()) == sum(n for _, n in stored) - 1
