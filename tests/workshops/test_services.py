"""Workshop services called directly: creating, join codes, joining, changing stage."""

from __future__ import annotations

import pytest

from workshop.core import codes as join_codes
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.workshops import services as workshops


def test_create_workshop_has_readable_unique_code(make_workshop):
    codes = {make_workshop(title=f"W{i}").code for i in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == join_codes.CODE_LENGTH
        assert set(code) <= set(join_codes.CODE_ALPHABET)
        assert not set(code) & set("0O1IL2Z5S8B")


def test_create_workshop_refuses_empty_title(facilitator, plan):
    with pytest.raises(InvalidInput, match="title"):
        workshops.create_workshop(facilitator, plan, "   ")


def test_code_is_found_as_people_type_it(workshop):
    typed = f" {workshop.code[:3].lower()}-{workshop.code[3:].lower()} "
    assert workshops.workshop_for_code(typed).id == workshop.id
    with pytest.raises(NotFound, match="No workshop has this code"):
        workshops.workshop_for_code("AAA-AAA")
    with pytest.raises(NotFound):
        workshops.workshop_for_code("")


def test_closed_workshop_code_no_longer_works(workshop):
    workshop.status = "closed"
    db.session.commit()
    with pytest.raises(NotAllowed, match="ended"):
        workshops.workshop_for_code(workshop.code)


def test_join_is_anonymous_by_default(workshop):
    participant = workshops.join_workshop(workshop)
    assert participant.display_name is None
    assert len(participant.token) >= 32
    named = workshops.join_workshop(workshop, "  Rosa   M. ")
    assert named.display_name == "Rosa M."
    with pytest.raises(InvalidInput):
        workshops.join_workshop(workshop, "x" * 41)


def test_change_stage_only_by_facilitator(workshop, participant, facilitator):
    before = workshop.revision
    workshops.change_stage(workshop, facilitator, 2)
    assert workshop.current_stage == 2
    assert workshop.revision > before
    with pytest.raises(NotAllowed, match="Only a facilitator"):
        workshops.change_stage(workshop, participant, 3)
    with pytest.raises(NotAllowed):
        workshops.change_stage(workshop, None, 3)
    with pytest.raises(InvalidInput, match="no such stage"):
        workshops.change_stage(workshop, facilitator, 99)
    with pytest.raises(InvalidInput):
        workshops.change_stage(workshop, facilitator, "2")
    assert workshop.current_stage == 2
