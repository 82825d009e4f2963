"""A real room: 60 phones behind one address (a clinic's Wi-Fi, a carrier's NAT) against a
real server with its default settings — rate limits on — on the embedded SQLite and on
PostgreSQL. Everyone joins, connects, writes, votes, reconnects and leaves within the
same second, as a room does when the facilitator says "now"."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.phones import Console, Phone
from tests.servers import BACKENDS, FACILITATOR, new_workshop, running_server

ROOM = 60
WORKS, GROUP, VOTE = 2, 5, 6  # pd-discovery: a write stage, the cluster stage, the vote (3 dots, cap 2)
SERVER_ERRORS = ("Traceback", "database is locked", "could not record", "live event")


def at_once(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(i)` for every i in as many threads, released by one barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        barrier.wait()
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory):
    with running_server(request.param, tmp_path_factory.mktemp(f"room-{request.param}")) as server:
        yield server


def test_a_room_of_60_phones_behind_one_address(server, clients):
    created = new_workshop(server)
    workshop_id, code = created["id"], created["code"].replace("-", "")
    console = clients.add(Console(server.url))
    console.login(*FACILITATOR)
    console.connect(workshop_id, "facilitator")
    assert console.call("change_stage", {"stage": WORKS})["ok"]
    phones = [clients.add(Phone(server.url)) for _ in range(ROOM)]

    # Everyone opens the join link within the same second: all are in within 10 s.
    started = time.monotonic()
    pages = at_once(ROOM, lambda i: phones[i].join(code))
    joined_in = time.monotonic() - started
    assert Counter(page.status_code for page in pages) == {200: ROOM}
    assert all(page.url.endswith(f"/p/{code}") for page in pages)
    assert joined_in <= 10, f"{ROOM} phones needed {joined_in:.1f} s to join"

    # Everyone connects at once; each gets its state.
    at_once(ROOM, lambda i: phones[i].connect(workshop_id, "participant"))
    assert all(phone.got_state.wait(30) for phone in phones)

    # One note each, at once: every one acknowledged and stored exactly once.
    acks = at_once(
        ROOM,
        lambda i: phones[i].call(
            "add_note",
            {"client_id": f"burst-note-{i:04d}", "text": f"Idea {i}", "stage": WORKS, "lane": None},
        ),
    )
    assert [ack["ok"] for ack in acks] == [True] * ROOM, [ack for ack in acks if not ack["ok"]][:3]
    state = console.call("sync")["state"]
    assert state["note_count"] == ROOM
    assert sorted(note["client_id"] for note in state["notes"]) == [
        f"burst-note-{i:04d}" for i in range(ROOM)
    ]

    # Three groups to vote on.
    assert console.call("change_stage", {"stage": GROUP})["ok"]
    note_ids = [note["id"] for note in console.call("sync")["state"]["notes"]]
    groups = []
    for number in range(3):
        ack = console.call("group_notes", {"note_ids": note_ids[number::3], "title": f"Grupo {number}"})
        assert ack["ok"], ack
        groups.append(ack["cluster_id"])
    assert console.call("change_stage", {"stage": VOTE})["ok"]

    # Everyone taps 6 times at once, 2 on each group: the budget (3) and the cap (2) hold
    # exactly, retries of the same tap count once, and nothing fails on the server.
    def tap(i: int) -> list[dict]:
        taps = [(groups[n % 3], f"dot-{i:03d}-{n}") for n in range(6)]
        taps.append(taps[0])  # a retried tap, same client id
        with ThreadPoolExecutor(max_workers=len(taps)) as pool:
            return list(
                pool.map(lambda t: phones[i].call("cast_dot", {"target_id": t[0], "client_id": t[1]}), taps)
            )

    answers = [ack for acks in at_once(ROOM, tap) for ack in acks]
    assert not [ack for ack in answers if not ack["ok"] and ack["error"] not in ("not_allowed",)]
    for phone in phones:
        vote = phone.call("sync")["state"]["vote"]
        assert sum(vote["mine"].values()) == 3
        assert max(vote["mine"].values()) <= 2
        assert vote["left"] == 0
    assert console.call("close_vote", {"closed": True})["ok"]
    totals = console.call("sync")["state"]["vote"]["totals"]
    assert sum(totals.values()) == 3 * ROOM

    # The Wi-Fi drops and comes back: everyone reconnects at once and gets a state.
    at_once(ROOM, lambda i: phones[i].disconnect())
    at_once(ROOM, lambda i: phones[i].connect(workshop_id, "participant"))
    assert all(phone.got_state.wait(30) for phone in phones)
    assert _online(console) == ROOM

    # Everyone leaves at once: nobody stays "online" on the console.
    at_once(ROOM, lambda i: phones[i].disconnect())
    assert _online(console, until=0) == 0
    console.disconnect()

    log = server.log()
    assert not [line for line in log.splitlines() if any(mark in line for mark in SERVER_ERRORS)], log[-3000:]


def _online(console: Console, until: int | None = None, seconds: float = 10) -> int:
    """The console's online count; with `until`, wait (a few seconds at most) for it."""
    deadline = time.monotonic() + seconds
    while True:
        online = console.call("sync")["state"]["participation"]["online"]
        if until is None or online == until or time.monotonic() > deadline:
            return online
        time.sleep(0.2)
