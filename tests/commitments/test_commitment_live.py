"""A commitment made on a phone reaches the console and the projector at once, never
saying who made it; a resend counts once; another phone cannot change it."""

from __future__ import annotations

import pytest

from workshop.extensions import socketio
from workshop.live import NAMESPACE

DUE = "2027-03-31"


def received(live_client, name):
    return [event["args"][0] for event in live_client.get_received(NAMESPACE) if event["name"] == name]


def connect(app, http_client, workshop, audience, **auth):
    return socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=http_client,
        auth={"workshop": workshop.id, "audience": audience, **auth},
    )


@pytest.fixture
def live_room(app, room, facilitator):
    workshop, _people, shifts = room

    def phone():
        http = app.test_client()
        http.get(f"/j/{workshop.code}")
        return connect(app, http, workshop, "participant")

    http = app.test_client()
    http.post("/login", data={"email": "ana@example.org", "password": "correct horse battery"})
    console = connect(app, http, workshop, "facilitator")
    projector = connect(app, app.test_client(), workshop, "screen", token=workshop.screen_token)
    return workshop, shifts, phone, console, projector


def payload(shifts, client_id="phone-commit-1", **extra):
    return {
        "client_id": client_id,
        "stage": 2,
        "idea": {"type": "cluster", "id": shifts.id},
        "what": "Publicar los turnos en la puerta",
        "who": "Jefa de enfermería",
        "due": DUE,
        "indicator": "Quejas por turnos",
        **extra,
    }


def test_the_state_of_a_commit_stage_carries_the_ideas(live_room):
    workshop, shifts, phone, console, projector = live_room
    [state] = received(phone(), "state")
    assert state["stage"]["kind"] == "commit"
    assert state["commit"]["ideas"] == [{"type": "cluster", "id": shifts.id, "title": "Turnos", "rank": 1}]
    assert state["commit"]["commitments"] == []


def test_a_commitment_reaches_console_and_projector_once(live_room):
    workshop, shifts, phone, console, projector = live_room
    one, two = phone(), phone()
    for client in (one, two, console, projector):
        client.get_received(NAMESPACE)
    ack = one.emit("add_commitment", payload(shifts), namespace=NAMESPACE, callback=True)
    assert ack["ok"] is True and ack["created"] is True
    assert ack["commitment"]["mine"] is True
    again = one.emit("add_commitment", payload(shifts), namespace=NAMESPACE, callback=True)
    assert again["ok"] is True and again["created"] is False
    assert again["commitment"]["id"] == ack["commitment"]["id"]
    for client in (console, projector, two):
        [event] = received(client, "commitments_changed")  # once: the resend announced nothing
        [shown] = event["commitments"]
        assert shown["what"] == "Publicar los turnos en la puerta"
        assert shown["who"] == "Jefa de enfermería"
        assert shown["idea"]["title"] == "Turnos"
        assert shown["mine"] is False
        assert "participant" not in str(shown)
    # Another phone may not change it; the console may.
    commitment_id = ack["commitment"]["id"]
    refused = two.emit(
        "edit_commitment",
        {"commitment_id": commitment_id, "what": "x", "who": "y", "due": DUE},
        namespace=NAMESPACE,
        callback=True,
    )
    assert refused["ok"] is False and refused["error"] == "not_allowed"
    edited = console.emit(
        "edit_commitment",
        {"commitment_id": commitment_id, "what": "Turnos en la puerta", "who": "Dirección", "due": DUE},
        namespace=NAMESPACE,
        callback=True,
    )
    assert edited["ok"] is True
    [event] = received(projector, "commitments_changed")
    assert event["commitments"][0]["who"] == "Dirección"
    deleted = console.emit(
        "delete_commitment", {"commitment_id": commitment_id}, namespace=NAMESPACE, callback=True
    )
    assert deleted["ok"] is True
    assert received(projector, "commitments_changed")[-1]["commitments"] == []


def test_a_bad_date_is_refused_in_the_workshops_language(live_room):
    workshop, shifts, phone, console, projector = live_room
    ack = phone().emit(
        "add_commitment", payload(shifts, due="31/03/2027"), namespace=NAMESPACE, callback=True
    )
    assert ack["ok"] is False and ack["error"] == "invalid"
    assert "fecha" in ack["message"]


def test_a_phone_asks_which_commitments_are_its_own(live_room):
    workshop, shifts, phone, console, projector = live_room
    one = phone()
    ack = one.emit("add_commitment", payload(shifts), namespace=NAMESPACE, callback=True)
    mine = one.emit("mine", {}, namespace=NAMESPACE, callback=True)
    assert mine["commit"]["mine"] == [ack["commitment"]["id"]]
