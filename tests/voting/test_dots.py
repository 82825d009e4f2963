"""Dot voting services called directly: budget and cap (also under concurrency), retried
dots counted once, hidden totals until the vote closes, refusals.

After a refused operation the test rolls back, as every boundary does.
"""

from __future__ import annotations

import threading

import pytest

from tests import factories
from tests.factories import CLUSTER, VOTE, count, dot, move, new_client_id, refused
from workshop.core.models import Participant, Workshop
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.facilitation import stage_controls
from workshop.ranking import services as ranking
from workshop.voting import services as voting
from workshop.voting.models import Dot


@pytest.fixture
def room(facilitator):
    return factories.cluster_room(facilitator)


@pytest.fixture
def vote_room(room):
    return factories.vote_room(room)


@pytest.fixture
def other(facilitator):
    return factories.other_workshop(facilitator)


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
