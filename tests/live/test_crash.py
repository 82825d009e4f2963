"""The server dies mid-workshop (power cut, out of memory, a careless `kill -9`): every
note the server acknowledged is still there after a restart, and the notes the phones
resend from their outboxes are stored exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.phones import Console, Phone
from tests.servers import BACKENDS, FACILITATOR, new_workshop, running_server

PHONES = 20
NOTES_EACH = 25  # under the per-participant limit of 30 notes a minute
WORKS = 2  # pd-discovery's "what works" write stage


@pytest.fixture(params=BACKENDS)
def server(request, tmp_path):
    with running_server(request.param, tmp_path / "instance") as server:
        yield server


class Outbox:
    """A phone's outbox, as phone.js keeps it: a note stays until its ack arrives."""

    def __init__(self, phone: Phone, number: int):
        self.phone = phone
        self.pending = [f"crash-{number:02d}-{n:03d}" for n in range(NOTES_EACH)]
        self.acked: list[str] = []

    def note(self, client_id: str) -> dict:
        return {"client_id": client_id, "text": f"Nota {client_id}", "stage": WORKS, "lane": None}

    def flush(self, stop: threading.Event | None = None) -> None:
        while self.pending and not (stop and stop.is_set()):
            client_id = self.pending[0]
            try:
                ack = self.phone.call("add_note", self.note(client_id))
            except Exception:  # the server died: keep the note, resend it later
                return
            assert ack["ok"], ack
            self.acked.append(client_id)
            self.pending.pop(0)


def test_every_acknowledged_note_survives_a_kill(server, clients):
    created = new_workshop(server)
    code, workshop_id = created["code"].replace("-", ""), created["id"]
    console = clients.add(Console(server.url))
    console.login(*FACILITATOR)
    console.connect(workshop_id, "facilitator")
    assert console.call("change_stage", {"stage": WORKS})["ok"]
    console.disconnect()
    outboxes = []
    for number in range(PHONES):
        phone = clients.add(Phone(server.url, timeout=10))  # a call in flight when the server dies fails soon
        assert phone.join(code).status_code == 200
        phone.connect(workshop_id, "participant")
        outboxes.append(Outbox(phone, number))

    threads = [threading.Thread(target=outbox.flush) for outbox in outboxes]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while sum(len(o.acked) for o in outboxes) < PHONES * NOTES_EACH // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # SIGKILL: no shutdown, no last commit
    for thread in threads:
        thread.join(timeout=90)
    acked_before = {client_id for outbox in outboxes for client_id in outbox.acked}
    assert 0 < len(acked_before) < PHONES * NOTES_EACH, "the kill should land mid-workshop"

    server.start()  # same instance folder, same database
    for outbox in outboxes:
        outbox.phone.disconnect()
        outbox.phone.connect(workshop_id, "participant")
        # Phones resend what was never acknowledged, and the last note again (its ack may
        # have died with the server after the commit): a resend must not store it twice.
        if outbox.acked:
            outbox.pending.insert(0, outbox.acked[-1])
        outbox.flush()
        assert outbox.pending == []

    console = clients.add(Console(server.url))
    console.login(*FACILITATOR)
    console.connect(workshop_id, "facilitator")
    stored = Counter(note["client_id"] for note in console.call("sync")["state"]["notes"])
    assert acked_before <= set(stored)
    assert set(stored) == {f"crash-{n:02d}-{m:03d}" for n in range(PHONES) for m in range(NOTES_EACH)}
    assert max(stored.values()) == 1
