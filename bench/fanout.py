"""Fan-out benchmark: how fast does a note reach every phone, and at what memory cost?

A workshop is one room: each note a participant posts is broadcast to every
phone in it. This script measures that fan-out for the real app and for a bare
python-socketio server that only relays a message to a room, in the same run
and on the same server stack (gunicorn with one worker, see workshop/server.py),
so the ratio app/reference shows what the app's own work costs (session,
database, rooms) on top of Socket.IO itself. The figures justify the async mode
in the README ("Async mode").

--async-mode picks the stack both servers run on: `threading` (default; the
gthread worker) or `gevent` (the gevent worker, WORKSHOP_ASYNC_MODE=gevent, needs
`pip install -e '.[gevent]'`), or `both`, which measures the two servers in each
mode one after the other and ends with a threading/gevent comparison of the app
(and of the reference). In gevent mode both server processes get the standard
library monkey-patched by `import workshop` before anything else (see
workshop/__init__.py).

For each server it:

1. starts it as a separate process on a free localhost port (the app with a
   fresh instance folder, a facilitator and a `pd-discovery` workshop moved to
   its first write stage; rate limits off via WORKSHOP_RATELIMIT_ENABLED=false);
2. connects N python-socketio clients (default 200) to one workshop: for the
   app each is a participant that joined with the HTTP join link first;
3. posts notes at a steady, open-loop rate (default 10/s for 20 s), round-robin
   across the clients, and records when each client receives `note_added`;
4. prints, for both servers and their ratio: clients connected, notes sent,
   deliveries expected/received, per-delivery latency p50/p95/p99 (note sent →
   one client received it), note → last client p95, deliveries/s, server CPU
   and server memory (RSS, and PSS which does not count pages shared between
   the gunicorn master and its worker twice) idle and with N clients.

Clients run in --client-procs processes (CLOCK_MONOTONIC is system-wide, so
send and receive times compare across processes). The client side shares the
machine: when a client process or the whole machine is saturated, the output
says so, as latencies then include client-side queueing.

Exit status: 0 if every client connected and every note reached every client,
1 otherwise, 2 on a setup error.

Usage (from the project root):

    .venv/bin/python bench/fanout.py                      # N=200, 10 notes/s, 20 s
    .venv/bin/python bench/fanout.py --clients 100 --rate 20 --transport polling
    .venv/bin/python bench/fanout.py --only reference
    .venv/bin/python bench/fanout.py --async-mode both     # threading, then gevent
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
WORKSHOP_BIN = Path(sys.executable).with_name("workshop")
NAMESPACE = "/live"
ROOM = "workshop"
EMAIL, PASSWORD = "bench@example.org", "bench-password-123456"
WRITE_STAGE = 1  # pd-discovery: stage 0 is "discuss", stage 1 the first "write" stage
CONNECT_TIMEOUT = 15.0
SERVER_START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class SetupError(Exception):
    """The benchmark could not be set up (server did not start, login failed...)."""


# --------------------------------------------------------------------------- reference server


def serve_reference(port: int, threads: int, async_mode: str) -> None:
    """The bare relay: clients join one room; `add_note` is emitted to it and acked.

    It runs on the app's server stack for `async_mode` (workshop.server.run_server).
    """
    from workshop import MAX_MESSAGE_BYTES
    from workshop.server import run_server

    sio = socketio.Server(
        async_mode=async_mode,
        ping_interval=20,
        ping_timeout=20,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        cors_allowed_origins=None,
    )
    revision = iter(range(1, 1 << 62))

    @sio.on("connect", namespace=NAMESPACE)
    def connect(sid, environ, auth=None):
        sio.enter_room(sid, ROOM, namespace=NAMESPACE)
        sio.emit("state", {"notes": []}, to=sid, namespace=NAMESPACE)

    @sio.on("add_note", namespace=NAMESPACE)
    def add_note(sid, data):
        number = next(revision)
        note = {**data, "id": number}
        sio.emit("note_added", {"note": note, "revision": number}, to=ROOM, namespace=NAMESPACE)
        return {"ok": True, "note": note, "created": True}

    run_server(socketio.WSGIApp(sio), "127.0.0.1", port, threads, async_mode=async_mode)


# --------------------------------------------------------------------------- server processes


@dataclass
class Server:
    """A server under test: its process group, URL and what a client must send to connect."""

    name: str
    process: subprocess.Popen
    url: str
    log: Path
    workshop_id: int = 0
    cookies: list[str] = field(default_factory=list)

    def tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def memory_mb(self) -> tuple[float, float]:
        """RSS and PSS of the server and its children, in MB."""
        infos = [p.memory_full_info() for p in self.tree()]
        return (sum(i.rss for i in infos) / 2**20, sum(i.pss for i in infos) / 2**20)

    def cpu_seconds(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.tree())

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


STARTED: list[Server] = []  # stopped on any exit, see stop_all


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(name: str, command: list[str], env: dict, workdir: Path, port: int) -> Server:
    """Start a server in its own process group and wait until it answers HTTP."""
    log = workdir / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    STARTED.append(server)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupError(f"{name} server exited:\n{server.log_tail()}")
        with contextlib.suppress(requests.RequestException):
            requests.get(server.url + "/", timeout=2)
            return server
        time.sleep(0.2)
    raise SetupError(f"{name} server did not answer within {SERVER_START_TIMEOUT:.0f} s")


def stop_all() -> None:
    for server in STARTED:
        server.stop()


# --------------------------------------------------------------------------- the app


def workshop_cli(env: dict, *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [str(WORKSHOP_BIN), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise SetupError(f"workshop {args[0]} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def server_env(async_mode: str) -> dict:
    return {**os.environ, "WORKSHOP_ASYNC_MODE": async_mode}


def start_app(workdir: Path, args: argparse.Namespace, async_mode: str) -> Server:
    """Fresh instance, facilitator, workshop at its write stage, N participants joined."""
    port = free_port()
    workdir = workdir / f"app-{async_mode}"
    workdir.mkdir()
    env = {
        **server_env(async_mode),
        "WORKSHOP_INSTANCE_PATH": str(workdir / "instance"),
        "WORKSHOP_BASE_URL": f"http://127.0.0.1:{port}",
        "WORKSHOP_RATELIMIT_ENABLED": "false",
    }
    workshop_cli(env, "create-facilitator", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    created = json.loads(
        workshop_cli(env, "new", "--plan", "pd-discovery", "--title", "Bench", "--owner", EMAIL, "--json")
    )
    server = spawn(
        "app",
        [str(WORKSHOP_BIN), "serve", "--port", str(port), "--threads", str(args.threads)],
        env,
        workdir,
        port,
    )
    server.workshop_id = created["id"]
    open_write_stage(server, args.transport)
    server.cookies = join_participants(created["join_url"], args.clients)
    return server


def open_write_stage(server: Server, transport: str) -> None:
    """Log in through the login form, then move the workshop to its first write stage."""
    http = requests.Session()
    page = http.get(server.url + "/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise SetupError(f"GET /login gave {page.status_code} without a csrf_token field")
    answer = http.post(
        server.url + "/login",
        allow_redirects=False,
        timeout=10,
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    if answer.status_code != 302:
        raise SetupError(f"facilitator login failed (HTTP {answer.status_code})")
    facilitator = socketio.Client(reconnection=False)
    facilitator.connect(
        server.url,
        headers={"Cookie": cookie_header(http.cookies)},
        auth={"workshop": server.workshop_id, "audience": "facilitator"},
        namespaces=[NAMESPACE],
        transports=[transport],
        wait_timeout=CONNECT_TIMEOUT,
    )
    try:
        ack = facilitator.call(
            "change_stage", {"stage": WRITE_STAGE}, namespace=NAMESPACE, timeout=CONNECT_TIMEOUT
        )
    finally:
        facilitator.disconnect()
    if not ack.get("ok"):
        raise SetupError(f"change_stage refused: {ack}")


def join_participants(join_url: str, count: int) -> list[str]:
    """Open the join link once per phone; return each phone's Cookie header."""
    http = requests.Session()
    cookies = []
    for _ in range(count):
        http.cookies.clear()
        answer = http.get(join_url, allow_redirects=False, timeout=10)
        if answer.status_code != 302 or "session" not in answer.cookies:
            raise SetupError(f"join gave HTTP {answer.status_code}: {answer.text[:200]}")
        cookies.append(cookie_header(answer.cookies))
    return cookies


def cookie_header(jar) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def start_reference(workdir: Path, args: argparse.Namespace, async_mode: str) -> Server:
    port = free_port()
    # `import workshop` first, as the `workshop` command does: in gevent mode it monkey-patches
    # the standard library before anything imports socket or ssl.
    command = [
        sys.executable,
        "-c",
        "import workshop, runpy, sys; runpy.run_path(sys.argv.pop(1), run_name='__main__')",
        str(Path(__file__).resolve()),
        "--serve-reference",
        "--port",
        str(port),
        "--threads",
        str(args.threads),
        "--async-mode",
        async_mode,
    ]
    server = spawn(f"reference-{async_mode}", command, server_env(async_mode), workdir, port)
    server.cookies = [""] * args.clients
    return server


# --------------------------------------------------------------------------- client processes


@dataclass
class Plan:
    """What one client process does: its clients (global index, cookie) and the note schedule."""

    url: str
    workshop_id: int
    transport: str
    clients: list[tuple[int, str]]
    total_clients: int
    notes: int
    rate: float
    drain: float
    prefix: str


def client_id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:07d}"


def client_process(plan: Plan, pipe) -> None:
    """Entry point of a client process: connect, wait for "go", post, collect, report."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    try:
        clients, received, dropped, errors = connect_clients(plan)
        pipe.send(("connected", len(clients), errors))
        message = pipe.recv()
        if message[0] != "go":
            return
        result = run_schedule(plan, clients, received, dropped, t0=message[1])
        pipe.send(("done", result))
        pipe.recv()  # "stop": the main process has measured the server with us connected
        for sio in clients.values():
            with contextlib.suppress(Exception):
                sio.disconnect()
    except Exception:
        pipe.send(("error", traceback.format_exc()))


def connect_clients(plan: Plan):
    received: list[tuple[str, float]] = []
    dropped: list[int] = []
    clients: dict[int, socketio.Client] = {}
    errors: list[str] = []
    for number, cookie in plan.clients:
        sio = socketio.Client(reconnection=False, handle_sigint=False)
        sio.on(
            "note_added",
            namespace=NAMESPACE,
            handler=lambda data: received.append((data["note"]["client_id"], time.monotonic())),
        )
        sio.on("disconnect", namespace=NAMESPACE, handler=lambda *_, n=number: dropped.append(n))
        try:
            sio.connect(
                plan.url,
                headers={"Cookie": cookie} if cookie else {},
                auth={"workshop": plan.workshop_id, "audience": "participant"},
                namespaces=[NAMESPACE],
                transports=[plan.transport],
                wait_timeout=CONNECT_TIMEOUT,
            )
        except socketio.exceptions.ConnectionError as error:
            errors.append(f"client {number}: {error}")
            continue
        clients[number] = sio
    return clients, received, dropped, errors


def run_schedule(plan: Plan, clients: dict, received: list, dropped: list, t0: float) -> dict:
    """Post this process's share of the notes at their scheduled times, then drain."""
    sent: dict[str, float] = {}
    acks = {"ok": 0, "failed": 0, "first_error": None}
    lag = 0.0
    cpu0 = time.process_time()

    def on_ack(ack=None):
        if isinstance(ack, dict) and ack.get("ok"):
            acks["ok"] += 1
        else:
            acks["failed"] += 1
            acks["first_error"] = acks["first_error"] or repr(ack)

    for number in range(plan.notes):
        sender = clients.get(number % plan.total_clients)
        if sender is None:
            continue
        due = t0 + number / plan.rate
        time.sleep(max(0.0, due - time.monotonic()))
        note_id = client_id(plan.prefix, number)
        sent[note_id] = time.monotonic()
        lag = max(lag, sent[note_id] - due)
        sender.emit(
            "add_note",
            {"client_id": note_id, "text": f"bench note {number}", "stage": WRITE_STAGE, "lane": None},
            namespace=NAMESPACE,
            callback=on_ack,
        )
    expected = plan.notes * len(clients)
    deadline = t0 + plan.notes / plan.rate + plan.drain
    while len(received) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    end = time.monotonic()
    return {
        "sent": sent,
        "received": list(received),
        "acks": acks,
        "lag": lag,
        "dropped": len(dropped),
        "cpu": (time.process_time() - cpu0) / (end - t0),
        "clients": len(clients),
    }


# --------------------------------------------------------------------------- one measurement


def measure(server: Server, args: argparse.Namespace, prefix: str) -> dict:
    """Connect the clients, run the schedule and return the figures for one server."""
    rss_idle, pss_idle = server.memory_mb()
    workers = start_client_processes(server, args, prefix)
    finished = False
    try:
        connected, errors = wait_connected(workers)
        if errors:
            print(f"  {server.name}: {len(errors)} clients failed to connect, e.g. {errors[0]}")
        t0 = time.monotonic() + 1.0
        for _, pipe in workers:
            pipe.send(("go", t0))
        time.sleep(max(0.0, t0 - time.monotonic()))
        cpu_start = server.cpu_seconds()
        psutil.cpu_percent()  # starts the machine-wide CPU window
        results = collect(workers, timeout=args.duration + args.drain + 30)
        server_cpu = (server.cpu_seconds() - cpu_start) / (time.monotonic() - t0)
        machine_cpu = psutil.cpu_percent()
        rss, pss = server.memory_mb()
        for _, pipe in workers:
            pipe.send(("stop",))
        finished = True
    finally:
        stop_client_processes(workers, wait=finished)
    figures = summarize(results, args, connected)
    figures.update(
        rss_idle=rss_idle,
        pss_idle=pss_idle,
        rss=rss,
        pss=pss,
        server_cpu=server_cpu * 100,
        machine_cpu=machine_cpu,
    )
    return figures


def start_client_processes(server: Server, args: argparse.Namespace, prefix: str):
    context = multiprocessing.get_context("spawn")
    clients = list(enumerate(server.cookies))
    workers = []
    for index in range(args.client_procs):
        plan = Plan(
            server.url,
            server.workshop_id,
            args.transport,
            clients[index :: args.client_procs],
            args.clients,
            int(args.rate * args.duration),
            args.rate,
            args.drain,
            prefix,
        )
        ours, theirs = context.Pipe()
        process = context.Process(target=client_process, args=(plan, theirs), daemon=True)
        process.start()
        workers.append((process, ours))
    return workers


def receive(pipe, timeout: float, expected: str):
    if not pipe.poll(timeout):
        raise SetupError(f"a client process sent no '{expected}' within {timeout:.0f} s")
    message = pipe.recv()
    if message[0] == "error":
        raise SetupError(f"a client process failed:\n{message[1]}")
    return message


def wait_connected(workers) -> tuple[int, list[str]]:
    connected, errors = 0, []
    budget = CONNECT_TIMEOUT * 2 + 2.0 * sum(1 for _ in workers) + 60
    for _, pipe in workers:
        _, count, failures = receive(pipe, budget, "connected")
        connected += count
        errors += failures
    return connected, errors


def collect(workers, timeout: float) -> list[dict]:
    return [receive(pipe, timeout, "done")[1] for _, pipe in workers]


def stop_client_processes(workers, wait: bool) -> None:
    for process, _ in workers:
        process.join(STOP_TIMEOUT if wait else 0)
        if process.is_alive():
            process.terminate()
            process.join(STOP_TIMEOUT)


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (NaN when empty)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


def summarize(results: list[dict], args: argparse.Namespace, connected: int) -> dict:
    sent = {note: at for result in results for note, at in result["sent"].items()}
    latencies, last = [], {}
    for result in results:
        for note, at in result["received"]:
            if note in sent:
                latencies.append(at - sent[note])
                last[note] = max(last.get(note, 0.0), at)
    latencies.sort()
    to_last = sorted(last[note] - sent[note] for note in last)
    first = min(sent.values(), default=0.0)
    span = max(last.values(), default=first) - first
    acks = [result["acks"] for result in results]
    return {
        "connected": connected,
        "sent": len(sent),
        "acked": sum(a["ok"] for a in acks),
        "refused": sum(a["failed"] for a in acks),
        "first_error": next((a["first_error"] for a in acks if a["first_error"]), None),
        "expected": len(sent) * connected,
        "received": len(latencies),
        "p50": percentile(latencies, 0.50) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "last_p95": percentile(to_last, 0.95) * 1000,
        "max": (latencies[-1] if latencies else float("nan")) * 1000,
        "rate": len(latencies) / span if span > 0 else float("nan"),
        "dropped": sum(result["dropped"] for result in results),
        "client_cpu": max(result["cpu"] for result in results) * 100,
        "send_lag": max(result["lag"] for result in results) * 1000,
    }


# --------------------------------------------------------------------------- report


ROWS = [
    ("clients connected", "connected", "{:.0f}"),
    ("notes sent", "sent", "{:.0f}"),
    ("notes acked ok", "acked", "{:.0f}"),
    ("deliveries expected", "expected", "{:.0f}"),
    ("deliveries received", "received", "{:.0f}"),
    ("latency p50 (ms)", "p50", "{:.1f}"),
    ("latency p95 (ms)", "p95", "{:.1f}"),
    ("latency p99 (ms)", "p99", "{:.1f}"),
    ("latency max (ms)", "max", "{:.1f}"),
    ("note→last client p95 (ms)", "last_p95", "{:.1f}"),
    ("deliveries/s", "rate", "{:.0f}"),
    ("server CPU (% of a core)", "server_cpu", "{:.0f}"),
    ("server RSS idle (MB)", "rss_idle", "{:.1f}"),
    ("server RSS, N clients (MB)", "rss", "{:.1f}"),
    ("server PSS, N clients (MB)", "pss", "{:.1f}"),
    ("client proc CPU max (%)", "client_cpu", "{:.0f}"),
    ("send lag max (ms)", "send_lag", "{:.1f}"),
    ("machine CPU (% all cores)", "machine_cpu", "{:.0f}"),
]
RATIO_KEYS = {"p50", "p95", "p99", "max", "last_p95", "rate", "server_cpu", "rss_idle", "rss", "pss"}


def print_table(figures: dict[str, dict], ratio: tuple[str, str, str] | None = None) -> None:
    """One column per measured server; with `ratio` (a, b, label), a last column a/b."""
    names = list(figures)
    show_ratio = ratio is not None and all(name in figures for name in ratio[:2])
    header = f"{'':28}" + "".join(f"{name:>12}" for name in names)
    if show_ratio:
        header += f"{ratio[2]:>13}"
    print(header)
    for label, key, style in ROWS:
        line = f"{label:28}" + "".join(f"{style.format(figures[n][key]):>12}" for n in names)
        if show_ratio and key in RATIO_KEYS and figures[ratio[1]][key]:
            line += f"{figures[ratio[0]][key] / figures[ratio[1]][key]:>12.2f}x"
        print(line)


COMPARED = [
    ("latency p50", "p50", "ms"),
    ("p95", "p95", "ms"),
    ("p99", "p99", "ms"),
    ("deliveries/s", "rate", ""),
    ("RSS with N clients", "rss", "MB"),
    ("server CPU", "server_cpu", "% of a core"),
]


def comparison_line(name: str, threading: dict, gevent: dict) -> str:
    """`gevent vs threading` for one server: each figure threading → gevent (gevent/threading)."""
    parts = []
    for label, key, unit in COMPARED:
        before, after = threading[key], gevent[key]
        share = f"{after / before:.2f}x" if before else "n/a"
        digits = 1 if key in {"p50", "p95", "p99", "rss"} else 0
        parts.append(
            f"{label} {before:.{digits}f} → {after:.{digits}f}{' ' + unit if unit else ''} ({share})"
        )
    return f"gevent vs threading, {name}: " + "; ".join(parts)


def warnings(figures: dict[str, dict], args: argparse.Namespace) -> list[str]:
    notes = []
    for name, fig in figures.items():
        if fig["connected"] < args.clients:
            notes.append(f"{name}: only {fig['connected']}/{args.clients} clients connected")
        if fig["received"] < fig["expected"]:
            notes.append(f"{name}: {fig['expected'] - fig['received']} deliveries missing")
        if fig["refused"]:
            notes.append(f"{name}: {fig['refused']} notes refused, e.g. {fig['first_error']}")
        if fig["dropped"]:
            notes.append(f"{name}: {fig['dropped']} clients were disconnected during the run")
        if fig["client_cpu"] > 80 or fig["send_lag"] > 50:
            notes.append(
                f"{name}: the client side lagged (send lag {fig['send_lag']:.0f} ms, "
                f"busiest client process {fig['client_cpu']:.0f}% CPU): latencies "
                "include client-side queueing (try --client-procs, or a lower rate)"
            )
        if fig["machine_cpu"] > 75:
            notes.append(
                f"{name}: the machine was saturated ({fig['machine_cpu']:.0f}% of all "
                "cores): clients and server compete for CPU"
            )
    return notes


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", "-n", type=int, default=200, help="clients per server")
    parser.add_argument("--rate", type=float, default=10.0, help="notes per second, in total")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting")
    parser.add_argument(
        "--drain", type=float, default=10.0, help="seconds to wait for late deliveries after the last note"
    )
    parser.add_argument("--transport", choices=["websocket", "polling"], default="websocket")
    parser.add_argument("--client-procs", type=int, default=4, help="processes the clients are spread over")
    parser.add_argument(
        "--threads",
        type=int,
        default=500,
        help="connections per server: gthread threads, or gevent's worker_connections",
    )
    parser.add_argument(
        "--async-mode",
        choices=["threading", "gevent", "both"],
        default="threading",
        help="server stack of both servers (both: threading, then gevent)",
    )
    parser.add_argument("--only", choices=["app", "reference"], help="measure one server")
    parser.add_argument("--serve-reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.rate <= 0 or args.duration <= 0 or args.client_procs < 1:
        parser.error("--clients, --rate, --duration and --client-procs must be positive")
    if args.serve_reference and args.async_mode == "both":
        parser.error("--serve-reference needs one async mode")
    if args.async_mode in {"gevent", "both"} and not args.serve_reference:
        import importlib.util

        if importlib.util.find_spec("gevent") is None:
            parser.error("--async-mode gevent needs gevent: pip install -e '.[gevent]'")
    return args


def worker_class(async_mode: str) -> str:
    """The worker workshop/server.py picks (not imported here: `import workshop` may patch)."""
    if async_mode == "threading":
        return "gthread"
    import importlib.util

    return "GeventWebSocketWorker" if importlib.util.find_spec("geventwebsocket") else "gevent"


def run(args: argparse.Namespace) -> int:
    starters = {"app": start_app, "reference": start_reference}
    names = [args.only] if args.only else list(starters)
    modes = ["threading", "gevent"] if args.async_mode == "both" else [args.async_mode]
    print(
        f"fan-out: {args.clients} clients, {args.rate:g} notes/s for {args.duration:g} s, "
        f"{args.transport}, {args.client_procs} client processes, {os.cpu_count()} CPUs, "
        f"async mode {' then '.join(modes)}"
    )
    figures: dict[str, dict[str, dict]] = {mode: {} for mode in modes}
    workdir = Path(tempfile.mkdtemp(prefix="fanout-"))
    try:
        for mode in modes:
            for name in names:
                print(f"- {name} ({mode}): starting, connecting, posting...", flush=True)
                server = starters[name](workdir, args, mode)
                try:
                    figures[mode][name] = measure(server, args, prefix=secrets.token_hex(4))
                finally:
                    server.stop()
    finally:
        stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    for mode in modes:
        print(f"\nasync mode {mode} (gunicorn worker {worker_class(mode)})")
        print_table(figures[mode], ratio=("app", "reference", "app/ref"))
    if len(modes) == 2:
        for name in names:
            print(f"\n{name}: threading vs gevent")
            print_table(
                {mode: figures[mode][name] for mode in modes}, ratio=("gevent", "threading", "gevent/thr")
            )
        print()
        for name in names:
            print(comparison_line(name, figures["threading"][name], figures["gevent"][name]))
    problems = [f"[{mode}] {problem}" for mode in modes for problem in warnings(figures[mode], args)]
    for problem in problems:
        print(f"! {problem}")
    incomplete = any(
        f["received"] < f["expected"] or f["connected"] < args.clients
        for per_mode in figures.values()
        for f in per_mode.values()
    )
    return 1 if incomplete else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_reference:
        serve_reference(args.port, args.threads, args.async_mode)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(args)
    except SetupError as error:
        print(f"setup failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
