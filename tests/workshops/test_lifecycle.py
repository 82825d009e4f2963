"""A workshop's end of life: closing (read-only, still exportable), reopening, deleting.

reform-codesign: 0 question (discuss), 1 ideas (write), 2 merge (cluster),
3 shortlist (vote, 5 dots, cap 2), 4 impact-feasibility (rate), 5 pilot (write).
"""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text

from tests.factories import login, move, new_client_id
from workshop.accounts.models import Facilitator
from workshop.board import services as board
from workshop.board.models import Note
from workshop.cli import main
from workshop.clustering import services as clustering
from workshop.commitments import services as commitments
from workshop.core import codes
from workshop.core.models import Workshop
from workshop.errors import DomainError, NotAllowed, NotFound
from workshop.extensions import db, socketio
from workshop.facilitation import moderation, participants, review, stage_controls, timer
from workshop.importing.services import import_field_notes
from workshop.live import NAMESPACE, presence
from workshop.planning import services as plan_edits
from workshop.plans import load_plan
from workshop.profiles import services as profiles
from workshop.ranking import services as ranking
from workshop.rating import services as rating
from workshop.reports.data import build_report
from workshop.voting import services as voting
from workshop.workshops import services as workshops

IDEAS, MERGE, SHORTLIST, RATE, COMMIT = 1, 2, 3, 4, 6
CLOSED = "This workshop is closed."


def rows_of(workshop_id: int) -> dict[str, int]:
    """Rows per table that belong to one workshop (every table with a workshop_id)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        column = table.c.get("workshop_id")
        if table.name == "workshop":
            column = table.c.id
        if column is not None:
            counts[table.name] = db.session.scalar(
                select(func.count()).select_from(table).where(column == workshop_id)
            )
    return counts


def all_rows() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def build_room(make_workshop, make_participant, facilitator, plans_dir):
    """A reform-codesign workshop with something in every table, left on `stage`."""

    def build(stage: int = RATE, title: str = "Reforma Caaguazú"):
        workshop = make_workshop(
            plan=load_plan("reform-codesign", plans_dir), stage=IDEAS, language="en", title=title
        )
        edited = copy.deepcopy(workshop.plan_data)
        edited["stages"][0]["minutes"] = 12  # the plan's history gets a row
        plan_edits.edit_plan(workshop, facilitator, edited)
        one, two, three = (make_participant(workshop, name) for name in ("Rosa", None, None))
        profiles.answer_profile(workshop, one, {"role": "nursing"})
        notes = [
            board.add_note(workshop, author, text, new_client_id(), IDEAS)[0]
            for author, text in (
                (one, "Agenda compartida"),
                (two, "Turnos por WhatsApp"),
                (three, "Visitas los sábados"),
                (one, "Bono por metas"),
            )
        ]
        import_field_notes(workshop, facilitator, b"text,evidence_id\nHallazgo importado,E-9\n", "campo.csv")
        moderation.set_note_hidden(workshop, facilitator, notes[3].id, True)
        presence.record_connection(f"sid-{workshop.id}-1", workshop, "participant", one)
        presence.record_connection(f"sid-{workshop.id}-2", workshop, "facilitator", None)
        timer.start_timer(workshop, facilitator, 300)
        db.session.commit()
        move(workshop, facilitator, MERGE)
        a = clustering.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Agenda")
        b = clustering.group_notes(workshop, facilitator, [notes[2].id], "Horarios")
        db.session.commit()
        room = SimpleNamespace(
            workshop=workshop, facilitator=facilitator, people=(one, two, three), notes=notes, a=a, b=b
        )
        if stage >= SHORTLIST:
            move(workshop, facilitator, SHORTLIST)
            for person in (one, two):
                voting.cast_dot(workshop, person, a.id, new_client_id())
            voting.cast_dot(workshop, three, b.id, new_client_id())
            db.session.commit()
        if stage >= RATE:
            voting.set_vote_closed(workshop, facilitator, True)
            db.session.commit()
            move(workshop, facilitator, RATE)
            rating.rate(workshop, one, a.id, 4, 3)
            rating.rate(workshop, two, b.id, 2, 5)
            ranking.set_decision(workshop, facilitator, "cluster", a.id, "selected")
            db.session.commit()
            # A commitment at the commitments stage, followed up once, then back to rating.
            move(workshop, facilitator, COMMIT)
            pledge, _ = commitments.add_commitment(
                workshop,
                two,
                new_client_id(),
                COMMIT,
                None,
                "Agenda en la puerta",
                "Enfermería",
                "2030-01-31",
            )
            commitments.update_status(workshop, facilitator, pledge.id, "started", pledge.created_at.date())
            db.session.commit()
            move(workshop, facilitator, RATE)
        if stage < SHORTLIST:
            move(workshop, facilitator, stage)
        return room

    return build


# Closing -------------------------------------------------------------------------------------


def test_close_makes_the_workshop_read_only(build_room):
    room = build_room(IDEAS)
    workshop = room.workshop
    workshops.close_workshop(workshop, room.facilitator)
    db.session.commit()
    db.session.refresh(workshop)
    assert workshop.status == "closed" and not workshop.is_open
    assert workshop.closed_at is not None
    closed_at, revision = workshop.closed_at, workshop.revision
    workshops.close_workshop(workshop, room.facilitator)  # closing twice changes nothing
    assert (workshop.closed_at, workshop.revision) == (closed_at, revision)


@pytest.mark.parametrize("who", ["participant", "nobody"])
def test_only_a_facilitator_closes_or_reopens(build_room, who):
    room = build_room(IDEAS)
    actor = room.people[0] if who == "participant" else None
    for operation in (workshops.close_workshop, workshops.reopen_workshop, workshops.delete_workshop):
        with pytest.raises(NotAllowed, match="Only a facilitator"):
            operation(room.workshop, actor)
        db.session.rollback()
    assert room.workshop.is_open


# Each operation runs on the stage where it would otherwise work (or fail for another reason
# that the closed check must come before).
OPERATIONS = {
    "add_note": (IDEAS, lambda r: board.add_note(r.workshop, r.people[1], "tarde", new_client_id(), IDEAS)),
    "add_note by the facilitator": (
        IDEAS,
        lambda r: board.add_note(r.workshop, r.facilitator, "tarde", new_client_id(), IDEAS),
    ),
    "edit_note": (IDEAS, lambda r: board.edit_note(r.workshop, r.people[0], r.notes[0].id, "x")),
    "edit_note by the facilitator": (
        IDEAS,
        lambda r: board.edit_note(r.workshop, r.facilitator, r.notes[0].id, "x"),
    ),
    "delete_note": (IDEAS, lambda r: board.delete_note(r.workshop, r.people[0], r.notes[0].id)),
    "delete_note by the facilitator": (
        IDEAS,
        lambda r: board.delete_note(r.workshop, r.facilitator, r.notes[0].id),
    ),
    "change_stage": (IDEAS, lambda r: workshops.change_stage(r.workshop, r.facilitator, MERGE)),
    "join_workshop": (IDEAS, lambda r: workshops.join_workshop(r.workshop)),
    "set_display_name": (IDEAS, lambda r: workshops.set_display_name(r.workshop, r.people[1], "Ana")),
    "import_field_notes": (
        IDEAS,
        lambda r: import_field_notes(r.workshop, r.facilitator, b"text\nuno\n", "x.csv"),
    ),
    "reveal_stage": (IDEAS, lambda r: stage_controls.reveal_stage(r.workshop, r.facilitator)),
    "set_locked": (IDEAS, lambda r: stage_controls.set_locked(r.workshop, r.facilitator, True)),
    "start_timer": (IDEAS, lambda r: timer.start_timer(r.workshop, r.facilitator, 60)),
    "pause_timer": (IDEAS, lambda r: timer.pause_timer(r.workshop, r.facilitator)),
    "extend_timer": (IDEAS, lambda r: timer.extend_timer(r.workshop, r.facilitator, 60)),
    "clear_timer": (IDEAS, lambda r: timer.clear_timer(r.workshop, r.facilitator)),
    "allow_review": (IDEAS, lambda r: review.allow_review(r.workshop, r.facilitator, True)),
    "set_note_hidden": (
        IDEAS,
        lambda r: moderation.set_note_hidden(r.workshop, r.facilitator, r.notes[0].id, True),
    ),
    "remove_participant": (
        IDEAS,
        lambda r: participants.remove_participant(r.workshop, r.facilitator, r.people[2].id),
    ),
    "group_notes": (
        MERGE,
        lambda r: clustering.group_notes(r.workshop, r.facilitator, [r.notes[2].id], "Nuevo"),
    ),
    "group_notes proposed by a participant": (
        MERGE,
        lambda r: clustering.group_notes(r.workshop, r.people[0], [r.notes[2].id], "Nuevo"),
    ),
    "add_to_cluster": (
        MERGE,
        lambda r: clustering.add_to_cluster(r.workshop, r.facilitator, [r.notes[2].id], r.a.id),
    ),
    "ungroup_notes": (MERGE, lambda r: clustering.ungroup_notes(r.workshop, r.facilitator, [r.notes[0].id])),
    "rename_cluster": (
        MERGE,
        lambda r: clustering.rename_cluster(r.workshop, r.facilitator, r.a.id, "Otro nombre"),
    ),
    "merge_clusters": (MERGE, lambda r: clustering.merge_clusters(r.workshop, r.facilitator, r.b.id, r.a.id)),
    "dissolve_cluster": (MERGE, lambda r: clustering.dissolve_cluster(r.workshop, r.facilitator, r.b.id)),
    "cast_dot": (SHORTLIST, lambda r: voting.cast_dot(r.workshop, r.people[2], r.a.id, new_client_id())),
    "retract_dot": (SHORTLIST, lambda r: voting.retract_dot(r.workshop, r.people[0], r.a.id)),
    "set_vote_closed": (SHORTLIST, lambda r: voting.set_vote_closed(r.workshop, r.facilitator, True)),
    "rate": (RATE, lambda r: rating.rate(r.workshop, r.people[2], r.a.id, 5, 5)),
    "set_decision": (
        RATE,
        lambda r: ranking.set_decision(r.workshop, r.facilitator, "cluster", r.b.id, "set_aside"),
    ),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_a_closed_workshop_refuses_every_change(build_room, name):
    stage, operation = OPERATIONS[name]
    room = build_room(stage)
    workshops.close_workshop(room.workshop, room.facilitator)
    db.session.commit()
    before, revision = all_rows(), room.workshop.revision
    match = "This workshop has ended" if name == "join_workshop" else CLOSED
    with pytest.raises(NotAllowed, match=match):
        operation(room)
    db.session.rollback()
    assert all_rows() == before
    assert db.session.get(Workshop, room.workshop.id).revision == revision


# Open, this one is refused for its own reason (a plan that does not let participants
# propose groups): closing must be checked before that reason.
REFUSED_WHEN_OPEN = {
    "group_notes proposed by a participant": "Only a facilitator",
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_same_operations_work_once_reopened(build_room, name):
    """The refusals above come from closing, not from a badly built room."""
    stage, operation = OPERATIONS[name]
    room = build_room(stage)
    workshops.close_workshop(room.workshop, room.facilitator)
    db.session.commit()
    workshops.reopen_workshop(room.workshop, room.facilitator)
    db.session.commit()
    if name in REFUSED_WHEN_OPEN:
        with pytest.raises(DomainError, match=REFUSED_WHEN_OPEN[name]):
            operation(room)
        return
    operation(room)
    db.session.commit()


def test_reopen(build_room):
    room = build_room(IDEAS)
    workshop = room.workshop
    workshops.close_workshop(workshop, room.facilitator)
    db.session.commit()
    with pytest.raises(NotAllowed, match="has ended"):
        workshops.workshop_for_code(workshop.code)
    workshops.reopen_workshop(workshop, room.facilitator)
    db.session.commit()
    assert workshop.is_open and workshop.closed_at is None
    assert workshops.workshop_for_code(workshop.code).id == workshop.id
    note, created = board.add_note(workshop, room.people[1], "otra vez", new_client_id(), IDEAS)
    assert created


def test_a_closed_workshop_can_still_be_exported(build_room):
    room = build_room(RATE)
    workshops.close_workshop(room.workshop, room.facilitator)
    db.session.commit()
    report = build_report(room.workshop)
    json.dumps(report)
    assert report["workshop"]["status"] == "closed"
    assert {"Agenda compartida", "Hallazgo importado"} <= {n["text"] for n in report["notes"]}
    assert [idea["title"] for idea in report["ideas"]][:2] == ["Agenda", "Horarios"]


def test_find_workshop_finds_a_closed_workshop_by_code(build_room):
    room = build_room(IDEAS)
    workshops.close_workshop(room.workshop, room.facilitator)
    db.session.commit()
    assert workshops.find_workshop(room.workshop.code.lower()).id == room.workshop.id
    assert workshops.find_workshop(str(room.workshop.id)).id == room.workshop.id
    with pytest.raises(NotFound):
        workshops.find_workshop("AAA-AAA")


# Closing in the browser ----------------------------------------------------------------------


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_close_and_reopen_in_the_browser_tell_connected_phones(app, client, build_room):
    room = build_room(IDEAS)
    workshop = room.workshop
    phone_http = app.test_client()
    phone_http.get(f"/j/{workshop.code}")
    phone = socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=phone_http,
        auth={"workshop": workshop.id, "audience": "participant"},
    )
    phone.get_received(NAMESPACE)
    login(client)
    page = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert f'action="/w/{workshop.id}/close"' in page
    response = client.post(f"/w/{workshop.id}/close")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/w/{workshop.id}#lifecycle")
    assert any("The workshop is closed" in message for message in flashes(client))
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).status == "closed"
    states = [event["args"][0] for event in phone.get_received(NAMESPACE) if event["name"] == "state"]
    assert states and states[-1]["workshop"]["status"] == "closed"
    ack = phone.emit(
        "add_note",
        {"client_id": new_client_id(), "text": "tarde", "stage": IDEAS},
        namespace=NAMESPACE,
        callback=True,
    )
    assert ack["ok"] is False and ack["message"] == CLOSED
    assert phone_http.get(f"/j/{workshop.code}").status_code == 403
    page = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert 'id="workshop-closed"' in page and f'action="/w/{workshop.id}/reopen"' in page
    assert client.post(f"/w/{workshop.id}/reopen").status_code == 302
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).is_open
    states = [event["args"][0] for event in phone.get_received(NAMESPACE) if event["name"] == "state"]
    assert states and states[-1]["workshop"]["status"] == "open"
    phone.disconnect(namespace=NAMESPACE)


def test_closing_needs_login(client, build_room):
    room = build_room(IDEAS)
    response = client.post(f"/w/{room.workshop.id}/close")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Workshop, room.workshop.id).is_open


# Deleting ------------------------------------------------------------------------------------


def test_delete_removes_every_row_of_the_workshop_and_nothing_else(build_room):
    room = build_room(RATE)
    other = build_room(RATE, title="Otro taller")
    workshop_id = room.workshop.id
    before = rows_of(workshop_id)
    assert all(count > 0 for count in before.values()), before
    kept = rows_of(other.workshop.id)
    totals = all_rows()
    deleted = workshops.delete_workshop(room.workshop, room.facilitator)
    db.session.commit()
    assert deleted == before
    assert all(count == 0 for count in rows_of(workshop_id).values())
    assert rows_of(other.workshop.id) == kept
    after = all_rows()
    assert after == {name: totals[name] - before.get(name, 0) for name in totals}
    assert db.session.get(Facilitator, room.facilitator.id) is not None


def test_delete_does_not_rely_on_the_databases_cascades(app, build_room):
    """With the database's foreign keys and cascades off (SQLite: an old file or a careless
    connection; PostgreSQL: replication role), the explicit deletion leaves no orphan."""
    sqlite = db.engine.dialect.name == "sqlite"
    room = build_room(RATE)
    workshop_id = room.workshop.id
    db.session.commit()
    db.session.execute(
        text("PRAGMA foreign_keys=OFF" if sqlite else "SET session_replication_role = replica")
    )
    try:
        workshops.delete_workshop(room.workshop, room.facilitator)
        db.session.commit()
        assert all(count == 0 for count in rows_of(workshop_id).values())
    finally:
        db.session.commit()
        db.session.execute(
            text("PRAGMA foreign_keys=ON" if sqlite else "SET session_replication_role = DEFAULT")
        )
        db.session.commit()


def test_browser_delete_asks_twice(client, build_room):
    room = build_room(RATE)
    workshop = room.workshop
    code = codes.format_code(workshop.code)
    login(client)
    page = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert f'href="/w/{workshop.id}/delete"' in page  # a link to the question, not a deletion
    page = client.get(f"/w/{workshop.id}/delete").get_data(as_text=True)
    assert code in page and "cannot be undone" in page
    assert "5 notes" in page and "2 groups" in page and "3 dots, 2 ratings" in page
    for typed in ("", "AAA-AAA", code[:-1]):
        response = client.post(f"/w/{workshop.id}/delete", data={"code": typed})
        assert response.status_code == 400
        assert "nothing was deleted" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id) is not None
    response = client.post(f"/w/{workshop.id}/delete", data={"code": f" {code.lower()} "})
    assert response.status_code == 302 and response.headers["Location"].endswith("/w/")
    assert any("were deleted" in message for message in flashes(client))
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id) is None
    assert all(count == 0 for count in rows_of(workshop.id).values())
    assert client.get(f"/w/{workshop.id}/delete").status_code == 404


def test_browser_delete_needs_login(client, build_room):
    room = build_room(IDEAS)
    response = client.post(f"/w/{room.workshop.id}/delete", data={"code": room.workshop.code})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Workshop, room.workshop.id) is not None


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_delete_without_token_is_refused(self, client, build_room, facilitator):
        room = build_room(IDEAS)
        with client.session_transaction() as session:
            session["_user_id"] = str(facilitator.id)
        response = client.post(f"/w/{room.workshop.id}/delete", data={"code": room.workshop.code})
        assert response.status_code == 400
        assert client.post(f"/w/{room.workshop.id}/close").status_code == 400
        db.session.expire_all()
        assert db.session.get(Workshop, room.workshop.id).is_open


# The command line ----------------------------------------------------------------------------


def test_cli_close_and_reopen(runner, build_room):
    room = build_room(IDEAS)
    workshop_id = room.workshop.id
    code = codes.format_code(room.workshop.code)
    result = runner.invoke(main, ["close", code])
    assert result.exit_code == 0, result.output
    assert f"({code}) is closed" in result.output
    db.session.expire_all()
    assert db.session.get(Workshop, workshop_id).status == "closed"
    result = runner.invoke(main, ["close", code])  # found by code although closed
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["close", "--reopen", str(workshop_id)])
    assert result.exit_code == 0 and "is open again" in result.output
    db.session.expire_all()
    assert db.session.get(Workshop, workshop_id).is_open
    result = runner.invoke(main, ["close", "AAA-AAA"])
    assert result.exit_code != 0 and "No workshop has this code" in result.output


def test_cli_delete_asks_twice(runner, build_room):
    room = build_room(RATE)
    other = build_room(IDEAS, title="Otro taller")
    workshop_id, code = room.workshop.id, codes.format_code(room.workshop.code)
    kept = rows_of(other.workshop.id)

    result = runner.invoke(main, ["delete", str(workshop_id)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    assert "holds 5 notes, 3 participants, 2 groups, 3 dots and 2 ratings" in result.output
    result = runner.invoke(main, ["delete", str(workshop_id)], input="y\nAAA-AAA\n")
    assert result.exit_code != 0 and "nothing was deleted" in result.output
    result = runner.invoke(main, ["delete", str(workshop_id)])  # no answers at all
    assert result.exit_code != 0
    db.session.expire_all()
    assert db.session.get(Workshop, workshop_id) is not None

    result = runner.invoke(main, ["delete", code], input=f"y\n{code.lower()}\n")
    assert result.exit_code == 0, result.output
    assert "Deleted workshop" in result.output
    db.session.expire_all()
    assert db.session.get(Workshop, workshop_id) is None
    assert all(count == 0 for count in rows_of(workshop_id).values())
    assert rows_of(other.workshop.id) == kept


def test_cli_delete_yes_skips_the_questions(runner, build_room):
    room = build_room(IDEAS)
    workshops.close_workshop(room.workshop, room.facilitator)
    db.session.commit()
    workshop_id = room.workshop.id
    result = runner.invoke(main, ["delete", "--yes", room.workshop.code])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Workshop, workshop_id) is None
    assert db.session.scalar(select(func.count()).select_from(Note)) == 0
