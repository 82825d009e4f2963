"""A rate stage with `shortlist = N` offers only the vote's short list: the top N ideas by
dots (ties at the boundary kept, never an idea without a dot) plus every selected idea; the
whole list while the vote before it is still open. reform-codesign ships `shortlist = 6`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories
from tests.factories import PLANS_DIR, dot, move, refused
from workshop.audiences.state import workshop_state
from workshop.errors import NotFound
from workshop.extensions import db
from workshop.plans import load_plan_file
from workshop.ranking import services as ranking
from workshop.rating import services as rating
from workshop.voting import services as voting

R_VOTE, R_RATE = 3, 4


def shortlist_of(size: int, folder: Path):
    """reform-codesign with another short-list size."""
    text = (PLANS_DIR / "reform-codesign.toml").read_text().replace("shortlist = 6", f"shortlist = {size}")
    path = folder / "reform-codesign.toml"
    path.write_text(text)
    return load_plan_file(path)


@pytest.fixture
def room(facilitator, tmp_path):
    """Ideas A … E; votes A 3, B 2, C 2, D 1, E 0; the vote closed; short list of 2."""
    room = factories.reform_ideas(facilitator)
    workshop = room.workshop
    workshop.plan_data = shortlist_of(2, tmp_path).to_data()
    workshop.plan_version += 1
    db.session.commit()
    one, two, three = room.people
    move(workshop, facilitator, R_VOTE)
    for voter, titles in ((one, "AAB"), (two, "ABC"), (three, "CD")):
        for title in titles:
            dot(workshop, voter, getattr(room, title).id)
    return room


def offered(room) -> list[str]:
    return [c["title"] for c in voting.candidates(room.workshop, R_RATE)]


def test_the_short_list_is_the_top_ideas_with_ties_kept(room):
    voting.set_vote_closed(room.workshop, room.facilitator, True)
    move(room.workshop, room.facilitator, R_RATE)
    # Top 2: A (3), then B and C tied at 2: both stay.
    assert offered(room) == ["A", "B", "C"]
    phone = workshop_state(room.workshop, "participant", room.people[0])
    assert [c["title"] for c in phone["rating"]["candidates"]] == ["A", "B", "C"]
    screen = workshop_state(room.workshop, "screen")
    assert [c["title"] for c in screen["rating"]["matrix"]] == ["A", "B", "C"]


def test_an_idea_off_the_list_cannot_be_rated(room):
    voting.set_vote_closed(room.workshop, room.facilitator, True)
    move(room.workshop, room.facilitator, R_RATE)
    refused(NotFound, "not one of the options", rating.rate, room.workshop, room.people[0], room.D.id, 3, 3)
    rating.rate(room.workshop, room.people[0], room.A.id, 3, 3)
    db.session.commit()


def test_selected_ideas_join_the_short_list_and_set_aside_ones_leave_it(room):
    voting.set_vote_closed(room.workshop, room.facilitator, True)
    ranking.set_decision(room.workshop, room.facilitator, "cluster", room.E.id, "selected")
    ranking.set_decision(room.workshop, room.facilitator, "cluster", room.B.id, "set_aside")
    db.session.commit()
    move(room.workshop, room.facilitator, R_RATE)
    assert offered(room) == ["A", "C", "E"]


def test_while_the_vote_is_open_every_idea_is_offered(room):
    move(room.workshop, room.facilitator, R_RATE)
    assert offered(room) == ["A", "B", "C", "D", "E"]


def test_a_list_longer_than_the_voted_ideas_leaves_out_ideas_without_dots(room, tmp_path):
    room.workshop.plan_data = shortlist_of(40, tmp_path).to_data()
    room.workshop.plan_version += 1
    voting.set_vote_closed(room.workshop, room.facilitator, True)
    db.session.commit()
    move(room.workshop, room.facilitator, R_RATE)
    assert offered(room) == ["A", "B", "C", "D"]
