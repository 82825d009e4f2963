"""Against a real server (SQLite and PostgreSQL): the facilitator edits the challenge
question and puts a group in the spotlight, and two phones and the projector see both at
once; a phone cannot take the spotlight, another workshop's group is refused."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from tests.phones import Console, LiveClient, Phone
from tests.servers import BACKENDS, FACILITATOR, running_server

WORKS, GROUP = 2, 5  # pd-discovery: a write stage, the cluster stage
FIRST = "¿Cómo podríamos reducir la espera en la USF?"
EDITED = "¿Cómo podríamos <b>acortar</b> la espera sin más personal?"


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory):
    with running_server(request.param, tmp_path_factory.mktemp(f"spot-{request.param}")) as server:
        yield server


def new_workshop(server, title: str, question: str) -> dict:
    return json.loads(
        server.command(
            "new", "--plan", "pd-discovery", "--title", title, "--owner", FACILITATOR[0],
            "--question", question, "--json",
        )
    )  # fmt: skip


def marks(clients: list[LiveClient]) -> list[int]:
    """How many states each client has received so far (wait only for newer ones)."""
    return [len(client.states) for client in clients]


def wait_for_state(
    client: LiveClient, wanted: Callable[[dict], bool], since: int = 0, seconds: float = 20
) -> dict:
    """The first state received after the `since`-th that `wanted` accepts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with client.lock:
            for state in client.states[since:]:
                if wanted(state):
                    return state
        time.sleep(0.05)
    with client.lock:
        last = client.states[-1] if client.states else None
    raise AssertionError(f"no such state within {seconds} s; last: {last and last.get('spotlight')}")


def test_question_and_spotlight_reach_two_phones_and_the_projector(server, clients):
    created = new_workshop(server, "USF Capiatá", FIRST)
    other = new_workshop(server, "USF Areguá", "¿Otra?")
    workshop_id, code = created["id"], created["code"].replace("-", "")
    console = clients.add(Console(server.url))
    console.login(*FACILITATOR)
    console.connect(workshop_id, "facilitator")
    assert console.call("change_stage", {"stage": WORKS})["ok"]

    phones = [clients.add(Phone(server.url)) for _ in range(2)]
    for number, phone in enumerate(phones):
        assert phone.join(code).status_code == 200
        phone.connect(workshop_id, "participant")
        assert phone.got_state.wait(20)
        ack = phone.call(
            "add_note",
            {"client_id": f"live-spot-{number:04d}", "text": f"Turnos por WhatsApp {number}", "stage": WORKS},
        )
        assert ack["ok"], ack
    screen = clients.add(LiveClient(server.url))
    screen.connect(workshop_id, "screen", token=created["screen_url"].rsplit("/", 1)[1])
    room = [*phones, screen]
    for client in room:
        assert client.got_state.wait(20)
        assert client.states[-1]["workshop"]["question"] == FIRST  # set by `workshop new --question`

    # The facilitator rewrites the question: both phones and the projector show it at once.
    started, seen = time.monotonic(), marks(room)
    ack = console.call("set_question", {"question": EDITED})
    assert ack == {"ok": True, "question": EDITED}
    for client, since in zip(room, seen, strict=True):
        wait_for_state(client, lambda state: state["workshop"]["question"] == EDITED, since)
    question_seconds = time.monotonic() - started

    # A group in the spotlight: everyone sees it, until released.
    assert console.call("change_stage", {"stage": GROUP})["ok"]
    notes = console.call("sync")["state"]["notes"]
    ack = console.call(
        "group_notes", {"note_ids": [note["id"] for note in notes], "title": "Turnos <i>sin</i> fila"}
    )
    assert ack["ok"], ack
    group = ack["cluster_id"]
    started, seen = time.monotonic(), marks(room)
    assert console.call("spotlight", {"type": "cluster", "id": group})["ok"]
    expected = {"type": "cluster", "id": group, "text": "Turnos <i>sin</i> fila"}
    for client, since in zip(room, seen, strict=True):
        wait_for_state(client, lambda state: state.get("spotlight") == expected, since)
    spotlight_seconds = time.monotonic() - started

    # A phone cannot take the spotlight; another workshop's console cannot point at this group.
    refused = phones[0].call("spotlight", {"type": "cluster", "id": group})
    assert refused["ok"] is False and refused["error"] == "not_allowed"
    stranger = clients.add(Console(server.url))
    stranger.login(*FACILITATOR)
    stranger.connect(other["id"], "facilitator")
    refused = stranger.call("spotlight", {"type": "cluster", "id": group})
    assert refused["ok"] is False and refused["error"] == "not_found" and refused["message"]
    assert console.call("sync")["state"]["spotlight"] == expected

    seen = marks(room)
    assert console.call("release_spotlight")["ok"]
    for client, since in zip(room, seen, strict=True):
        wait_for_state(client, lambda state: state.get("spotlight") is None, since)
    print(f"question reached the room in {question_seconds:.2f} s, spotlight in {spotlight_seconds:.2f} s")
