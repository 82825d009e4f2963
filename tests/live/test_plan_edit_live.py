"""Against a real server (SQLite and PostgreSQL): the facilitator saves the plan editor's
form during a workshop (a prompt and the dots), and two phones and the projector get the
new texts at once; removing the stage that holds their notes is refused and changes
nothing."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.forms import form_fields
from tests.phones import Console, LiveClient, Phone
from tests.servers import BACKENDS, FACILITATOR, running_server

SIGNS = 1  # pd-discovery: the first write stage
NEW_PROMPT = "¿Qué señales de espera larga ven en la USF? Una por nota."


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory):
    with running_server(request.param, tmp_path_factory.mktemp(f"plan-{request.param}")) as server:
        yield server


def editor_fields(console: Console, workshop_id: int) -> list[tuple[str, str]]:
    page = console.http.get(f"{console.base_url}/w/{workshop_id}/plan", timeout=30)
    assert page.status_code == 200
    return [(name, value) for name, value in form_fields(page.text) if name != "new_kind"]


def row_key(fields, stage_id: str) -> str:
    return next(n.removesuffix("-origin") for n, v in fields if n.endswith("-origin") and v == stage_id)


def wait_for(client: LiveClient, wanted, since: int, seconds: float = 20) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with client.lock:
            for state in client.states[since:]:
                if wanted(state):
                    return state
        time.sleep(0.05)
    raise AssertionError(f"no such state within {seconds} s")


def test_a_plan_edit_reaches_two_phones_and_the_projector(server, clients):
    created = json.loads(
        server.command(
            "new", "--plan", "pd-discovery", "--title", "USF Luque", "--owner", FACILITATOR[0], "--json"
        )
    )  # fmt: skip
    workshop_id, code = created["id"], created["code"].replace("-", "")
    console = clients.add(Console(server.url))
    console.login(*FACILITATOR)
    console.connect(workshop_id, "facilitator")
    assert console.call("change_stage", {"stage": SIGNS})["ok"]
    phones = [clients.add(Phone(server.url)) for _ in range(2)]
    for number, phone in enumerate(phones):
        assert phone.join(code).status_code == 200
        phone.connect(workshop_id, "participant")
        assert phone.got_state.wait(20)
        note = {"client_id": f"live-plan-{number:04d}", "text": f"Fila desde las 5 {number}", "stage": SIGNS}
        assert phone.call("add_note", note)["ok"]
    screen = clients.add(LiveClient(server.url))
    screen.connect(workshop_id, "screen", token=created["screen_url"].rsplit("/", 1)[1])
    room = [*phones, screen]
    assert screen.got_state.wait(20)

    fields = editor_fields(console, workshop_id)
    signs, vote = row_key(fields, "signs"), row_key(fields, "try-next")
    edited = [
        (name, NEW_PROMPT if name == f"{signs}-prompt-es" else "5" if name == f"{vote}-dots" else value)
        for name, value in fields
    ]
    seen = [len(client.states) for client in room]
    started = time.monotonic()
    response = console.http.post(
        f"{server.url}/w/{workshop_id}/plan",
        data=[*edited, ("action", "save")],
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text
    for client, since in zip(room, seen, strict=True):
        state = wait_for(client, lambda s: s["stage"]["prompt"] == NEW_PROMPT, since)
        assert state["stage"]["index"] == SIGNS
    seconds = time.monotonic() - started
    assert console.call("sync")["state"]["stages"][6]["kind"] == "vote"

    # The stage holding the phones' notes cannot go (the room is elsewhere now).
    assert console.call("change_stage", {"stage": 0})["ok"]
    fields = editor_fields(console, workshop_id)
    signs = row_key(fields, "signs")
    without = [(n, v) for n, v in fields if not n.startswith(f"{signs}-") and (n, v) != ("row", signs)]
    response = console.http.post(
        f"{server.url}/w/{workshop_id}/plan",
        data=[*without, ("action", "save")],
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 400
    assert re.search(r"ya tiene aportes \(2 notas\)", response.text)
    assert console.call("sync")["state"]["stages"][SIGNS]["title"] == "Señales del problema"
    history = console.http.get(f"{server.url}/w/{workshop_id}/plan/history", timeout=30).text
    assert history.count("<li>Etapa") == 2  # the prompt and the dots: one edit, two lines
    print(f"plan edit reached 2 phones and the projector in {seconds:.2f} s")
