"""`workshop serve --processes 3`: three single-worker processes behind HAProxy (sticky
sessions, deploy/haproxy.cfg), sharing PostgreSQL and the Redis message queue. 300 phones
spread over them; one process is killed mid-workshop; its phones reconnect through the
proxy and resend their outboxes: every acknowledged note is stored exactly once, and
every phone still hears the notes posted on the other processes.

Needs WORKSHOP_TEST_DATABASE_URL, WORKSHOP_TEST_REDIS_URL and HAProxy (.ci/run provides
all three)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.phones import Clients, Console, Phone
from tests.servers import FACILITATOR, Server, database_for, new_workshop

PHONES = 300
NOTES_EACH = 4
PACE = 3.0  # seconds between a phone's notes: 100 notes a second from the room
WORKS = 1
# Private writing: each note goes to its author and the console, not to 300 phones, so
# the test's own 300 clients (one Python process) are not what limits it.
PLAN = """
title = { es = "Sala grande", en = "Large room" }
description = { es = "Escribir en privado.", en = "Write privately." }
[[stages]]
id = "intro"
kind = "discuss"
title = { es = "Bienvenida", en = "Welcome" }
prompt = { es = "Hola", en = "Hello" }
[[stages]]
id = "ideas"
kind = "write"
private = true
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué funciona?", en = "What works?" }
"""


@pytest.fixture
def proxied(tmp_path):
    database, redis_url = (
        os.environ.get("WORKSHOP_TEST_DATABASE_URL"),
        os.environ.get("WORKSHOP_TEST_REDIS_URL"),
    )
    missing = [
        name
        for name, ok in [("PostgreSQL", database), ("Redis", redis_url), ("HAProxy", shutil.which("haproxy"))]
        if not ok
    ]
    if missing:
        message = f"needs {', '.join(missing)} (.ci/run installs and sets them)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    instance = tmp_path / "instance"
    instance.mkdir()
    with database_for("postgresql", instance) as database_url:
        server = Server(
            instance,
            database_url,
            extra_env={"WORKSHOP_MESSAGE_QUEUE": redis_url},
            serve_args=("--processes", "3"),
        )
        server.command("create-facilitator", FACILITATOR[0], "--password-stdin", stdin=FACILITATOR[1] + "\n")
        server.start()
        try:
            yield server
        finally:
            server.stop()


def worker_ports(server: Server) -> dict[str, int]:
    """The processes' names (the sticky cookie's values) and ports, from the proxy's file."""
    config = (server.instance / "haproxy.cfg").read_text()
    return {name: int(port) for name, port in re.findall(r"server (w\d) 127\.0\.0\.1:(\d+)", config)}


def kill_worker(port: int) -> None:
    """SIGKILL one process (its gunicorn master and worker): no shutdown at all."""
    found = subprocess.run(
        ["pgrep", "-f", f"serve --host 127.0.0.1 --port {port}$"], capture_output=True, text=True
    )
    pids = [int(pid) for pid in found.stdout.split()]
    assert pids, f"no process on port {port}"
    for pid in pids:
        os.killpg(os.getpgid(pid), signal.SIGKILL)


class Outbox:
    """A phone's outbox as phone.js keeps it: a note stays until its ack arrives; a
    dropped connection is opened again (through the proxy), then the outbox resent."""

    def __init__(self, phone: Phone, number: int, workshop_id: int):
        self.phone, self.workshop_id = phone, workshop_id
        self.pending = [f"proc-{number:03d}-{n}" for n in range(NOTES_EACH)]
        self.acked: list[str] = []
        self.reconnections = 0
        self.errors: list[str] = []

    def flush(self, pace: float) -> None:
        deadline = time.monotonic() + 120
        while self.pending and time.monotonic() < deadline:
            client_id = self.pending[0]
            try:
                ack = self.phone.call(
                    "add_note", {"client_id": client_id, "text": f"Nota {client_id}", "stage": WORKS}
                )
            except Exception as error:
                self.errors.append(repr(error))
                self.reconnect()
                continue
            if not ack["ok"]:
                self.errors.append(str(ack))
                time.sleep(pace)
                continue
            self.acked.append(client_id)
            self.pending.pop(0)
            time.sleep(pace)

    def reconnect(self) -> None:
        self.phone.disconnect()
        time.sleep(0.5 + 0.01 * (self.reconnections % 50))
        try:
            self.phone.connect(self.workshop_id, "participant")
        except Exception:
            return  # try again at the next note
        self.reconnections += 1
        if self.acked:  # its ack may have died with the process after the commit
            self.pending.insert(0, self.acked.pop())


def test_three_processes_lose_nothing_when_one_dies(proxied):
    server = proxied
    plan = server.instance / "large-room.toml"
    plan.write_text(PLAN)
    created = new_workshop(server, plan=str(plan))
    code, workshop_id = created["code"].replace("-", ""), created["id"]
    with Clients() as clients:
        console = clients.add(Console(server.url))
        console.login(*FACILITATOR)
        console.connect(workshop_id, "facilitator")
        assert console.call("change_stage", {"stage": WORKS})["ok"]

        def arrive(number: int) -> Outbox:
            phone = clients.add(Phone(server.url, timeout=10))
            assert phone.join(code).status_code == 200
            phone.connect(workshop_id, "participant")
            return Outbox(phone, number, workshop_id)

        with ThreadPoolExecutor(max_workers=30) as pool:
            outboxes = list(pool.map(arrive, range(PHONES)))
        spread = Counter(o.phone.http.cookies.get("WORKSHOP_PROCESS") for o in outboxes)
        ports = worker_ports(server)
        assert set(spread) == set(ports) and min(spread.values()) >= PHONES // 6, spread

        victim = "w2"
        threads = [threading.Thread(target=o.flush, args=(PACE,)) for o in outboxes]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while sum(len(o.acked) for o in outboxes) < PHONES and time.monotonic() < deadline:
            time.sleep(0.05)
        acked_before_kill = sum(len(o.acked) for o in outboxes)
        kill_worker(ports[victim])
        for thread in threads:
            thread.join(timeout=180)
        assert all(not o.pending for o in outboxes), [
            (o.pending, o.errors[-3:]) for o in outboxes if o.pending
        ][:5]
        assert 0 < acked_before_kill < PHONES * NOTES_EACH, "the kill should land mid-workshop"
        on_victim = [o for o in outboxes if o.phone.http.cookies.get("WORKSHOP_PROCESS") == victim]
        assert all(o.reconnections >= 1 for o in on_victim)

        console.disconnect()
        console.connect(workshop_id, "facilitator")
        stored = Counter(note["client_id"] for note in console.call("sync")["state"]["notes"])
        assert set(stored) == {f"proc-{n:03d}-{m}" for n in range(PHONES) for m in range(NOTES_EACH)}
        assert max(stored.values()) == 1

        # Live after the kill: a note posted on one process reaches the console on another.
        console_process = console.http.cookies.get("WORKSHOP_PROCESS")
        speaker = next(
            o.phone
            for o in outboxes
            if o.phone.http.cookies.get("WORKSHOP_PROCESS") not in (console_process, victim)
        )
        assert speaker.call("add_note", {"client_id": "after-the-kill", "text": "Después", "stage": WORKS})[
            "ok"
        ]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with console.lock:
                if any(
                    e == "note_added" and p["note"]["client_id"] == "after-the-kill"
                    for e, p in console.events
                ):
                    break
            time.sleep(0.1)
        else:
            pytest.fail("a note posted on one process did not reach the console on another")


def test_several_processes_refuse_what_one_process_owns(tmp_path):
    """SQLite and a missing message queue are refused with what to do, before anything starts."""
    from click.testing import CliRunner

    from workshop.cli import main

    env = {"WORKSHOP_INSTANCE_PATH": str(tmp_path), "WORKSHOP_DATABASE_URL": "", "WORKSHOP_MESSAGE_QUEUE": ""}
    result = CliRunner().invoke(main, ["serve", "--processes", "2"], env=env)
    assert result.exit_code != 0
    assert "PostgreSQL (WORKSHOP_DATABASE_URL)" in result.output
    assert not (tmp_path / "haproxy.cfg").exists()


def test_the_proxy_configuration_names_every_process():
    from workshop.processes import proxy_config

    config = proxy_config("0.0.0.0", 8080, [5001, 5002, 5003])
    assert "bind 0.0.0.0:8080" in config
    assert re.findall(r"server (w\d) 127\.0\.0\.1:(\d+) check cookie \1", config) == [
        ("w1", "5001"),
        ("w2", "5002"),
        ("w3", "5003"),
    ]
    assert "cookie WORKSHOP_PROCESS insert" in config and "option redispatch" in config


def test_a_worker_that_keeps_dying_is_restarted_ever_more_slowly(tmp_path):
    """A broken worker (here: one that exits at once) is started again after 1 s, then 2 s,
    then 4 s…, not every second forever; a healthy worker beside it is left alone."""
    import sys

    from workshop.processes import Supervisor, Worker

    broken = Worker(1, [sys.executable, "-c", "raise SystemExit(3)"])
    healthy = Worker(2, [sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor = Supervisor("127.0.0.1", 0, [broken, healthy], tmp_path / "haproxy.cfg", dict(os.environ))
    for worker in supervisor.workers:
        worker.start(supervisor.env)
    watcher = threading.Thread(target=supervisor.watch, daemon=True)
    watcher.start()
    try:
        time.sleep(5.0)  # deaths at ~0 s, then restarts due at ~1 s and ~3 s (next at ~7 s)
        assert broken.starts == 3
        assert broken.quick_deaths >= 2
        assert healthy.starts == 1 and healthy.process is not None and healthy.process.poll() is None
    finally:
        supervisor.stop()
        watcher.join(timeout=20)
    assert not watcher.is_alive()
    assert healthy.process is not None and healthy.process.poll() is not None
