"""After the workshop: the follow-up pages list commitments, a facilitator records a dated
status with a note (plain forms with CSRF), and the history is kept."""

from __future__ import annotations

import re
from datetime import date

import pytest

from workshop.commitments import services
from workshop.core.clock import now
from workshop.extensions import db
from workshop.workshops.services import close_workshop

DUE = "2027-03-31"


@pytest.fixture
def closed_room(room, facilitator):
    workshop, (ana, beto), shifts = room
    first, _ = services.add_commitment(
        workshop,
        ana,
        "follow-up-1",
        2,
        {"type": "cluster", "id": shifts.id},
        "Publicar los turnos en la puerta",
        "Jefa de enfermería",
        DUE,
        "Quejas por turnos",
    )
    second, _ = services.add_commitment(
        workshop, beto, "follow-up-2", 2, None, "Pedir botiquines a la región", "Administración", "2027-01-15"
    )
    close_workshop(workshop, facilitator)
    db.session.commit()
    return workshop, first, second


@pytest.fixture
def logged_in(client, facilitator):
    client.post("/login", data={"email": "ana@example.org", "password": "correct horse battery"})
    return client


def test_follow_up_pages_need_a_facilitator_login(client, closed_room):
    workshop, _, _ = closed_room
    for path in (f"/w/{workshop.id}/commitments", "/commitments", "/commitments/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/w/{workshop.id}/commitments/1/status", data={"status": "done"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_status_update_with_a_dated_note_is_kept_as_history(logged_in, closed_room):
    workshop, first, second = closed_room
    page = logged_in.get(f"/w/{workshop.id}/commitments").get_data(as_text=True)
    assert "Publicar los turnos en la puerta" in page and "Jefa de enfermería" in page
    assert "Turnos" in page and "Quejas por turnos" in page
    today = now().date().isoformat()
    response = logged_in.post(
        f"/w/{workshop.id}/commitments/{first.id}/status",
        data={"status": "started", "noted_on": today, "note": "Cartel impreso", "next": "/commitments"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/commitments")
    db.session.expire_all()
    assert [(h["status"], h["date"], h["note"]) for h in services.history_data(first)] == [
        ("planned", "2026-11-30", None),
        ("started", today, "Cartel impreso"),
    ]
    # Across workshops: open ones, soonest first; done ones only when asked.
    logged_in.post(
        f"/w/{workshop.id}/commitments/{second.id}/status", data={"status": "done", "noted_on": today}
    )
    across = logged_in.get("/commitments").get_data(as_text=True)
    assert "Publicar los turnos" in across and "Pedir botiquines" not in across
    assert "Cartel impreso" in across
    everything = logged_in.get("/commitments?all=1").get_data(as_text=True)
    assert "Pedir botiquines" in everything


def test_a_refused_update_says_why_and_changes_nothing(logged_in, closed_room):
    workshop, first, _ = closed_room
    response = logged_in.post(
        f"/w/{workshop.id}/commitments/{first.id}/status",
        data={"status": "done", "noted_on": "2099-01-01"},
        follow_redirects=True,
    )
    assert "cannot be in the future" in response.get_data(as_text=True)
    db.session.expire_all()
    assert first.status == "planned" and len(services.history_data(first)) == 1


def test_another_workshops_commitment_is_not_found(logged_in, closed_room, make_room):
    workshop, first, _ = closed_room
    other, _, _ = make_room("USF Areguá")
    response = logged_in.post(
        f"/w/{other.id}/commitments/{first.id}/status",
        data={"status": "done", "noted_on": now().date().isoformat()},
        follow_redirects=True,
    )
    assert "does not exist" in response.get_data(as_text=True)
    db.session.expire_all()
    assert first.status == "planned"


def test_the_form_carries_a_csrf_token(app, logged_in, closed_room):
    workshop, first, _ = closed_room
    app.config["WTF_CSRF_ENABLED"] = True
    page = logged_in.get(f"/w/{workshop.id}/commitments").get_data(as_text=True)
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', page) or 'name="csrf_token"' in page
    refused = logged_in.post(
        f"/w/{workshop.id}/commitments/{first.id}/status",
        data={"status": "done", "noted_on": date.today().isoformat()},
    )
    assert refused.status_code in (302, 400)
    db.session.expire_all()
    assert first.status == "planned"
