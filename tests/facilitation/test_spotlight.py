"""Spotlight: the facilitator points the room at one group or note; it is stored on the
workshop, refused for another workshop's ids, malformed input and notes the room may not
see, and it goes away with its item or when the room moves to another stage."""

from __future__ import annotations

import pytest

from workshop.audiences.state import workshop_state
from workshop.board import services as board
from workshop.clustering import services as clustering
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db, socketio
from workshop.facilitation.moderation import moderate_note, set_note_hidden
from workshop.facilitation.spotlight import release_spotlight, set_spotlight, spotlight_data
from workshop.facilitation.stage_controls import reveal_stage
from workshop.live import NAMESPACE
from workshop.plans import load_plan_file
from workshop.workshops.services import change_stage

WORKS, DEVIANTS, GROUP, VOTE = 2, 4, 5, 6  # pd-discovery
LOGIN = {"email": "ana@example.org", "password": "correct horse battery"}

PRIVATE_PLAN = """
title = { es = "Privado", en = "Private" }
description = { es = "d", en = "d" }
[[stages]]
id = "ideas"
kind = "write"
private = true
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué?", en = "What?" }
"""


def note(workshop, participant, text: str, stage: int, key: str):
    created, _new = board.add_note(workshop, participant, text, f"spot-{key}-0001", stage)
    db.session.commit()
    return created


@pytest.fixture
def room(make_workshop, make_participant, facilitator):
    """A workshop at its clustering stage: two groups of notes and one loose note."""
    workshop = make_workshop(stage=WORKS)
    ana = make_participant(workshop)
    notes = [note(workshop, ana, f"Práctica {i}", WORKS, f"n{i}") for i in range(5)]
    change_stage(workshop, facilitator, GROUP)
    first = clustering.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Visitas")
    second = clustering.group_notes(workshop, facilitator, [notes[2].id, notes[3].id], "Stock")
    db.session.commit()
    return workshop, ana, notes, first, second


def test_a_group_in_the_spotlight_reaches_every_audience(app, facilitator, room):
    workshop, ana, _notes, first, _second = room
    before = workshop.revision
    set_spotlight(workshop, facilitator, "cluster", first.id)
    db.session.commit()
    assert (workshop.spotlight_type, workshop.spotlight_id) == ("cluster", first.id)
    assert workshop.revision == before + 1
    expected = {"type": "cluster", "id": first.id, "text": "Visitas"}
    for audience, who in (
        ("facilitator", None),
        ("screen", None),
        ("participant", ana),
        ("participant", None),
    ):
        assert workshop_state(workshop, audience, who)["spotlight"] == expected


def test_a_note_in_the_spotlight_then_another_then_released(app, facilitator, room):
    workshop, _ana, notes, first, _second = room
    set_spotlight(workshop, facilitator, "cluster", first.id)
    set_spotlight(workshop, facilitator, "note", notes[4].id)
    db.session.commit()
    assert spotlight_data(workshop, "screen") == {
        "type": "note",
        "id": notes[4].id,
        "text": "Práctica 4",
        "stage": WORKS,
    }
    assert release_spotlight(workshop, facilitator) is True
    db.session.commit()
    assert workshop.spotlight_type is None and workshop.spotlight_id is None
    assert workshop_state(workshop, "screen")["spotlight"] is None
    assert release_spotlight(workshop, facilitator) is False


@pytest.mark.parametrize(
    ("target_type", "target_id"),
    [
        (None, 1),
        ("idea", 1),
        ("Cluster", 1),
        (["note"], 1),
        ("note", "1"),
        ("note", True),
        ("note", 0),
        ("note", 2**70),
    ],
)
def test_malformed_input_is_refused(app, facilitator, room, target_type, target_id):
    workshop = room[0]
    with pytest.raises(InvalidInput):
        set_spotlight(workshop, facilitator, target_type, target_id)


def test_another_workshops_ids_are_refused_with_a_clear_message(app, facilitator, room, make_workshop):
    workshop, _ana, notes, first, _second = room
    other = make_workshop(title="Otra USF", stage=GROUP)
    with pytest.raises(NotFound, match="This note does not exist"):
        set_spotlight(other, facilitator, "note", notes[0].id)
    with pytest.raises(NotFound, match="This group does not exist"):
        set_spotlight(other, facilitator, "cluster", first.id)
    with pytest.raises(NotFound):
        set_spotlight(workshop, facilitator, "note", 10**9)
    assert other.spotlight_type is None


def test_only_a_facilitator_spotlights_and_releases(app, room, make_participant):
    workshop, ana, notes, first, _second = room
    with pytest.raises(NotAllowed):
        set_spotlight(workshop, ana, "cluster", first.id)
    with pytest.raises(NotAllowed):
        set_spotlight(workshop, None, "note", notes[0].id)
    with pytest.raises(NotAllowed):
        release_spotlight(workshop, ana)


def test_a_hidden_note_cannot_be_spotlighted_and_hiding_releases_it(app, facilitator, room):
    workshop, _ana, notes, _first, _second = room
    set_spotlight(workshop, facilitator, "note", notes[4].id)
    set_note_hidden(workshop, facilitator, notes[4].id, True)
    db.session.commit()
    assert workshop.spotlight_type is None
    with pytest.raises(NotAllowed, match="reveal it first"):
        set_spotlight(workshop, facilitator, "note", notes[4].id)


def test_a_private_note_needs_revealing_first(app, tmp_path, facilitator, make_workshop, make_participant):
    path = tmp_path / "private.toml"
    path.write_text(PRIVATE_PLAN)
    workshop = make_workshop(plan=load_plan_file(path), stage=0)
    ana = make_participant(workshop)
    secret = note(workshop, ana, "El jefe nunca viene", 0, "secret")
    with pytest.raises(NotAllowed, match="reveal it first"):
        set_spotlight(workshop, facilitator, "note", secret.id)
    db.session.rollback()
    # Even a spotlight stored by other means never shows the room a private note.
    workshop.spotlight_type, workshop.spotlight_id = "note", secret.id
    db.session.commit()
    assert spotlight_data(workshop, "screen") is None
    assert spotlight_data(workshop, "participant") is None
    assert spotlight_data(workshop, "facilitator")["text"] == "El jefe nunca viene"
    reveal_stage(workshop, facilitator)
    set_spotlight(workshop, facilitator, "note", secret.id)
    db.session.commit()
    assert workshop_state(workshop, "screen")["spotlight"]["text"] == "El jefe nunca viene"


def test_deleting_the_note_releases_it(app, facilitator, make_workshop, make_participant):
    workshop = make_workshop(stage=WORKS)
    ana = make_participant(workshop)
    mine = note(workshop, ana, "Mi nota", WORKS, "mine")
    other = note(workshop, ana, "Otra nota", WORKS, "other")
    set_spotlight(workshop, facilitator, "note", mine.id)
    board.delete_note(workshop, ana, mine.id)  # its author withdraws it
    db.session.commit()
    assert workshop.spotlight_type is None
    set_spotlight(workshop, facilitator, "note", other.id)
    moderate_note(workshop, facilitator, other.id, delete=True)
    db.session.commit()
    assert workshop.spotlight_type is None


def test_deleting_another_item_leaves_it_alone(app, facilitator, room):
    workshop, ana, notes, first, second = room
    set_spotlight(workshop, facilitator, "cluster", first.id)
    clustering.dissolve_cluster(workshop, facilitator, second.id)
    db.session.commit()
    assert (workshop.spotlight_type, workshop.spotlight_id) == ("cluster", first.id)


def test_dissolving_or_emptying_the_group_releases_it(app, facilitator, room):
    workshop, _ana, notes, first, second = room
    set_spotlight(workshop, facilitator, "cluster", first.id)
    clustering.dissolve_cluster(workshop, facilitator, first.id)
    db.session.commit()
    assert workshop.spotlight_type is None
    set_spotlight(workshop, facilitator, "cluster", second.id)
    clustering.ungroup_notes(workshop, facilitator, [notes[2].id, notes[3].id])  # the group is left empty
    db.session.commit()
    assert workshop.spotlight_type is None


def test_a_merged_group_hands_the_spotlight_to_the_group_it_joined(app, facilitator, room):
    workshop, _ana, _notes, first, second = room
    set_spotlight(workshop, facilitator, "cluster", first.id)
    clustering.merge_clusters(workshop, facilitator, first.id, second.id)
    db.session.commit()
    assert (workshop.spotlight_type, workshop.spotlight_id) == ("cluster", second.id)


def test_changing_stage_releases_it(app, facilitator, room):
    workshop, _ana, _notes, first, _second = room
    set_spotlight(workshop, facilitator, "cluster", first.id)
    change_stage(workshop, facilitator, GROUP)  # staying put keeps it
    db.session.commit()
    assert workshop.spotlight_type == "cluster"
    change_stage(workshop, facilitator, VOTE)
    db.session.commit()
    assert workshop.spotlight_type is None


def test_the_database_refuses_a_half_spotlight(app, room):
    workshop = room[0]
    workshop.spotlight_type = "note"
    with pytest.raises(Exception, match="(?i)check"):
        db.session.commit()
    db.session.rollback()


# --- Over Socket.IO ------------------------------------------------------------------------


def _live(app, workshop, audience, http):
    auth = {"workshop": workshop.id, "audience": audience}
    if audience == "screen":
        auth["token"] = workshop.screen_token
    client = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=http, auth=auth)
    client.get_received(NAMESPACE)
    return client


def _fresh_login_state() -> None:
    from flask import g

    g.pop("_login_user", None)


def test_the_events_check_who_asks_and_what(app, facilitator, room, make_workshop):
    workshop, _ana, _notes, first, _second = room
    other = make_workshop(title="Otra USF", stage=GROUP)
    phone_http = app.test_client()
    phone_http.get(f"/j/{workshop.code}")
    phone = _live(app, workshop, "participant", phone_http)
    ack = phone.emit("spotlight", {"type": "cluster", "id": first.id}, namespace=NAMESPACE, callback=True)
    assert ack == {
        "ok": False,
        "error": "not_allowed",
        "message": "Solo un/a facilitador/a puede hacer esto.",
    }
    ack = phone.emit("release_spotlight", {}, namespace=NAMESPACE, callback=True)
    assert ack["error"] == "not_allowed"

    console_http = app.test_client()
    _fresh_login_state()
    assert console_http.post("/login", data=LOGIN).status_code == 302
    _fresh_login_state()
    console = _live(app, other, "facilitator", console_http)
    ack = console.emit("spotlight", {"type": "cluster", "id": first.id}, namespace=NAMESPACE, callback=True)
    assert ack["ok"] is False and ack["error"] == "not_found"
    assert ack["message"] in ("This group does not exist.", "Este grupo no existe.")
    ack = console.emit("spotlight", {"type": "group", "id": first.id}, namespace=NAMESPACE, callback=True)
    assert ack["error"] == "invalid"
    ack = console.emit("spotlight", ["cluster", first.id], namespace=NAMESPACE, callback=True)
    assert ack["error"] == "invalid"
    for client in (phone, console):
        client.disconnect(namespace=NAMESPACE)
    db.session.expire_all()
    assert workshop.spotlight_type is None and other.spotlight_type is None


def test_the_release_form_works_without_javascript(app, client, facilitator, room):
    workshop, _ana, _notes, first, _second = room
    set_spotlight(workshop, facilitator, "cluster", first.id)
    db.session.commit()
    assert client.post("/login", data=LOGIN).status_code == 302
    page = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert 'id="spotlight-bar"' in page and "Visitas" in page
    assert client.post(f"/w/{workshop.id}/spotlight/release").status_code == 302
    db.session.refresh(workshop)
    assert workshop.spotlight_type is None
