"""A private stage's notes stay with their authors and the facilitator until revealed —
also in the cluster, vote and rate stages that later work on them — and the report says
whether they ever were revealed."""

from __future__ import annotations

import pytest

from workshop.audiences.state import workshop_state
from workshop.board import services as board
from workshop.extensions import db
from workshop.plans import load_plan_file
from workshop.reports.data import build_report
from workshop.workshops.services import change_stage, private_notes_pending

PLAN = """
title = { es = "Privado", en = "Private" }
description = { es = "d", en = "d" }
[[stages]]
id = "ideas"
kind = "write"
private = true
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué?", en = "What?" }
[[stages]]
id = "vote"
kind = "vote"
target = "notes"
dots = 2
notes_from = ["ideas"]
title = { es = "Votar", en = "Vote" }
prompt = { es = "Votemos", en = "Let us vote" }
"""
SECRET = "El jefe nunca viene"


@pytest.fixture
def private_room(tmp_path, make_workshop, make_participant, facilitator):
    path = tmp_path / "private-vote.toml"
    path.write_text(PLAN)
    workshop = make_workshop(plan=load_plan_file(path), stage=0)
    author, other = make_participant(workshop), make_participant(workshop)
    board.add_note(workshop, author, SECRET, "secret-note-1", 0)
    db.session.commit()
    return workshop, author, other, facilitator


def texts(state: dict) -> str:
    return repr(state)


def test_a_later_stage_keeps_unrevealed_notes_from_the_room(private_room):
    workshop, author, other, facilitator = private_room
    assert private_notes_pending(workshop, 1) == [0]
    change_stage(workshop, facilitator, 1)  # moving on without revealing
    db.session.commit()
    assert SECRET in texts(workshop_state(workshop, "facilitator"))
    assert SECRET not in texts(workshop_state(workshop, "screen"))
    assert SECRET not in texts(workshop_state(workshop, "participant", other))
    own = workshop_state(workshop, "participant", author)
    assert [note["text"] for note in own["notes"]] == [SECRET]  # the author still sees their own
    assert build_report(workshop)["stages"][0]["revealed"] is False


def test_revealing_on_the_way_shows_them_to_everyone(private_room):
    workshop, _author, other, facilitator = private_room
    change_stage(workshop, facilitator, 1, reveal=True)
    db.session.commit()
    assert SECRET in texts(workshop_state(workshop, "screen"))
    assert SECRET in texts(workshop_state(workshop, "participant", other))
    stage = build_report(workshop)["stages"][0]
    assert stage["revealed"] is True and stage["revealed_at"]
    assert private_notes_pending(workshop, 1) == []
