"""2×2 rating services called directly: rating again, the 1–5 range, refusals, the matrix
of means and spread, the quadrants.

After a refused operation the test rolls back, as every boundary does.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import count, move, refused
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.facilitation import participants, stage_controls
from workshop.ranking import services as ranking
from workshop.rating import services as rating
from workshop.rating.models import Rating

# reform-codesign: 1 ideas (write), 2 merge (cluster), 3 shortlist (vote, 5 dots, cap 2), 4 rate
R_VOTE, R_RATE = 3, 4


@pytest.fixture
def other(facilitator):
    return factories.other_workshop(facilitator)


@pytest.fixture
def reform(facilitator):
    return factories.reform_ideas(facilitator)


# Rating ---------------------------------------------------------------------------------------


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
