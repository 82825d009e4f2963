"""Real-time behaviour through Flask-SocketIO's test client: two phones and a
facilitator in one workshop, a projector, and a stranger from another workshop."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from tests.factories import new_client_id
from workshop.board.models import Note
from workshop.extensions import db, socketio
from workshop.live import NAMESPACE


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
def phone(app, workshop):
    """A participant's phone: joined over HTTP, then connected live."""

    def make():
        http = app.test_client()
        http.get(f"/j/{workshop.code}")
        return connect(app, http, workshop, "participant")

    return make


@pytest.fixture
def console(app, workshop, facilitator):
    http = app.test_client()
    http.post("/login", data={"email": "ana@example.org", "password": "correct horse battery"})
    return connect(app, http, workshop, "facilitator")


@pytest.fixture
def projector(app, workshop):
    return connect(app, app.test_client(), workshop, "screen", token=workshop.screen_token)


def note_payload(text="Visitas domiciliarias", stage=1, **extra):
    return {"client_id": new_client_id(), "text": text, "stage": stage, **extra}


def test_connect_sends_full_state(phone, workshop):
    one = phone()
    assert one.is_connected(NAMESPACE)
    [state] = received(one, "state")
    assert state["stage"]["index"] == 1
    assert state["stage"]["kind"] == "write"
    assert state["workshop"]["id"] == workshop.id
    assert state["notes"] == []


def test_note_reaches_everyone_in_the_workshop(phone, console, projector):
    one, two = phone(), phone()
    for client in (one, two, console, projector):
        client.get_received(NAMESPACE)
    ack = one.emit("add_note", note_payload(), namespace=NAMESPACE, callback=True)
    assert ack["ok"] is True
    assert ack["note"]["mine"] is True
    assert ack["note"]["text"] == "Visitas domiciliarias"
    for client in (two, console, projector):
        [event] = received(client, "note_added")
        assert event["note"]["id"] == ack["note"]["id"]
        assert event["note"]["author"] is None
        assert event["note"]["mine"] is False


def test_no_broadcast_to_another_workshop(app, phone, make_workshop):
    other = make_workshop(title="Otro taller")
    stranger_http = app.test_client()
    stranger_http.get(f"/j/{other.code}")
    stranger = connect(app, stranger_http, other, "participant")
    stranger.get_received(NAMESPACE)
    phone().emit("add_note", note_payload(), namespace=NAMESPACE, callback=True)
    assert received(stranger, "note_added") == []


def test_resend_is_stored_once_and_broadcast_once(phone):
    one, two = phone(), phone()
    two.get_received(NAMESPACE)
    payload = note_payload()
    first = one.emit("add_note", payload, namespace=NAMESPACE, callback=True)
    again = one.emit("add_note", payload, namespace=NAMESPACE, callback=True)
    assert first["note"]["id"] == again["note"]["id"]
    assert again["created"] is False
    assert len(received(two, "note_added")) == 1
    assert db.session.scalar(select(func.count()).select_from(Note)) == 1


def test_stage_change_moves_every_phone(phone, console, projector):
    one, two = phone(), phone()
    for client in (one, two, projector):
        client.get_received(NAMESPACE)
    ack = console.emit("change_stage", {"stage": 2}, namespace=NAMESPACE, callback=True)
    assert ack["ok"] is True
    for client in (one, two, projector):
        states = received(client, "state")
        assert states[-1]["stage"]["index"] == 2
        assert states[-1]["stage"]["lanes"][0]["key"] == "social"


def test_participant_cannot_change_stage(phone, workshop):
    one = phone()
    ack = one.emit("change_stage", {"stage": 5}, namespace=NAMESPACE, callback=True)
    # The workshop is in Spanish, so its phones are answered in Spanish.
    assert ack == {
        "ok": False,
        "error": "not_allowed",
        "message": "Solo un/a facilitador/a puede hacer esto.",
    }
    db.session.refresh(workshop)
    assert workshop.current_stage == 1


@pytest.mark.parametrize(
    "payload",
    [
        "just a string",
        ["a", "list"],
        42,
        {"text": "no client id", "stage": 1},
        {"client_id": new_client_id(), "text": "x" * 501, "stage": 1},
        {"client_id": new_client_id(), "text": "", "stage": 1},
        {"client_id": new_client_id(), "text": "bad stage", "stage": "one"},
        {"client_id": new_client_id(), "text": "bad lane", "stage": 1, "lane": {"x": 1}},
    ],
)
def test_malformed_payloads_get_an_error_ack(phone, payload):
    one = phone()
    ack = one.emit("add_note", payload, namespace=NAMESPACE, callback=True)
    assert ack["ok"] is False
    assert ack["message"]
    assert one.is_connected(NAMESPACE)
    assert db.session.scalar(select(func.count()).select_from(Note)) == 0


def test_another_workshops_note_ids_are_refused(app, phone, make_workshop, make_participant):
    from workshop.board.services import add_note

    other = make_workshop(title="Otro")
    foreign, _ = add_note(other, make_participant(other), "ajena", new_client_id(), 1)
    db.session.commit()
    one = phone()
    for event in ("edit_note", "delete_note"):
        ack = one.emit(event, {"note_id": foreign.id, "text": "hack"}, namespace=NAMESPACE, callback=True)
        assert ack["ok"] is False
        assert ack["error"] == "not_found"
    db.session.refresh(foreign)
    assert foreign.text == "ajena"
    assert foreign.deleted_at is None


def test_edit_and_delete_are_broadcast(phone, console):
    one = phone()
    ack = one.emit("add_note", note_payload("borrador"), namespace=NAMESPACE, callback=True)
    console.get_received(NAMESPACE)
    note_id = ack["note"]["id"]
    edited = one.emit(
        "edit_note", {"note_id": note_id, "text": "versión final"}, namespace=NAMESPACE, callback=True
    )
    assert edited["note"]["text"] == "versión final"
    assert received(console, "note_updated")[0]["note"]["text"] == "versión final"
    one.emit("delete_note", {"note_id": note_id}, namespace=NAMESPACE, callback=True)
    assert received(console, "note_deleted")[0]["note"]["id"] == note_id


def test_private_stage_notes_stay_private(
    app, facilitator, make_workshop, make_participant, plans_dir, tmp_path
):
    from workshop.plans import load_plan_file

    source = (plans_dir / "pd-discovery.toml").read_text()
    private_plan = tmp_path / "private-plan.toml"
    private_plan.write_text(
        source.replace('id = "signs"\nkind = "write"', 'id = "signs"\nkind = "write"\nprivate = true')
    )
    workshop = make_workshop(plan=load_plan_file(private_plan))
    http_one, http_two = app.test_client(), app.test_client()
    http_one.get(f"/j/{workshop.code}")
    http_two.get(f"/j/{workshop.code}")
    one = connect(app, http_one, workshop, "participant")
    two = connect(app, http_two, workshop, "participant")
    screen = connect(app, app.test_client(), workshop, "screen", token=workshop.screen_token)
    console_http = app.test_client()
    console_http.post("/login", data={"email": "ana@example.org", "password": "correct horse battery"})
    console = connect(app, console_http, workshop, "facilitator")
    for client in (one, two, screen, console):
        client.get_received(NAMESPACE)
    one.emit("add_note", note_payload("secreta"), namespace=NAMESPACE, callback=True)
    assert received(two, "note_added") == []
    assert received(screen, "note_added") == []
    assert received(console, "note_added")[0]["note"]["text"] == "secreta"
    own = received(one, "note_added")
    assert own[0]["note"]["mine"] is True
    sync_two = two.emit("sync", {}, namespace=NAMESPACE, callback=True)
    assert sync_two["state"]["notes"] == []
    assert sync_two["state"]["note_count"] == 1
    sync_one = one.emit("sync", {}, namespace=NAMESPACE, callback=True)
    assert [n["text"] for n in sync_one["state"]["notes"]] == ["secreta"]


def test_connection_refused_without_joining(app, workshop):
    stranger = connect(app, app.test_client(), workshop, "participant")
    assert not stranger.is_connected(NAMESPACE)


def test_facilitator_connection_needs_login(app, workshop):
    anonymous = connect(app, app.test_client(), workshop, "facilitator")
    assert not anonymous.is_connected(NAMESPACE)


def test_projector_needs_its_token(app, workshop):
    wrong = connect(app, app.test_client(), workshop, "screen", token="guess")
    assert not wrong.is_connected(NAMESPACE)


def test_participant_token_is_bound_to_its_workshop(app, workshop, make_workshop):
    """A phone joined to workshop A cannot listen to workshop B by changing the id."""
    other = make_workshop(title="B")
    http = app.test_client()
    http.get(f"/j/{workshop.code}")
    sneaky = connect(app, http, other, "participant")
    assert not sneaky.is_connected(NAMESPACE)


def test_join_is_announced_to_facilitator(app, console, workshop):
    console.get_received(NAMESPACE)
    app.test_client().get(f"/j/{workshop.code}")
    [event] = received(console, "participants_changed")
    assert event["count"] == 1


class TestCoalescedPresence:
    """The console's counts follow a burst of notes once, after LIVE_PRESENCE_SECONDS,
    not once per note (each refresh runs several counting queries)."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "LIVE_COALESCE_SECONDS": 0.05, "LIVE_PRESENCE_SECONDS": 0.6}

    def test_a_burst_of_notes_moves_the_console_counts_once(self, phone, console):
        phones = [phone() for _ in range(3)]
        socketio.sleep(0.8)  # the phones' arrival is counted too: let that refresh go out first
        console.get_received(NAMESPACE)
        first_sent = time.monotonic()
        for number in range(6):
            ack = phones[number % 3].emit(
                "add_note", note_payload(f"nota {number}"), namespace=NAMESPACE, callback=True
            )
            assert ack["ok"] is True
        heard: list[tuple[float, dict]] = []
        while time.monotonic() < first_sent + 5 and not any(p["note_counts"].get("1") == 6 for _, p in heard):
            socketio.sleep(0.02)
            heard += [(time.monotonic(), p) for p in received(console, "presence")]
        assert heard, "the console hears the new counts"
        assert heard[0][0] - first_sent >= 0.6  # not at the 0.05 s of other refreshes
        assert heard[-1][1]["note_counts"]["1"] == 6
        assert len(heard) <= 2  # once per window, whatever the number of notes


class TestNoteWritePath:
    """What one note costs the database: one short write transaction, nothing read again
    after its commit (what is announced is read inside it), the duplicate check left to
    the unique index. The hot path of a room of phones (bench/fanout.py)."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "LIVE_COALESCE_SECONDS": 30}  # no refresh during the count

    def test_a_note_is_one_write_and_no_read_after_its_commit(self, app, phone, console):
        one, two = phone(), phone()
        statements: list[str] = []

        def statement(conn, cursor, text, *args):
            statements.append(" ".join(text.split())[:60])

        def commit(conn):
            statements.append("COMMIT")

        sqlalchemy_event.listen(db.engine, "before_cursor_execute", statement)
        sqlalchemy_event.listen(db.engine, "commit", commit)
        try:
            ack = one.emit("add_note", note_payload(), namespace=NAMESPACE, callback=True)
        finally:
            sqlalchemy_event.remove(db.engine, "before_cursor_execute", statement)
            sqlalchemy_event.remove(db.engine, "commit", commit)
        assert ack["ok"] is True and received(two, "note_added")[0]["note"]["id"] == ack["note"]["id"]
        assert statements.count("COMMIT") == 1 and statements[-1] == "COMMIT", statements
        writes = [text for text in statements if not text.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
        assert len(writes) <= 5, writes  # context, stage lock, insert, revision, commit
        assert not any(text.startswith("SELECT note") for text in writes), writes


class TestPostingRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True}

    def test_a_flood_of_notes_is_cut_off(self, phone):
        one = phone()
        acks = [
            one.emit("add_note", note_payload(f"nota {i}"), namespace=NAMESPACE, callback=True)
            for i in range(35)
        ]
        assert all(ack["ok"] for ack in acks[:30])
        assert acks[-1]["ok"] is False
        assert acks[-1]["error"] == "rate_limited"  # temporary: the phone waits and resends
        assert 1 <= acks[-1]["retry_after"] <= 60
        assert db.session.scalar(select(func.count()).select_from(Note)) == 30


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://evil.example", False),
        ("http://workshop.test", True),  # the configured base URL
        ("http://localhost", True),  # the page's own host
    ],
)
def test_socketio_accepts_only_its_own_origin(client, origin, allowed):
    response = client.get(
        "/socket.io/",
        query_string={"EIO": "4", "transport": "polling"},
        headers={"Origin": origin, "Host": "localhost"},
    )
    assert (response.status_code == 200) is allowed
