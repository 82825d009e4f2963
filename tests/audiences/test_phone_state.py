"""A phone gets what it needs, not the whole wall: with 1,000 notes in a workshop its page
and state stay small, and the rest of the notes arrive on demand."""

from __future__ import annotations

import gzip
import json

from workshop.audiences.state import PHONE_LATEST_NOTES, workshop_state
from workshop.board import services as board
from workshop.board.models import Note
from workshop.clustering import services as clustering
from workshop.extensions import db, socketio
from workshop.live import NAMESPACE
from workshop.workshops.services import change_stage

WORKS, GROUP = 2, 5  # pd-discovery
PHONE = {"audience": "participant"}


def fill(workshop, participant, count: int) -> None:
    """`count` notes by the room (quickly: rows, as the board service would store them)."""
    db.session.add_all(
        Note(
            workshop_id=workshop.id,
            participant_id=participant.id,
            client_id=f"wall-{n:05d}",
            stage_index=WORKS,
            text=f"Nota número {n} sobre turnos, visitas y medicamentos de la unidad de salud",
        )
        for n in range(count)
    )
    db.session.commit()


def test_a_phone_state_carries_its_own_notes_and_the_latest_ones(workshop, facilitator, make_participant):
    room, me = make_participant(workshop), make_participant(workshop)
    change_stage(workshop, facilitator, WORKS)
    fill(workshop, room, 1000)
    mine, _ = board.add_note(workshop, me, "Mi nota", "my-own-note-1", WORKS)
    db.session.commit()
    state = workshop_state(workshop, "participant", me)
    texts = [note["client_id"] for note in state["notes"]]
    assert "my-own-note-1" in texts
    assert len(state["notes"]) == PHONE_LATEST_NOTES + 1
    assert texts[-2] == "wall-00999"  # the newest of the room
    assert (state["note_count"], state["notes_complete"]) == (1001, False)
    assert state["notes_window"] == PHONE_LATEST_NOTES  # what the page keeps as more arrive
    assert workshop_state(workshop, "facilitator", None)["notes_window"] is None
    assert len(json.dumps(state)) < 20_000


def test_the_phone_page_and_its_state_stay_small_with_1000_notes(
    app, workshop, facilitator, make_participant
):
    change_stage(workshop, facilitator, WORKS)
    fill(workshop, make_participant(workshop), 1000)
    http = app.test_client()
    http.get(f"/j/{workshop.code}")
    page = http.get(f"/p/{workshop.code}").get_data()
    phone = socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=http,
        auth={"workshop": workshop.id, "audience": "participant"},
    )
    state = next(e["args"][0] for e in phone.get_received(NAMESPACE) if e["name"] == "state")
    on_the_wire = len(gzip.compress(page)) + len(json.dumps(state).encode())
    assert on_the_wire < 60_000, on_the_wire


def test_more_notes_on_demand_respect_the_one_visibility_rule(app, workshop, facilitator, make_participant):
    room = make_participant(workshop)
    change_stage(workshop, facilitator, WORKS)
    fill(workshop, room, 250)
    change_stage(workshop, facilitator, GROUP)
    ids = [n.id for n in db.session.query(Note).filter(Note.workshop_id == workshop.id).order_by(Note.id)]
    made = clustering.group_notes(workshop, facilitator, ids[:120], "Turnos")
    db.session.commit()
    http = app.test_client()
    http.get(f"/j/{workshop.code}")
    phone = socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=http,
        auth={"workshop": workshop.id, "audience": "participant"},
    )
    state = next(e["args"][0] for e in phone.get_received(NAMESPACE) if e["name"] == "state")
    cluster = next(c for c in state["clusters"] if c["id"] == made.id)
    assert len(cluster["notes"]) == 120
    known = {note["id"] for note in state["notes"]}
    missing = [i for i in cluster["notes"] if i not in known]
    assert len(missing) >= 110
    ack = phone.emit("notes", {"stage": GROUP, "ids": missing[:100]}, namespace=NAMESPACE, callback=True)
    assert [note["id"] for note in ack["notes"]] == missing[:100]
    earlier = phone.emit("notes", {"stage": GROUP, "before": ids[100]}, namespace=NAMESPACE, callback=True)
    assert [note["id"] for note in earlier["notes"]] == ids[:100]
    for bad in ({"stage": GROUP, "ids": "1"}, {"stage": GROUP, "before": 2**70}, {"stage": 99}):
        refused = phone.emit("notes", bad, namespace=NAMESPACE, callback=True)
        assert refused["ok"] is False and refused["error"] in ("invalid", "not_allowed")
