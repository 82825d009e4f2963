"""Facilitation toolkit services called directly: reveal, lock, timer, moderation,
participants, presence, clustering, dot voting, 2×2 rating, ranking and decisions.

After a refused operation the test rolls back, as every boundary does.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import move, new_client_id
from workshop.board import services as board
from workshop.board.models import Note
from workshop.clustering import services as clustering
from workshop.clustering.models import Cluster
from workshop.core import clock, stages
from workshop.core.models import Participant, Workshop
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.facilitation import counts, moderation, participants, review, stage_controls, timer
from workshop.live import presence
from workshop.live.models import LiveConnection
from workshop.plans import load_plan, load_plan_file
from workshop.ranking import services as ranking
from workshop.rating import services as rating
from workshop.rating.models import Rating
from workshop.voting import services as voting
from workshop.voting.models import Dot

# pd-discovery: 1 signs, 2 works, 3 barriers, 4 deviants (write); 5 cluster; 6 vote (3 dots, cap 2)
CLUSTER, VOTE = 5, 6
# reform-codesign: 1 ideas (write), 2 merge (cluster), 3 shortlist (vote, 5 dots, cap 2), 4 rate
R_CLUSTER, R_VOTE, R_RATE = 2, 3, 4


def refused(error, match, operation, *args):
    """Run an operation that must be refused, then roll back like a boundary does."""
    with pytest.raises(error, match=match):
        operation(*args)
    db.session.rollback()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def note(workshop, author, stage, text="nota"):
    created, _ = board.add_note(workshop, author, text, new_client_id(), stage)
    return created


def dot(workshop, participant, target_id):
    created, fresh = voting.cast_dot(workshop, participant, target_id, new_client_id())
    db.session.commit()
    assert fresh
    return created


@pytest.fixture
def room(make_workshop, make_participant, facilitator):
    """pd-discovery on its cluster stage with notes in every write stage.

    Only stages 2 ("works") and 4 ("deviants") feed the cluster stage.
    """
    workshop = make_workshop(stage=4)
    one, two = make_participant(workshop), make_participant(workshop, "Rosa")
    notes = SimpleNamespace(
        sign=note(workshop, one, 1),
        works1=note(workshop, one, 2),
        works2=note(workshop, two, 2),
        works3=note(workshop, two, 2),
        barrier=note(workshop, one, 3),
        deviant=note(workshop, two, 4),
    )
    move(workshop, facilitator, CLUSTER)
    return SimpleNamespace(workshop=workshop, one=one, two=two, notes=notes, facilitator=facilitator)


@pytest.fixture
def vote_room(room):
    """The room on its vote stage, with groups a (two notes), b and c (one each)."""
    w, f, n = room.workshop, room.facilitator, room.notes
    room.a = clustering.group_notes(w, f, [n.works1.id, n.works2.id], "Visitas")
    room.b = clustering.group_notes(w, f, [n.works3.id], "Agenda")
    room.c = clustering.group_notes(w, f, [n.deviant.id], "Promotoras")
    move(w, f, VOTE)
    return room


@pytest.fixture
def other(make_workshop, make_participant, facilitator):
    """Another workshop on its cluster stage, with one note in one group."""
    workshop = make_workshop(title="Otro taller", stage=2)
    stranger = make_participant(workshop)
    foreign = note(workshop, stranger, 2, "ajena")
    move(workshop, facilitator, CLUSTER)
    group = clustering.group_notes(workshop, facilitator, [foreign.id], "Ajeno")
    db.session.commit()
    return SimpleNamespace(workshop=workshop, participant=stranger, note=foreign, cluster=group)


@pytest.fixture
def reform(make_workshop, make_participant, facilitator, plans_dir):
    """reform-codesign (in English) on its cluster stage: five ideas, one group each."""
    workshop = make_workshop(plan=load_plan("reform-codesign", plans_dir), stage=1, language="en")
    people = [make_participant(workshop) for _ in range(3)]
    ideas = [note(workshop, people[0], 1, f"idea {i}") for i in range(5)]
    move(workshop, facilitator, R_CLUSTER)
    groups = [
        clustering.group_notes(workshop, facilitator, [idea.id], title)
        for idea, title in zip(ideas, "ABCDE", strict=True)
    ]
    db.session.commit()
    return SimpleNamespace(
        workshop=workshop, people=people, ideas=ideas, facilitator=facilitator, **{c.title: c for c in groups}
    )


def private_workshop(make_workshop, plans_dir, tmp_path) -> Workshop:
    """pd-discovery with its first write stage ("signs") private, on that stage."""
    source = (plans_dir / "pd-discovery.toml").read_text()
    path = tmp_path / "private-plan.toml"
    path.write_text(
        source.replace('id = "signs"\nkind = "write"', 'id = "signs"\nkind = "write"\nprivate = true')
    )
    return make_workshop(plan=load_plan_file(path))


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


def test_reveal_makes_private_notes_visible(
    make_workshop, make_participant, facilitator, plans_dir, tmp_path
):
    from workshop.audiences.state import stage_view

    workshop = private_workshop(make_workshop, plans_dir, tmp_path)
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


# Clustering ---------------------------------------------------------------------------------


def test_group_add_ungroup_rename(room):
    w, f, n = room.workshop, room.facilitator, room.notes
    assert {x.id for x in clustering.clusterable_notes(w, CLUSTER)} == {
        n.works1.id,
        n.works2.id,
        n.works3.id,
        n.deviant.id,
    }
    first = clustering.group_notes(
        w, f, [n.works1.id, n.works2.id, n.works1.id], "  Visitas   casa por casa "
    )
    assert first.title == "Visitas casa por casa" and first.proposed_by_participant is False
    second = clustering.group_notes(w, f, [n.deviant.id], "Promotoras")
    clustering.add_to_cluster(w, f, [n.works3.id, n.works2.id], second.id)
    db.session.commit()
    assert [(c["title"], c["notes"]) for c in clustering.clusters_with_notes(w)] == [
        ("Visitas casa por casa", [n.works1.id]),
        ("Promotoras", [n.works2.id, n.works3.id, n.deviant.id]),
    ]
    clustering.ungroup_notes(w, f, [n.works1.id])  # the emptied group goes away
    clustering.rename_cluster(w, f, second.id, "Agentes comunitarias")
    db.session.commit()
    assert [(c["title"], c["notes"]) for c in clustering.clusters_with_notes(w)] == [
        ("Agentes comunitarias", [n.works2.id, n.works3.id, n.deviant.id])
    ]
    assert db.session.get(Cluster, first.id) is None
    assert n.works1.cluster_id is None


def test_grouping_a_whole_group_elsewhere_drops_the_empty_one(room):
    w, f, n = room.workshop, room.facilitator, room.notes
    old = clustering.group_notes(w, f, [n.works1.id], "Viejo")
    new = clustering.group_notes(w, f, [n.works1.id, n.works2.id], "Nuevo")
    db.session.commit()
    assert [c["id"] for c in clustering.clusters_with_notes(w)] == [new.id]
    assert db.session.get(Cluster, old.id) is None


def test_merge_moves_notes_dots_and_drops_ratings(reform):
    w, f, (one, two, _) = reform.workshop, reform.facilitator, reform.people
    move(w, f, R_VOTE)
    dot(w, one, reform.A.id)
    dot(w, one, reform.B.id)
    dot(w, two, reform.B.id)
    move(w, f, R_RATE)
    rating.rate(w, one, reform.B.id, 4, 4)
    rating.rate(w, one, reform.A.id, 2, 2)
    move(w, f, R_CLUSTER)
    target, _returned = clustering.merge_clusters(w, f, reform.B.id, reform.A.id)
    db.session.commit()
    assert target.id == reform.A.id
    assert db.session.get(Cluster, reform.B.id) is None
    groups = {c["id"]: c["notes"] for c in clustering.clusters_with_notes(w)}
    assert groups[reform.A.id] == [reform.ideas[0].id, reform.ideas[1].id]
    assert voting.totals(w, R_VOTE) == {reform.A.id: 3}
    assert count(Rating, Rating.target_id == reform.B.id) == 0
    assert count(Rating, Rating.target_id == reform.A.id) == 1


def test_dissolve_ungroups_every_note(room):
    w, f, n = room.workshop, room.facilitator, room.notes
    group = clustering.group_notes(w, f, [n.works1.id, n.deviant.id], "Grupo")
    db.session.commit()
    clustering.dissolve_cluster(w, f, group.id)
    db.session.commit()
    assert db.session.get(Cluster, group.id) is None
    assert clustering.clusters_with_notes(w) == []
    assert n.works1.cluster_id is None and n.deviant.cluster_id is None
    assert len(clustering.clusterable_notes(w, CLUSTER)) == 4  # the notes themselves stay


def test_dissolving_a_voted_group_gives_the_dots_back(vote_room):
    """Dots on a dissolved group must not keep using the voter's budget (nor, on SQLite,
    where ids of deleted rows are reused, land on the next new group)."""
    w, f, n = vote_room.workshop, vote_room.facilitator, vote_room.notes
    dot(w, vote_room.one, vote_room.c.id)
    dot(w, vote_room.one, vote_room.c.id)
    move(w, f, CLUSTER)
    clustering.dissolve_cluster(w, f, vote_room.c.id)
    fresh = clustering.group_notes(w, f, [n.deviant.id], "Otra idea")
    move(w, f, VOTE)
    summary = voting.vote_summary(w, VOTE, vote_room.one)
    assert summary["left"] == 3 and summary["mine"] == {}
    voting.set_vote_closed(w, f, True)
    db.session.commit()
    assert voting.totals(w, VOTE).get(fresh.id) is None


@pytest.mark.parametrize(("stage", "message"), [(4, "clustering stage"), (VOTE, "clustering")])
def test_clustering_only_in_a_cluster_stage(room, stage, message):
    move(room.workshop, room.facilitator, stage)
    refused(
        NotAllowed,
        message,
        clustering.group_notes,
        room.workshop,
        room.facilitator,
        [room.notes.works1.id],
        "Grupo",
    )


@pytest.mark.parametrize(
    ("note_ids", "title", "error"),
    [
        ("1", "Grupo", InvalidInput),
        ([], "Grupo", InvalidInput),
        ([True], "Grupo", InvalidInput),
        ([1.0], "Grupo", InvalidInput),
        (list(range(1, 202)), "Grupo", InvalidInput),
        ("own", "", InvalidInput),
        ("own", "   ", InvalidInput),
        ("own", 42, InvalidInput),
        ("own", "x" * 121, InvalidInput),
        ("sign", "Grupo", NotFound),  # stage 1 does not feed this cluster stage
        ("barrier", "Grupo", NotFound),
        ("foreign", "Grupo", NotFound),
        ("hidden", "Grupo", NotFound),
    ],
)
def test_group_notes_refusals(room, other, note_ids, title, error):
    moderation.set_note_hidden(room.workshop, room.facilitator, room.notes.works3.id, True)
    db.session.commit()
    named = {
        "own": room.notes.works1.id,
        "sign": room.notes.sign.id,
        "barrier": room.notes.barrier.id,
        "foreign": other.note.id,
        "hidden": room.notes.works3.id,
    }
    if isinstance(note_ids, str) and note_ids in named:
        note_ids = [room.notes.works2.id, named[note_ids]]
    refused(error, None, clustering.group_notes, room.workshop, room.facilitator, note_ids, title)
    assert count(Cluster, Cluster.workshop_id == room.workshop.id) == 0


@pytest.mark.parametrize("operation", ["add", "rename", "merge_source", "merge_target", "dissolve"])
@pytest.mark.parametrize("cluster_id", ["foreign", 10**9, "1", None])
def test_cluster_ids_of_another_workshop_are_refused(room, other, operation, cluster_id):
    w, f = room.workshop, room.facilitator
    mine = clustering.group_notes(w, f, [room.notes.works1.id], "Mío")
    db.session.commit()
    cluster_id = other.cluster.id if cluster_id == "foreign" else cluster_id
    call = {
        "add": lambda: clustering.add_to_cluster(w, f, [room.notes.works2.id], cluster_id),
        "rename": lambda: clustering.rename_cluster(w, f, cluster_id, "Robado"),
        "merge_source": lambda: clustering.merge_clusters(w, f, cluster_id, mine.id),
        "merge_target": lambda: clustering.merge_clusters(w, f, mine.id, cluster_id),
        "dissolve": lambda: clustering.dissolve_cluster(w, f, cluster_id),
    }[operation]
    refused(InvalidInput if cluster_id in ("1", None) else NotFound, None, call)
    db.session.refresh(other.cluster)
    assert other.cluster.title == "Ajeno"
    assert [c["notes"] for c in clustering.clusters_with_notes(other.workshop)] == [[other.note.id]]
    assert [c["notes"] for c in clustering.clusters_with_notes(w)] == [[room.notes.works1.id]]


def test_merge_needs_two_groups(room):
    group = clustering.group_notes(room.workshop, room.facilitator, [room.notes.works1.id], "G")
    db.session.commit()
    refused(
        InvalidInput,
        "two different",
        clustering.merge_clusters,
        room.workshop,
        room.facilitator,
        group.id,
        group.id,
    )
    assert db.session.get(Cluster, group.id) is not None


def test_participants_propose_groups_only_when_the_plan_lets_them(
    make_workshop, make_participant, facilitator, plans_dir, tmp_path
):
    source = (plans_dir / "pd-discovery.toml").read_text()
    path = tmp_path / "propose-plan.toml"
    path.write_text(
        source.replace(
            'id = "group"\nkind = "cluster"', 'id = "group"\nkind = "cluster"\nparticipants_propose = true'
        )
    )
    workshop = make_workshop(plan=load_plan_file(path), stage=2)
    proposer = make_participant(workshop)
    first, second = note(workshop, proposer, 2), note(workshop, proposer, 2)
    move(workshop, facilitator, CLUSTER)
    group = clustering.group_notes(workshop, proposer, [first.id], "Mi propuesta")
    clustering.add_to_cluster(workshop, proposer, [second.id], group.id)
    db.session.commit()
    assert group.proposed_by_participant is True
    assert clustering.clusters_with_notes(workshop)[0]["proposed"] is True
    for operation in (
        lambda: clustering.ungroup_notes(workshop, proposer, [first.id]),
        lambda: clustering.dissolve_cluster(workshop, proposer, group.id),
        lambda: clustering.rename_cluster(workshop, proposer, group.id, "X"),
    ):
        refused(NotAllowed, "Only a facilitator", operation)


def test_participants_cannot_add_to_groups_without_propose(room):
    group = clustering.group_notes(room.workshop, room.facilitator, [room.notes.works1.id], "G")
    db.session.commit()
    refused(
        NotAllowed,
        "Only a facilitator",
        clustering.add_to_cluster,
        room.workshop,
        room.one,
        [room.notes.works2.id],
        group.id,
    )
    assert room.notes.works2.cluster_id is None


# Dot voting ---------------------------------------------------------------------------------


def test_budget_and_cap(vote_room):
    w, p, a, b, c = vote_room.workshop, vote_room.one, vote_room.a, vote_room.b, vote_room.c
    dot(w, p, a.id)
    dot(w, p, a.id)
    refused(NotAllowed, "At most 2", voting.cast_dot, w, p, a.id, new_client_id())
    dot(w, p, b.id)
    refused(NotAllowed, "no dots left", voting.cast_dot, w, p, c.id, new_client_id())
    assert voting.my_dots(p, VOTE) == {a.id: 2, b.id: 1}
    assert count(Dot) == 3
    assert voting.retract_dot(w, p, a.id) == 1
    db.session.commit()
    dot(w, p, c.id)  # a retracted dot can be placed elsewhere
    assert voting.my_dots(p, VOTE) == {a.id: 1, b.id: 1, c.id: 1}
    assert voting.vote_summary(w, VOTE, p)["left"] == 0


def test_a_retried_dot_is_counted_once(vote_room):
    w, p, client_id = vote_room.workshop, vote_room.one, new_client_id()
    first, created = voting.cast_dot(w, p, vote_room.a.id, client_id)
    db.session.commit()
    again, created_again = voting.cast_dot(w, p, vote_room.a.id, client_id)
    db.session.commit()
    assert created and not created_again and first.id == again.id
    refused(InvalidInput, "already used", voting.cast_dot, w, vote_room.two, vote_room.a.id, client_id)
    assert count(Dot) == 1


@pytest.mark.parametrize(
    ("target", "client_id", "error"),
    [
        ("a", None, InvalidInput),
        ("a", "short", InvalidInput),
        ("a", "has space in it", InvalidInput),
        ("1", "ok", InvalidInput),
        (None, "ok", InvalidInput),
        (True, "ok", InvalidInput),
        (10**9, "ok", NotFound),
        ("foreign", "ok", NotFound),
    ],
)
def test_cast_dot_refuses_bad_input(vote_room, other, target, client_id, error):
    target = {"a": vote_room.a.id, "foreign": other.cluster.id}.get(target, target)
    client_id = new_client_id() if client_id == "ok" else client_id
    refused(error, None, voting.cast_dot, vote_room.workshop, vote_room.one, target, client_id)
    assert count(Dot) == 0


@pytest.mark.parametrize(
    "situation", ["wrong stage", "locked", "closed", "facilitator", "stranger", "set aside"]
)
def test_cast_dot_refused_outside_an_open_vote(vote_room, other, situation):
    w, f, voter = vote_room.workshop, vote_room.facilitator, vote_room.one
    if situation == "wrong stage":
        move(w, f, CLUSTER)
    elif situation == "locked":
        stage_controls.set_locked(w, f, True)
    elif situation == "closed":
        voting.set_vote_closed(w, f, True)
    elif situation == "set aside":
        ranking.set_decision(w, f, "cluster", vote_room.a.id, "set_aside")
    voter = {"facilitator": f, "stranger": other.participant}.get(situation, voter)
    db.session.commit()
    refused(
        NotFound if situation == "set aside" else NotAllowed,
        None,
        voting.cast_dot,
        w,
        voter,
        vote_room.a.id,
        new_client_id(),
    )
    assert count(Dot) == 0


def test_retract_dot_refusals(vote_room):
    w, p, f = vote_room.workshop, vote_room.one, vote_room.facilitator
    refused(NotFound, "no dot", voting.retract_dot, w, p, vote_room.a.id)
    refused(InvalidInput, "take a dot", voting.retract_dot, w, p, "1")
    dot(w, vote_room.two, vote_room.a.id)
    refused(NotFound, "no dot", voting.retract_dot, w, p, vote_room.a.id)  # not someone else's
    dot(w, p, vote_room.a.id)
    voting.set_vote_closed(w, f, True)
    db.session.commit()
    refused(NotAllowed, "closed", voting.retract_dot, w, p, vote_room.a.id)
    assert count(Dot) == 2


def test_totals_are_hidden_until_the_vote_closes(vote_room):
    w, f, a, b = vote_room.workshop, vote_room.facilitator, vote_room.a, vote_room.b
    dot(w, vote_room.one, a.id)
    dot(w, vote_room.one, a.id)
    dot(w, vote_room.two, b.id)
    for who in (None, vote_room.one, vote_room.two):
        summary = voting.vote_summary(w, VOTE, who)
        assert summary["totals"] is None and summary["closed"] is False
        assert summary["voters"] == 2
    assert voting.vote_summary(w, VOTE, vote_room.two)["mine"] == {str(b.id): 1}
    assert voting.vote_summary(w, VOTE, vote_room.two)["left"] == 2
    voting.set_vote_closed(w, f, True)
    db.session.commit()
    assert voting.vote_summary(w, VOTE)["totals"] == {str(a.id): 2, str(b.id): 1}
    voting.set_vote_closed(w, f, False)  # reopened: hidden again
    db.session.commit()
    assert voting.vote_summary(w, VOTE)["totals"] is None


@pytest.mark.parametrize(
    ("stage", "closed", "error"),
    [(VOTE, "yes", InvalidInput), (VOTE, None, InvalidInput), (CLUSTER, True, NotAllowed)],
)
def test_close_vote_refusals(vote_room, stage, closed, error):
    move(vote_room.workshop, vote_room.facilitator, stage)
    refused(error, None, voting.set_vote_closed, vote_room.workshop, vote_room.facilitator, closed)
    assert not voting.is_closed(vote_room.workshop, VOTE)


@pytest.mark.parametrize("spread", [False, True], ids=["one item", "three items"])
def test_concurrent_dots_never_exceed_budget_or_cap(app, vote_room, spread):
    """Many taps of one phone racing each other: the budget (3) and cap (2) still hold."""
    targets = [vote_room.a.id, vote_room.b.id, vote_room.c.id] if spread else [vote_room.a.id]
    threads_count = 8
    stored, errors = [], []
    barrier = threading.Barrier(threads_count, timeout=20)
    workshop_id, participant_id = vote_room.workshop.id, vote_room.one.id
    db.session.rollback()  # the test's own session holds nothing while threads race

    def tap(target_id):
        with app.app_context():
            try:
                w = db.session.get(Workshop, workshop_id)
                p = db.session.get(Participant, participant_id)
                barrier.wait()
                voting.cast_dot(w, p, target_id, new_client_id())
                db.session.commit()
                stored.append(target_id)
            except Exception as error:  # noqa: BLE001 - refusals, locks, serialization
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tap, args=(targets[i % len(targets)],)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    per_item = voting.my_dots(db.session.get(Participant, participant_id), VOTE)
    assert sum(per_item.values()) == count(Dot) <= 3, (per_item, stored, errors)
    assert max(per_item.values(), default=0) <= 2, (per_item, stored, errors)
    assert stored, errors
    assert len(stored) == count(Dot)  # a refused tap stored nothing
    unexpected = [
        e
        for e in errors
        if not isinstance(e, NotAllowed | InvalidInput)
        and "locked" not in str(e)
        and "serializ" not in str(e).lower()
        and "deadlock" not in str(e).lower()
    ]
    assert not unexpected


# Rating and ranking -------------------------------------------------------------------------


def test_rating_again_replaces_the_values(reform):
    w, p = reform.workshop, reform.people[0]
    move(w, reform.facilitator, R_RATE)
    rating.rate(w, p, reform.A.id, 1, 5)
    db.session.commit()
    rating.rate(w, p, reform.A.id, 5, 2)
    db.session.commit()
    assert count(Rating) == 1
    assert rating.my_ratings(p.id, R_RATE) == {str(reform.A.id): [5, 2]}


@pytest.mark.parametrize(
    ("x", "y", "error"),
    [
        (0, 3, InvalidInput),
        (6, 3, InvalidInput),
        (3, "3", InvalidInput),
        (3.5, 3, InvalidInput),
        (True, 3, InvalidInput),
        (None, 3, InvalidInput),
    ],
)
def test_ratings_go_from_1_to_5(reform, x, y, error):
    move(reform.workshop, reform.facilitator, R_RATE)
    refused(error, "1 to 5", rating.rate, reform.workshop, reform.people[0], reform.A.id, x, y)
    assert count(Rating) == 0


@pytest.mark.parametrize(
    "situation",
    [
        "wrong stage",
        "locked",
        "facilitator",
        "stranger",
        "removed",
        "foreign target",
        "bad target",
        "set aside",
    ],
)
def test_rate_refusals(reform, other, situation):
    w, f, rater, target = reform.workshop, reform.facilitator, reform.people[0], reform.A.id
    move(w, f, R_VOTE if situation == "wrong stage" else R_RATE)
    if situation == "locked":
        stage_controls.set_locked(w, f, True)
    elif situation == "removed":
        participants.remove_participant(w, f, rater.id)
    elif situation == "set aside":
        ranking.set_decision(w, f, "cluster", target, "set_aside")
    rater = {"facilitator": f, "stranger": other.participant}.get(situation, rater)
    target = {"foreign target": other.cluster.id, "bad target": True}.get(situation, target)
    db.session.commit()
    error = {"foreign target": NotFound, "set aside": NotFound, "bad target": InvalidInput}.get(
        situation, NotAllowed
    )
    refused(error, None, rating.rate, w, rater, target, 3, 3)
    assert count(Rating) == 0


def test_matrix_means_spread_and_quadrant(reform):
    w, (one, two, three) = reform.workshop, reform.people
    move(w, reform.facilitator, R_RATE)
    rating.rate(w, one, reform.A.id, 4, 4)
    rating.rate(w, two, reform.A.id, 2, 2)
    rating.rate(w, three, reform.A.id, 3, 5)
    rating.rate(w, one, reform.B.id, 1, 2)
    db.session.commit()
    by_title = {row["title"]: row for row in rating.matrix(w, R_RATE)}
    a = by_title["A"]
    assert (a["count"], a["x"], a["y"], a["quadrant"]) == (3, 3.0, 3.67, "quick_win")
    assert (a["x_spread"], a["y_spread"]) == (0.82, 1.25)
    assert a["points"] == [(2, 2), (3, 5), (4, 4)]
    assert (by_title["B"]["x"], by_title["B"]["quadrant"], by_title["B"]["x_spread"]) == (
        1.0,
        "thankless",
        0.0,
    )
    assert (by_title["C"]["count"], by_title["C"]["x"], by_title["C"]["quadrant"]) == (0, None, None)
    assert rating.rater_count(w, R_RATE) == 3


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (3.0, 3.0, "quick_win"),
        (5, 2.99, "major_project"),
        (2.99, 5, "fill_in"),
        (1, 1, "thankless"),
        (None, 3, None),
    ],
)
def test_quadrants(x, y, expected):
    assert rating.quadrant(x, y) == expected


def test_ranking_dots_then_quadrant_and_ties_share_a_rank(reform):
    w, f, (one, two, three) = reform.workshop, reform.facilitator, reform.people
    move(w, f, R_VOTE)
    for voter, targets in ((one, "AABC"), (two, "ABC")):
        for title in targets:
            dot(w, voter, getattr(reform, title).id)
    assert {e["title"]: e["dots"] for e in ranking.ranking(w)} == dict.fromkeys("ABCDE", 0)
    voting.set_vote_closed(w, f, True)
    move(w, f, R_RATE)
    rating.rate(w, one, reform.B.id, 4, 4)
    rating.rate(w, two, reform.B.id, 4, 4)
    rating.rate(w, one, reform.C.id, 5, 3)  # same means as B, another spread: still a tie
    rating.rate(w, two, reform.C.id, 3, 5)
    rating.rate(w, three, reform.D.id, 4, 2)
    db.session.commit()
    entries = ranking.ranking(w)
    assert [(e["title"], e["rank"], e["tied"]) for e in entries] == [
        ("A", 1, False),
        ("B", 2, True),
        ("C", 2, True),
        ("D", 4, False),
        ("E", 5, False),
    ]
    reasons = {e["title"]: e["reason"] for e in entries}
    assert reasons == {
        "A": "3 dots",
        "B": "2 dots; impact 4.0, feasibility 4.0 (quick win)",
        "C": "2 dots; impact 4.0, feasibility 4.0 (quick win)",
        "D": "0 dots; impact 4.0, feasibility 2.0 (major project)",
        "E": "0 dots",
    }
    c = next(e for e in entries if e["title"] == "C")
    assert (c["dots"], c["quadrant"], c["ratings"], c["x_spread"]) == (2, "quick_win", 2, 1.0)


def test_ranking_orders_equal_dots_by_quadrant(reform):
    w, f, (one, *_) = reform.workshop, reform.facilitator, reform.people
    move(w, f, R_RATE)
    for title, (x, y) in zip("ABCD", [(1, 1), (2, 4), (5, 1), (5, 5)], strict=True):
        rating.rate(w, one, getattr(reform, title).id, x, y)
    db.session.commit()
    assert [(e["title"], e["quadrant"], e["rank"]) for e in ranking.ranking(w)] == [
        ("D", "quick_win", 1),
        ("C", "major_project", 2),
        ("B", "fill_in", 3),
        ("A", "thankless", 4),
        ("E", None, 5),
    ]


def test_decisions(reform, other):
    w, f = reform.workshop, reform.facilitator
    ranking.set_decision(w, f, "cluster", reform.A.id, "selected")
    ranking.set_decision(w, f, "cluster", reform.B.id, "set_aside")
    ranking.set_decision(w, f, "note", reform.ideas[2].id, "selected")
    db.session.commit()
    assert {e["title"]: e["decision"] for e in ranking.ranking(w)}["A"] == "selected"
    assert reform.ideas[2].decision == "selected"
    assert reform.B.id not in {c["id"] for c in voting.candidates(w, R_VOTE)}
    ranking.set_decision(w, f, "cluster", reform.B.id, None)  # cleared
    db.session.commit()
    assert reform.B.decision is None
    assert reform.B.id in {c["id"] for c in voting.candidates(w, R_VOTE)}


@pytest.mark.parametrize(
    ("target_type", "target_id", "decision", "error"),
    [
        ("cluster", "A", "maybe", InvalidInput),
        ("cluster", "A", "", InvalidInput),
        ("idea", "A", "selected", InvalidInput),
        (None, "A", "selected", InvalidInput),
        ("cluster", "1", "selected", InvalidInput),
        ("cluster", True, "selected", InvalidInput),
        ("cluster", 10**9, "selected", NotFound),
        ("cluster", "foreign cluster", "selected", NotFound),
        ("note", "foreign note", "selected", NotFound),
    ],
)
def test_decision_refusals(reform, other, target_type, target_id, decision, error):
    target_id = {"A": reform.A.id, "foreign cluster": other.cluster.id, "foreign note": other.note.id}.get(
        target_id, target_id
    )
    refused(
        error,
        None,
        ranking.set_decision,
        reform.workshop,
        reform.facilitator,
        target_type,
        target_id,
        decision,
    )
    db.session.refresh(other.cluster)
    db.session.refresh(other.note)
    assert reform.A.decision is None and other.cluster.decision is None
    assert other.note.decision is None
