"""Participants may propose groups, never undo the facilitator's; merging never leaves
anyone above a vote's cap: the extra dots go back to their voters."""

from __future__ import annotations

import pytest

from workshop.board import services as board
from workshop.clustering import services as clustering
from workshop.clustering.models import Cluster
from workshop.errors import NotAllowed
from workshop.extensions import db
from workshop.plans import load_plan_file
from workshop.voting import services as voting
from workshop.workshops.services import change_stage

PLAN = """
title = { es = "Propuestas", en = "Proposals" }
description = { es = "d", en = "d" }
[[stages]]
id = "ideas"
kind = "write"
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué?", en = "What?" }
[[stages]]
id = "group"
kind = "cluster"
participants_propose = true
title = { es = "Agrupar", en = "Group" }
prompt = { es = "Agrupemos", en = "Let us group" }
[[stages]]
id = "vote"
kind = "vote"
dots = 4
cap = 2
title = { es = "Votar", en = "Vote" }
prompt = { es = "Votemos", en = "Let us vote" }
[[stages]]
id = "regroup"
kind = "cluster"
title = { es = "Reagrupar", en = "Regroup" }
prompt = { es = "Unamos", en = "Merge" }
"""


@pytest.fixture
def room(tmp_path, make_workshop, make_participant, facilitator):
    path = tmp_path / "proposals.toml"
    path.write_text(PLAN)
    workshop = make_workshop(plan=load_plan_file(path), stage=0)
    people = [make_participant(workshop) for _ in range(2)]
    notes = [board.add_note(workshop, people[0], f"Idea {n}", f"proposal-note-{n}", 0)[0] for n in range(4)]
    change_stage(workshop, facilitator, 1)
    db.session.commit()
    return workshop, people, notes, facilitator


def test_participants_group_loose_notes_but_never_take_the_facilitators(room):
    workshop, people, notes, facilitator = room
    ours = clustering.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Del equipo")
    db.session.commit()
    with pytest.raises(NotAllowed):
        clustering.group_notes(workshop, people[1], [notes[0].id, notes[2].id], "Mía")
    db.session.rollback()
    with pytest.raises(NotAllowed):
        clustering.add_to_cluster(workshop, people[1], [notes[2].id], ours.id)
    db.session.rollback()
    proposal = clustering.group_notes(workshop, people[1], [notes[2].id, notes[3].id], "Propuesta")
    db.session.commit()
    assert proposal.proposed_by_participant
    groups = {c["id"]: c["notes"] for c in clustering.clusters_with_notes(workshop)}
    assert groups[ours.id] == [notes[0].id, notes[1].id]
    assert db.session.get(Cluster, ours.id) is not None


def test_a_merge_over_the_cap_gives_the_extra_dots_back(room):
    workshop, people, notes, facilitator = room
    a = clustering.group_notes(workshop, facilitator, [notes[0].id], "A")
    b = clustering.group_notes(workshop, facilitator, [notes[1].id], "B")
    change_stage(workshop, facilitator, 2)
    db.session.commit()
    voter = people[0]
    for number, target in enumerate([a.id, a.id, b.id, b.id]):
        voting.cast_dot(workshop, voter, target, f"merge-dot-{number:02d}")
    voting.set_vote_closed(workshop, facilitator, True)
    change_stage(workshop, facilitator, 3)
    db.session.commit()
    merged, returned = clustering.merge_clusters(workshop, facilitator, b.id, a.id)
    db.session.commit()
    assert merged.id == a.id and returned == 2
    assert voting.my_dots(voter, 2) == {a.id: 2}  # the cap holds on the merged idea
