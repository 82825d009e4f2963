"""The facilitation toolkit over Socket.IO: what every client of a workshop hears
(clusters, votes, timer, reveal), what clients of another workshop never hear, and
the error acknowledgements for participants, removed participants and bad payloads."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import move, new_client_id
from tests.sockets import join, received, send
from workshop.board import services as board
from workshop.board.models import Note
from workshop.clustering import services as clustering
from workshop.clustering.models import Cluster
from workshop.core.models import Participant
from workshop.core.stages import is_locked
from workshop.extensions import db, socketio
from workshop.live import NAMESPACE
from workshop.plans import load_plan_file
from workshop.voting.models import Dot

CLUSTER, VOTE = 5, 6  # pd-discovery


class Clients(SimpleNamespace):
    @property
    def all(self):
        return [*self.phones, self.console, self.screen]

    def drain(self):
        for client in self.all:
            client.get_received(NAMESPACE)


def connect_all(app, workshop) -> Clients:
    clients = Clients(
        phones=[join(app, workshop), join(app, workshop)],
        console=join(app, workshop, "facilitator"),
        screen=join(app, workshop, "screen"),
    )
    clients.drain()
    return clients


@pytest.fixture
def board_room(make_workshop, make_participant, facilitator):
    """pd-discovery on its cluster stage, with three clusterable notes."""
    workshop = make_workshop(stage=4)
    author = make_participant(workshop)
    notes = [
        board.add_note(workshop, author, text, new_client_id(), stage)[0]
        for text, stage in (("visitas", 2), ("agenda", 2), ("promotoras", 4))
    ]
    move(workshop, facilitator, CLUSTER)
    return SimpleNamespace(
        workshop=workshop, notes=[n.id for n in notes], author=author, facilitator=facilitator
    )


@pytest.fixture
def vote_room(board_room):
    w, f, (one, two, three) = board_room.workshop, board_room.facilitator, board_room.notes
    board_room.a = clustering.group_notes(w, f, [one, two], "Visitas").id
    board_room.b = clustering.group_notes(w, f, [three], "Promotoras").id
    move(w, f, VOTE)
    return board_room


@pytest.fixture
def strangers(app, make_workshop, make_participant, facilitator):
    """Another workshop on its cluster stage, with a phone, a console and a projector."""
    other = make_workshop(title="Otro taller", stage=2)
    foreign = board.add_note(other, make_participant(other), "ajena", new_client_id(), 2)[0]
    move(other, facilitator, CLUSTER)
    group = clustering.group_notes(other, facilitator, [foreign.id], "Ajeno")
    db.session.commit()
    clients = Clients(
        phones=[join(app, other)], console=join(app, other, "facilitator"), screen=join(app, other, "screen")
    )
    clients.drain()
    clients.ids = {"note": foreign.id, "cluster": group.id, "participant": clients.phones[0].participant_id}
    return clients


def assert_heard_only_by(clients, strangers, event):
    """Every client of the workshop got `event` (returns the last one each); strangers none."""
    heard = []
    for client in clients.all:
        events = received(client, event)
        assert events, f"a {event!r} event was missing"
        heard.append(events[-1])
    for client in strangers.all:
        assert received(client, event) == []
    return heard


def test_clustering_is_broadcast_to_the_workshop_only(app, board_room, strangers):
    clients = connect_all(app, board_room.workshop)
    one, two, three = board_room.notes
    ack = send(clients.console, "group_notes", {"note_ids": [one, two], "title": "Visitas"})
    assert ack["ok"] is True
    group = ack["cluster_id"]
    # At a clustering stage only the groups travel (a fraction of a whole state).
    for change in assert_heard_only_by(clients, strangers, "clusters_changed"):
        assert [(c["id"], c["title"], c["notes"]) for c in change["clusters"]] == [
            (group, "Visitas", [one, two])
        ]
    second = send(clients.console, "group_notes", {"note_ids": [three], "title": "B"})
    steps = [
        (
            "add_to_cluster",
            {"note_ids": [two], "cluster_id": second["cluster_id"]},
            [("Visitas", [one]), ("B", [two, three])],
        ),
        (
            "rename_cluster",
            {"cluster_id": group, "title": "Casa por casa"},
            [("Casa por casa", [one]), ("B", [two, three])],
        ),
        (
            "merge_clusters",
            {"source_id": second["cluster_id"], "target_id": group},
            [("Casa por casa", [one, two, three])],
        ),
        ("ungroup_notes", {"note_ids": [three]}, [("Casa por casa", [one, two])]),
        ("dissolve_cluster", {"cluster_id": group}, []),
    ]
    for event, payload, expected in steps:
        clients.drain()
        assert send(clients.console, event, payload)["ok"] is True, event
        for change in assert_heard_only_by(clients, strangers, "clusters_changed"):
            assert [(c["title"], c["notes"]) for c in change["clusters"]] == expected, event


def test_timer_is_broadcast_to_the_workshop_only(app, board_room, strangers):
    clients = connect_all(app, board_room.workshop)
    ack = send(clients.console, "timer", {"action": "start", "seconds": 90})
    assert ack["ok"] is True and ack["timer"]["running"] is True
    for event in assert_heard_only_by(clients, strangers, "timer"):
        assert event["stage"] == CLUSTER
        assert event["timer"]["running"] is True
        assert 85_000 < event["timer"]["remaining_ms"] <= 90_000
    send(clients.console, "timer", {"action": "pause"})
    paused = assert_heard_only_by(clients, strangers, "timer")
    assert {e["timer"]["running"] for e in paused} == {False}
    send(clients.console, "timer", {"action": "clear"})
    assert [e["timer"] for e in assert_heard_only_by(clients, strangers, "timer")] == [None] * 4
    assert send(clients.phones[0], "sync")["state"]["timer"] is None


def test_reveal_is_broadcast_to_the_workshop_only(app, make_workshop, plans_dir, tmp_path, strangers):
    source = (plans_dir / "pd-discovery.toml").read_text()
    path = tmp_path / "private-plan.toml"
    path.write_text(
        source.replace('id = "signs"\nkind = "write"', 'id = "signs"\nkind = "write"\nprivate = true')
    )
    workshop = make_workshop(plan=load_plan_file(path))
    clients = connect_all(app, workshop)
    writer, reader = clients.phones
    note = {"client_id": new_client_id(), "text": "secreta", "stage": 1}
    assert send(writer, "add_note", note)["ok"] is True
    assert send(reader, "sync")["state"]["notes"] == []
    clients.drain()
    assert send(clients.console, "reveal_stage")["ok"] is True
    for state in assert_heard_only_by(clients, strangers, "state"):
        assert state["revealed"] is True
        assert [(n["text"], n["author"]) for n in state["notes"]] == [("secreta", None)]


def test_vote_totals_stay_hidden_until_the_vote_closes(app, vote_room, strangers):
    clients = connect_all(app, vote_room.workshop)
    first, second = clients.phones
    ack = send(first, "cast_dot", {"target_id": vote_room.a, "client_id": new_client_id()})
    assert ack["ok"] is True
    assert (ack["vote"]["left"], ack["vote"]["mine"]) == (2, {str(vote_room.a): 1})
    assert "totals" not in ack["vote"]  # a tap never tells running totals
    assert [e["voters"] for e in assert_heard_only_by(clients, strangers, "vote_progress")] == [1] * 4
    send(second, "cast_dot", {"target_id": vote_room.b, "client_id": new_client_id()})
    send(second, "cast_dot", {"target_id": vote_room.a, "client_id": new_client_id()})
    presence = received(clients.console, "presence")
    assert presence, "the console hears who voted after each dot (counts only)"
    stages = {stage["index"]: stage["count"] for stage in presence[-1]["participation"]["stages"]}
    assert stages[vote_room.workshop.current_stage] == 2
    pushed = [s for c in clients.all for s in received(c, "state")]
    synced = [send(c, "sync")["state"] for c in clients.all]
    for state in pushed + synced:
        assert state["vote"]["totals"] is None
        assert all(entry["dots"] == 0 for entry in state.get("ranking") or [])
    assert send(clients.console, "close_vote", {"closed": True})["ok"] is True
    for state in assert_heard_only_by(clients, strangers, "state"):
        assert state["vote"]["closed"] is True
        assert state["vote"]["totals"] == {str(vote_room.a): 2, str(vote_room.b): 1}
    ranking = send(clients.console, "sync")["state"]["ranking"]
    assert [(e["id"], e["dots"], e["rank"]) for e in ranking] == [(vote_room.a, 2, 1), (vote_room.b, 1, 2)]


def test_cast_dot_ack_counts_down_and_refusals_store_nothing(app, vote_room):
    clients = connect_all(app, vote_room.workshop)
    phone = clients.phones[0]

    def tap(target):
        return send(phone, "cast_dot", {"target_id": target, "client_id": new_client_id()})

    assert [tap(t)["vote"]["left"] for t in (vote_room.a, vote_room.a, vote_room.b)] == [2, 1, 0]
    refusal = tap(vote_room.b)
    assert (refusal["ok"], refusal["error"]) == (False, "not_allowed")
    assert send(phone, "retract_dot", {"target_id": vote_room.a})["vote"]["left"] == 1
    second_on_b = tap(vote_room.b)  # the cap (2) allows it
    assert second_on_b["ok"] is True and second_on_b["vote"]["left"] == 0
    assert tap(vote_room.b)["error"] == "not_allowed"  # budget and cap both reached
    vote = send(phone, "sync")["state"]["vote"]
    assert vote["mine"] == {str(vote_room.a): 1, str(vote_room.b): 2}
    assert db.session.scalar(select(func.count()).select_from(Dot)) == 3


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("lock_stage", {"locked": True}),
        ("reveal_stage", {}),
        ("timer", {"action": "start", "seconds": 60}),
        ("allow_review", {"allowed": True}),
        ("hide_note", {"note_id": "NOTE", "hidden": True}),
        ("moderate_note", {"note_id": "NOTE", "text": "cambiada"}),
        ("moderate_note", {"note_id": "NOTE", "delete": True}),
        ("participants", {}),
        ("remove_participant", {"participant_id": "AUTHOR"}),
        ("group_notes", {"note_ids": ["NOTE"], "title": "Mío"}),  # plan has no participants_propose
        ("add_to_cluster", {"note_ids": ["NOTE"], "cluster_id": "CLUSTER"}),
        ("ungroup_notes", {"note_ids": ["NOTE"]}),
        ("rename_cluster", {"cluster_id": "CLUSTER", "title": "Otro"}),
        ("merge_clusters", {"source_id": "CLUSTER", "target_id": "CLUSTER"}),
        ("dissolve_cluster", {"cluster_id": "CLUSTER"}),
        ("close_vote", {"closed": True}),
        ("set_decision", {"type": "cluster", "id": "CLUSTER", "decision": "selected"}),
    ],
)
def test_participants_get_an_error_for_facilitator_events(app, board_room, event, payload):
    w, f = board_room.workshop, board_room.facilitator
    cluster = clustering.group_notes(w, f, [board_room.notes[1]], "Grupo")
    db.session.commit()
    names = {"NOTE": board_room.notes[0], "CLUSTER": cluster.id, "AUTHOR": board_room.author.id}

    def resolve(value):
        return [resolve(v) for v in value] if isinstance(value, list) else names.get(value, value)

    clients = connect_all(app, w)
    ack = send(clients.phones[0], event, {k: resolve(v) for k, v in payload.items()})
    assert (ack["ok"], ack["error"]) == (False, "not_allowed")
    assert all(received(c, "state") == [] and received(c, "timer") == [] for c in clients.all)
    db.session.expire_all()
    assert not is_locked(w, CLUSTER)
    assert db.session.get(Cluster, cluster.id).title == "Grupo"
    assert db.session.get(Participant, board_room.author.id).removed_at is None
    assert db.session.get(Note, board_room.notes[0]).text == "visitas"


def test_facilitators_do_not_vote(app, vote_room):
    console = join(app, vote_room.workshop, "facilitator")
    ack = send(console, "cast_dot", {"target_id": vote_room.a, "client_id": new_client_id()})
    assert (ack["ok"], ack["error"]) == (False, "not_allowed")


def test_a_removed_participant_is_refused(app, vote_room):
    clients = connect_all(app, vote_room.workshop)
    gone, stays = clients.phones
    listed = send(clients.console, "participants")["participants"]
    assert {(p["id"], p["online"]) for p in listed} >= {
        (gone.participant_id, True),
        (stays.participant_id, True),
    }
    clients.drain()
    ack = send(clients.console, "remove_participant", {"participant_id": gone.participant_id})
    assert ack["ok"] is True
    assert not gone.is_connected(NAMESPACE)  # the server told it and closed its connection
    heard = [event["name"] for event in stays.get_received(NAMESPACE)]
    assert "state" in heard and "removed" not in heard
    assert send(stays, "cast_dot", {"target_id": vote_room.a, "client_id": new_client_id()})["ok"] is True
    listed = send(clients.console, "participants")["participants"]
    assert gone.participant_id not in {p["id"] for p in listed}
    again = socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=gone.http,
        auth={"workshop": vote_room.workshop.id, "audience": "participant"},
    )
    assert not again.is_connected(NAMESPACE)
    assert gone.http.get(f"/p/{vote_room.workshop.code}").status_code == 403


def test_a_removed_participant_cannot_post_through_the_plain_page(app, board_room):
    """The no-JavaScript form is another door to add_note; removal must close it too."""
    w = board_room.workshop
    phone = join(app, w)
    console = join(app, w, "facilitator")
    send(console, "remove_participant", {"participant_id": phone.participant_id})
    phone.http.post(
        f"/p/{w.code}/notes", data={"text": "sigo aquí", "stage": "4", "client_id": new_client_id()}
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(Note).where(Note.participant_id == phone.participant_id)
        )
        == 0
    )


@pytest.mark.parametrize(
    ("event", "payload", "error"),
    [
        ("timer", {"action": "bogus"}, "invalid"),
        ("timer", {"action": "start", "seconds": "60"}, "invalid"),
        ("timer", {"action": "pause"}, "invalid"),  # not running
        ("lock_stage", {"locked": "yes"}, "invalid"),
        ("allow_review", {}, "invalid"),
        ("reveal_stage", {}, "invalid"),  # not a private stage
        ("close_vote", {"closed": True}, "not_allowed"),  # not a vote stage
        ("group_notes", {"note_ids": "1", "title": "x"}, "invalid"),
        ("group_notes", {"note_ids": ["OWN"], "title": ""}, "invalid"),
        ("group_notes", {"note_ids": ["NOTE"], "title": "x"}, "not_found"),
        ("add_to_cluster", {"note_ids": ["OWN"], "cluster_id": "CLUSTER"}, "not_found"),
        ("rename_cluster", {"cluster_id": "CLUSTER", "title": "robado"}, "not_found"),
        ("merge_clusters", {"source_id": "CLUSTER", "target_id": "CLUSTER"}, "not_found"),
        ("dissolve_cluster", {"cluster_id": "CLUSTER"}, "not_found"),
        ("hide_note", {"note_id": "NOTE", "hidden": True}, "not_found"),
        ("moderate_note", {"note_id": "NOTE", "delete": True}, "not_found"),
        ("moderate_note", {"note_id": "NOTE", "text": "hack"}, "not_found"),
        ("remove_participant", {"participant_id": "PARTICIPANT"}, "not_found"),
        ("set_decision", {"type": "cluster", "id": "CLUSTER", "decision": "selected"}, "not_found"),
        ("set_decision", {"type": "cluster", "id": "1", "decision": "selected"}, "invalid"),
        ("view_stage", {"stage": "1"}, "invalid"),
        ("hide_note", ["not", "a", "dict"], "invalid"),
    ],
)
def test_bad_payloads_and_foreign_ids_get_an_error(app, board_room, strangers, event, payload, error):
    names = {**{k.upper(): v for k, v in strangers.ids.items()}, "OWN": board_room.notes[0]}

    def resolve(value):
        return [resolve(v) for v in value] if isinstance(value, list) else names.get(value, value)

    clients = connect_all(app, board_room.workshop)
    if isinstance(payload, dict):
        payload = {k: resolve(v) for k, v in payload.items()}
    ack = send(clients.console, event, payload)
    assert (ack["ok"], ack["error"]) == (False, error)
    assert ack["message"]
    assert all(received(c, "state") == [] for c in [*clients.all, *strangers.all])
    db.session.expire_all()
    foreign = db.session.get(Note, strangers.ids["note"])
    assert (foreign.text, foreign.deleted_at, foreign.hidden_at) == ("ajena", None, None)
    assert db.session.get(Participant, strangers.ids["participant"]).removed_at is None


def test_moderation_and_hiding_reach_the_room(app, board_room):
    clients = connect_all(app, board_room.workshop)
    one, two, _ = board_room.notes
    assert send(clients.console, "moderate_note", {"note_id": one, "text": "visitas a casa"})["ok"]
    assert send(clients.console, "hide_note", {"note_id": two, "hidden": True})["ok"]
    for client in clients.phones + [clients.screen]:
        texts = [n["text"] for n in received(client, "state")[-1]["notes"]]
        assert texts == ["visitas a casa", "promotoras"]
    assert send(clients.console, "moderate_note", {"note_id": one, "delete": True})["ok"]
    assert [n["id"] for n in received(clients.phones[0], "state")[-1]["notes"]] == [board_room.notes[2]]


def test_looking_back_needs_the_facilitators_leave(app, board_room):
    clients = connect_all(app, board_room.workshop)
    phone = clients.phones[0]
    refusal = send(phone, "view_stage", {"stage": 2})
    assert (refusal["ok"], refusal["error"]) == (False, "not_allowed")
    assert send(clients.console, "allow_review", {"allowed": True})["ok"] is True
    assert received(phone, "state")[-1]["workshop"]["review_allowed"] is True
    view = send(phone, "view_stage", {"stage": 2})["view"]
    assert [n["text"] for n in view["notes"]] == ["visitas", "agenda"]
    assert send(phone, "heartbeat")["ok"] is True
