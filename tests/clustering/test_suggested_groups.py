"""Suggested groups at a clustering stage: offered to the facilitator only, among the
notes not grouped yet, changing nothing until the facilitator accepts one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workshop.board import services as board
from workshop.clustering import services as clustering
from workshop.clustering.models import Cluster
from workshop.errors import NotAllowed
from workshop.extensions import db, socketio
from workshop.live import NAMESPACE
from workshop.workshops.services import change_stage

CLUSTER = 5  # pd-discovery: the stage that groups the notes of the write stages before it
LOGIN = {"email": "ana@example.org", "password": "correct horse battery"}
NOTES = [
    "Faltan turnos para vacunación los lunes",
    "La vacunación de los niños se atrasa por falta de turnos",
    "Hay pocos turnos de vacunación en la tarde",
    "Las visitas domiciliarias no tienen movilidad",
    "Para las visitas domiciliarias no hay vehículo",
    "Sin movilidad no hacemos visitas domiciliarias",
    "El techo de la sala de espera gotea",
]


@pytest.fixture
def room(workshop, make_participant, facilitator):
    person = make_participant(workshop)
    change_stage(workshop, facilitator, 2)  # "works": a stage the grouping stage takes notes from
    notes = [board.add_note(workshop, person, text, f"suggest-{n}", 2)[0] for n, text in enumerate(NOTES)]
    change_stage(workshop, facilitator, CLUSTER)
    db.session.commit()
    return workshop, person, notes, facilitator


def _texts(notes, ids):
    by_id = {note.id: note.text for note in notes}
    return {by_id[i] for i in ids}


def test_similar_loose_notes_are_suggested_and_nothing_changes(room):
    workshop, _, notes, facilitator = room
    suggestions = clustering.suggested_groups(workshop, facilitator)
    groups = [_texts(notes, s["note_ids"]) for s in suggestions]
    assert set(NOTES[:3]) in groups
    assert set(NOTES[3:6]) in groups
    assert all(NOTES[6] not in group for group in groups)
    assert all(s["title"] and 0 < s["cohesion"] <= 1 for s in suggestions)
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 0


def test_notes_already_grouped_are_never_suggested_again(room):
    workshop, _, notes, facilitator = room
    clustering.group_notes(workshop, facilitator, [n.id for n in notes[:3]], "Vacunación")
    db.session.commit()
    suggested = {i for s in clustering.suggested_groups(workshop, facilitator) for i in s["note_ids"]}
    assert suggested and not suggested & {n.id for n in notes[:3]}


def test_only_the_facilitator_gets_suggestions_and_only_while_clustering(room):
    workshop, person, _, facilitator = room
    with pytest.raises(NotAllowed):
        clustering.suggested_groups(workshop, person)
    change_stage(workshop, facilitator, CLUSTER + 1)
    db.session.commit()
    with pytest.raises(NotAllowed):
        clustering.suggested_groups(workshop, facilitator)


def _connect(app, workshop, audience):
    http = app.test_client()
    if audience == "facilitator":
        http.post("/login", data=LOGIN)
    else:
        http.get(f"/j/{workshop.code}")
    client = socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=http,
        auth={"workshop": workshop.id, "audience": audience},
    )
    assert client.is_connected(NAMESPACE)
    return client


def test_the_console_asks_accepts_one_and_a_phone_is_refused(app, room):
    workshop, _, notes, _ = room
    console = _connect(app, workshop, "facilitator")
    ack = console.emit("suggest_groups", {}, namespace=NAMESPACE, callback=True)
    assert ack["ok"], ack
    first = ack["suggestions"][0]
    accepted = console.emit(
        "group_notes",
        {"note_ids": first["note_ids"], "title": first["title"]},
        namespace=NAMESPACE,
        callback=True,
    )
    assert accepted["ok"], accepted
    cluster = db.session.get(Cluster, accepted["cluster_id"])
    assert cluster.title == first["title"]

    from flask import g

    g.pop("_login_user", None)  # the test app shares `g`: the phone is another browser
    phone = _connect(app, workshop, "participant")
    refused = phone.emit("suggest_groups", {}, namespace=NAMESPACE, callback=True)
    assert refused["ok"] is False and refused["error"] == "not_allowed"
