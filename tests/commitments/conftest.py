"""A small room that reached its commitments stage: two groups of ideas, one selected."""

from __future__ import annotations

from datetime import date

import pytest

from workshop.board import services as board
from workshop.clustering import services as clustering
from workshop.extensions import db
from workshop.plans import load_plan_file
from workshop.ranking.services import set_decision
from workshop.workshops.services import change_stage

PLAN = """
title = { es = "Compromisos", en = "Commitments" }
description = { es = "d", en = "d" }
[[stages]]
id = "ideas"
kind = "write"
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué cambiarían?", en = "What would you change?" }
[[stages]]
id = "group"
kind = "cluster"
title = { es = "Agrupar", en = "Group" }
prompt = { es = "Agrupemos", en = "Let us group" }
[[stages]]
id = "commit"
kind = "commit"
title = { es = "Compromisos", en = "Commitments" }
prompt = { es = "¿Qué hacemos, quién y para cuándo?", en = "What do we do, who and by when?" }
"""

DUE = date(2027, 3, 31).isoformat()


@pytest.fixture
def commit_plan(tmp_path):
    path = tmp_path / "commit-plan.toml"
    path.write_text(PLAN)
    return load_plan_file(path)


@pytest.fixture
def make_room(make_workshop, make_participant, facilitator, commit_plan):
    """A workshop on its commit stage (2), with two participants and two groups; the
    group "Turnos" is selected."""

    def make(title: str = "USF Luque", language: str = "es", held_on: date | None = date(2026, 11, 30)):
        workshop = make_workshop(title=title, plan=commit_plan, stage=0, language=language, held_on=held_on)
        people = [make_participant(workshop) for _ in range(2)]
        texts = ["Turnos fijos de enfermería", "Agenda de turnos por teléfono", "Botiquín completo"]
        notes = [
            board.add_note(workshop, people[0], text, f"room-note-{i}-{workshop.id}", 0)[0]
            for i, text in enumerate(texts)
        ]
        change_stage(workshop, facilitator, 1)
        shifts = clustering.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Turnos")
        clustering.group_notes(workshop, facilitator, [notes[2].id], "Insumos")
        set_decision(workshop, facilitator, "cluster", shifts.id, "selected")
        change_stage(workshop, facilitator, 2)
        db.session.commit()
        return workshop, people, shifts

    return make


@pytest.fixture
def room(make_room):
    return make_room()
