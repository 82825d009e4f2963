"""Burst benchmark: a room of phones behind one address, all tapping in the same second.

What a real workshop does to the server: 60 phones (one address, as on a clinic's Wi-Fi
or a carrier's NAT) open the join link at once, connect at once, post a note each at
once, tap their dots (several taps in flight each, past their budget), reconnect at once
and leave at once. Against a real `workshop serve` with its default settings (rate limits
on), on the embedded SQLite and, when --database-url is given, on PostgreSQL.

Prints, per backend and phase: how long the whole burst took, acknowledgement latency
p50/p95/p99 (each call, from send to ack), and errors: HTTP 5xx, acks with error
"server" (a failure the phone would have to retry), and refusals that are answers
(the budget or the cap reached: "not_allowed").

The clients run in this process (threads), on the same machine as the server: the
load generator's CPU time is printed so you can tell whether it, not the server, was
the bottleneck.

Usage (from the project root):

    .venv/bin/python bench/burst.py
    .venv/bin/python bench/burst.py --phones 60 --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live.test_room_bursts import GROUP, VOTE, WORKS, at_once  # noqa: E402
from tests.phones import Clients, Console, Phone  # noqa: E402
from tests.servers import FACILITATOR, new_workshop, running_server  # noqa: E402


class Timed:
    """Latencies and outcomes of the calls of one phase."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.outcomes: Counter = Counter()

    def call(self, client, event: str, payload: dict) -> dict:
        started = time.monotonic()
        try:
            ack = client.call(event, payload)
        except Exception as error:  # a timeout: the phone would retry
            self.outcomes[f"no answer ({type(error).__name__})"] += 1
            return {"ok": False, "error": "timeout"}
        self.latencies.append(time.monotonic() - started)
        self.outcomes["ok" if ack.get("ok") else ack.get("error", "?")] += 1
        return ack

    def row(self, name: str, wall: float) -> str:
        values = sorted(self.latencies) or [0.0]

        def at(q: float) -> float:
            return values[min(len(values) - 1, int(q * len(values)))] * 1000

        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (
            f"  {name:<22} {wall:6.2f} s   p50 {at(0.5):6.0f}  p95 {at(0.95):6.0f}  p99 {at(0.99):6.0f} ms"
            f"   {outcomes}"
        )


def run(backend: str, database_url: str | None, phones_count: int) -> list[str]:
    if database_url:
        os.environ["WORKSHOP_TEST_DATABASE_URL"] = database_url
    lines = [f"{backend}: {phones_count} phones, one address, default settings (rate limits on)"]
    with (
        tempfile.TemporaryDirectory() as folder,
        running_server(backend, Path(folder)) as server,
        Clients() as clients,
    ):
        created = new_workshop(server)
        workshop_id, code = created["id"], created["code"].replace("-", "")
        console = clients.add(Console(server.url))
        console.login(*FACILITATOR)
        console.connect(workshop_id, "facilitator")
        console.call("change_stage", {"stage": WORKS})
        phones = [clients.add(Phone(server.url)) for _ in range(phones_count)]

        started = time.monotonic()
        statuses = Counter(page.status_code for page in at_once(phones_count, lambda i: phones[i].join(code)))
        lines.append(f"  {'join (HTTP)':<22} {time.monotonic() - started:6.2f} s   statuses {dict(statuses)}")

        started = time.monotonic()
        at_once(phones_count, lambda i: phones[i].connect(workshop_id, "participant"))
        states = sum(phone.got_state.wait(30) for phone in phones)
        lines.append(f"  {'connect':<22} {time.monotonic() - started:6.2f} s   {states} states received")

        notes = Timed()
        started = time.monotonic()
        at_once(
            phones_count,
            lambda i: notes.call(
                phones[i], "add_note", {"client_id": f"bench-{i:05d}", "text": f"Idea {i}", "stage": WORKS}
            ),
        )
        lines.append(notes.row("note each", time.monotonic() - started))

        console.call("change_stage", {"stage": GROUP})
        ids = [note["id"] for note in console.call("sync")["state"]["notes"]]
        groups = [
            console.call("group_notes", {"note_ids": ids[n::3], "title": f"G{n}"})["cluster_id"]
            for n in range(3)
        ]
        console.call("change_stage", {"stage": VOTE})
        dots = Timed()

        def taps(i: int) -> None:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=6) as pool:
                list(
                    pool.map(
                        lambda n: dots.call(
                            phones[i],
                            "cast_dot",
                            {"target_id": groups[n % 3], "client_id": f"bd-{i:04d}-{n}"},
                        ),
                        range(6),
                    )
                )

        started = time.monotonic()
        at_once(phones_count, taps)
        lines.append(dots.row("6 dot taps each", time.monotonic() - started))

        started = time.monotonic()
        at_once(phones_count, lambda i: phones[i].disconnect())
        at_once(phones_count, lambda i: phones[i].connect(workshop_id, "participant"))
        states = sum(phone.got_state.wait(30) for phone in phones)
        lines.append(f"  {'reconnect':<22} {time.monotonic() - started:6.2f} s   {states} states received")

        started = time.monotonic()
        at_once(phones_count, lambda i: phones[i].disconnect())
        while console.call("sync")["state"]["participation"]["online"] and time.monotonic() - started < 30:
            time.sleep(0.05)
        online = console.call("sync")["state"]["participation"]["online"]
        lines.append(f"  {'leave':<22} {time.monotonic() - started:6.2f} s   online afterwards: {online}")
        errors = sum(1 for line in server.log().splitlines() if "Traceback" in line or "locked" in line)
        lines.append(f"  server log: {errors} tracebacks or lock errors")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    lines.append(f"  load generator CPU: {usage.ru_utime + usage.ru_stime:.1f} s (this process, all phases)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=60)
    parser.add_argument("--database-url", help="also run on PostgreSQL (a schema of its own is made)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for line in run("sqlite", None, args.phones):
        print(line)
    if args.database_url:
        for line in run("postgresql", args.database_url, args.phones):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
