"""Limits that protect a room without getting in its way."""

from __future__ import annotations

import pytest

from workshop.errors import InvalidInput, NotAllowed
from workshop.extensions import db
from workshop.facilitation import timer
from workshop.workshops.services import join_workshop


def test_a_workshop_takes_participants_up_to_its_cap(workshop):
    for _ in range(3):
        join_workshop(workshop, limit=3)
    db.session.commit()
    with pytest.raises(NotAllowed, match="full"):
        join_workshop(workshop, limit=3)


def test_the_timer_cannot_be_extended_beyond_three_hours(workshop, facilitator):
    timer.start_timer(workshop, facilitator, 2 * 60 * 60)
    db.session.commit()
    timer.extend_timer(workshop, facilitator, 30 * 60)
    db.session.commit()
    with pytest.raises(InvalidInput, match="3"):
        timer.extend_timer(workshop, facilitator, 31 * 60)
    db.session.rollback()
    timer.pause_timer(workshop, facilitator)
    with pytest.raises(InvalidInput, match="3"):
        timer.extend_timer(workshop, facilitator, 60 * 60)


def test_the_join_link_refuses_when_the_workshop_is_full(app, workshop):
    app.config["MAX_PARTICIPANTS"] = 2
    statuses = [app.test_client().get(f"/j/{workshop.code}").status_code for _ in range(3)]
    assert statuses == [302, 302, 403]
