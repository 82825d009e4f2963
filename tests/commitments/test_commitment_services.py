"""Commitments through their services: who may change what, what is refused and why,
and that a resend is stored once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from workshop.accounts.services import create_facilitator
from workshop.commitments import services
from workshop.commitments.models import Commitment, CommitmentUpdate
from workshop.core.clock import now
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.workshops.services import change_stage, close_workshop

DUE = "2027-03-31"


def add(workshop, actor, client_id="commit-0001", idea=None, **fields):
    values = {"what": "Publicar los turnos en la puerta", "who": "Jefa de enfermería", "due": DUE}
    values.update(fields)
    return services.add_commitment(
        workshop,
        actor,
        client_id,
        workshop.current_stage,
        idea,
        values["what"],
        values["who"],
        values["due"],
        values.get("indicator"),
    )


def test_the_stage_offers_the_selected_ideas_else_the_top_of_the_ranking(room, facilitator):
    workshop, _people, shifts = room
    assert [(i["type"], i["id"], i["title"]) for i in services.commit_ideas(workshop)] == [
        ("cluster", shifts.id, "Turnos")
    ]
    from workshop.ranking.services import set_decision

    set_decision(workshop, facilitator, "cluster", shifts.id, None)
    assert {i["title"] for i in services.commit_ideas(workshop)} == {"Turnos", "Insumos"}


def test_a_participant_commits_and_a_resend_counts_once(room):
    workshop, (ana, _beto), shifts = room
    idea = {"type": "cluster", "id": shifts.id}
    first, created = add(workshop, ana, idea=idea, indicator="Turnos cubiertos por semana")
    again, created_again = add(workshop, ana, idea=idea)
    db.session.commit()
    assert created and not created_again and again.id == first.id
    assert db.session.query(Commitment).count() == 1
    assert first.idea_title == "Turnos" and first.status == "planned"
    assert [(u.status, u.noted_on) for u in first.updates] == [("planned", date(2026, 11, 30))]
    data = services.commitment_data(first)
    assert "participant" not in str(data) and data["due"] == DUE


def test_someone_elses_client_id_is_refused(room):
    workshop, (ana, beto), _ = room
    add(workshop, ana)
    with pytest.raises(InvalidInput, match="already used"):
        add(workshop, beto)


def test_a_participant_changes_only_their_own(room, facilitator):
    workshop, (ana, beto), _ = room
    mine, _ = add(workshop, ana)
    db.session.commit()
    with pytest.raises(NotAllowed, match="only change your own"):
        services.edit_commitment(workshop, beto, mine.id, "Otra cosa", "Director", DUE)
    with pytest.raises(NotAllowed, match="only change your own"):
        services.delete_commitment(workshop, beto, mine.id)
    services.edit_commitment(workshop, ana, mine.id, "Publicar los turnos", "Enfermería", DUE, "Quejas")
    assert mine.what == "Publicar los turnos" and mine.indicator == "Quejas"
    # The facilitator may change or withdraw anyone's.
    services.edit_commitment(workshop, facilitator, mine.id, "Publicar turnos", "Dirección de la USF", DUE)
    services.delete_commitment(workshop, facilitator, mine.id)
    assert mine.deleted_at is not None
    assert services.workshop_commitments(workshop) == []
    # A late resend of a withdrawn commitment does not revive it.
    again, created = add(workshop, ana)
    assert not created and again.deleted_at is not None


def test_another_workshops_ids_are_refused(make_room, facilitator):
    first, (ana, _), shifts = make_room("USF Luque")
    other, (carla, _), other_shifts = make_room("USF Areguá")
    theirs, _ = add(other, carla)
    db.session.commit()
    with pytest.raises(NotFound):
        services.edit_commitment(first, facilitator, theirs.id, "x", "y", DUE)
    with pytest.raises(NotFound):
        services.update_status(first, facilitator, theirs.id, "done", now().date().isoformat())
    with pytest.raises(NotAllowed):  # a participant of another workshop
        add(first, carla, client_id="commit-carla")
    with pytest.raises(NotFound, match="not one of the ideas"):  # another workshop's idea
        add(first, ana, idea={"type": "cluster", "id": other_shifts.id})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"due": "31/03/2027"}, "must be a date like"),
        ({"due": "2027-02-30"}, "not a real date"),
        ({"due": "2020-01-01"}, "must not be before the workshop"),
        ({"due": "2040-01-01"}, "more than five years away"),
        ({"due": None}, "must be a date like"),
        ({"what": "   "}, "Please fill in: What"),
        ({"who": ""}, "Please fill in: Who"),
        ({"what": "x" * 301}, "What can have at most 300 characters \\(this one has 301\\)"),
        ({"who": "x" * 121}, "at most 120 characters"),
        ({"indicator": "x" * 301}, "Indicator can have at most 300"),
        ({"what": 42}, "What must be text"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(room, fields, message, app):
    workshop, (ana, _), _ = room
    with (
        app.test_request_context(headers={"Accept-Language": "en"}),
        pytest.raises(InvalidInput, match=message),
    ):
        add(workshop, ana, **fields)


def test_only_at_a_commit_stage_that_started_and_is_open(room, facilitator):
    workshop, (ana, _), _ = room
    with pytest.raises(NotAllowed, match="does not take commitments"):
        services.add_commitment(workshop, ana, "commit-0002", 0, None, "a", "b", DUE)
    with pytest.raises(InvalidInput, match="client id"):
        services.add_commitment(workshop, ana, "short", 2, None, "a", "b", DUE)
    mine, _ = add(workshop, ana)
    change_stage(workshop, facilitator, 1)
    with pytest.raises(NotAllowed, match="not started yet"):
        services.add_commitment(workshop, ana, "commit-0003", 2, None, "a", "b", DUE)
    with pytest.raises(NotAllowed, match="stage is over"):
        services.edit_commitment(workshop, ana, mine.id, "a", "b", DUE)
    change_stage(workshop, facilitator, 2)
    close_workshop(workshop, facilitator)
    with pytest.raises(NotAllowed, match="closed"):
        add(workshop, facilitator, client_id="commit-0004")


def test_status_updates_are_dated_facilitator_only_and_kept_as_history(room, facilitator):
    workshop, (ana, _), _ = room
    mine, _ = add(workshop, ana)
    close_workshop(workshop, facilitator)  # follow-up happens after the workshop
    db.session.commit()
    today = now().date()
    with pytest.raises(NotAllowed):
        services.update_status(workshop, ana, mine.id, "done", today.isoformat())
    with pytest.raises(InvalidInput, match="planned, started, done or dropped"):
        services.update_status(workshop, facilitator, mine.id, "finished", today.isoformat())
    with pytest.raises(InvalidInput, match="future"):
        services.update_status(
            workshop, facilitator, mine.id, "done", (today + timedelta(days=1)).isoformat()
        )
    with pytest.raises(InvalidInput, match="before the workshop"):
        services.update_status(workshop, facilitator, mine.id, "done", "2026-01-01")
    with pytest.raises(InvalidInput, match="at most 1000"):
        services.update_status(workshop, facilitator, mine.id, "started", today.isoformat(), "x" * 1001)
    services.update_status(workshop, facilitator, mine.id, "started", today.isoformat(), "Primer borrador")
    db.session.commit()
    assert mine.status == "started"
    assert [(h["status"], h["note"]) for h in services.history_data(mine)] == [
        ("planned", None),
        ("started", "Primer borrador"),
    ]
    assert db.session.query(CommitmentUpdate).count() == 2
    # Any facilitator of the lab follows up (as any may run a workshop).
    colleague = create_facilitator("berta@example.org", "correct horse battery")
    services.update_status(workshop, colleague, mine.id, "done", today.isoformat())
    assert mine.status == "done"
    assert services.commitments_across(only_open=True) == []
    assert services.commitments_across(only_open=False) == [mine]


def test_a_phone_cannot_flood_the_room(room, monkeypatch):
    workshop, (ana, _), _ = room
    monkeypatch.setattr(services, "MAX_PER_PARTICIPANT", 2)
    add(workshop, ana, client_id="commit-a001")
    add(workshop, ana, client_id="commit-a002")
    with pytest.raises(NotAllowed, match="as many commitments"):
        add(workshop, ana, client_id="commit-a003")
