"""Ranking and decisions called directly: dots first, then quadrant, ties sharing a rank;
selecting and setting ideas aside.

After a refused operation the test rolls back, as every boundary does.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import dot, move, refused
from workshop.errors import InvalidInput, NotFound
from workshop.extensions import db
from workshop.ranking import services as ranking
from workshop.rating import services as rating
from workshop.voting import services as voting

# reform-codesign: 1 ideas (write), 2 merge (cluster), 3 shortlist (vote, 5 dots, cap 2), 4 rate
R_VOTE, R_RATE = 3, 4


@pytest.fixture
def other(facilitator):
    return factories.other_workshop(facilitator)


@pytest.fixture
def reform(facilitator):
    return factories.reform_ideas(facilitator)


# Ranking and decisions ---------------------------------------------------------------------


def test_ranking_dots_then_quadrant_and_ties_share_a_rank(reform):
    w, f, (one, two, three) = reform.workshop, reform.facilitator, reform.people
    move(w, f, R_VOTE)
    for voter, targets in ((one, "AABC"), (two, "ABC")):
        for title in targets:
            dot(w, voter, getattr(reform, title).id)
    assert {e["title"]: e["dots"] for e in ranking.ranking(w)} == dict.fromkeys("ABCDE", 0)
    voting.set_vote_closed(w, f, True)
    # D got no dot: selected by the facilitator, it joins the rating's short list anyway.
    ranking.set_decision(w, f, "cluster", reform.D.id, "selected")
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
