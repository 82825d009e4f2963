"""What bench/fanout.py, bench/idle.py and bench/storm.py share.

- The servers under test, each started fresh as its own process group on a free
  localhost port:
  `app-threading`, `app-gevent`  the app, started as an operator does (`workshop serve`,
      fresh instance folder, `workshop create-facilitator`, `workshop new --json`), rate
      limits off (WORKSHOP_RATELIMIT_ENABLED=false), SQLite unless --database-url;
  `pyrelay-threading`, `pyrelay-gevent`  the bare python-socketio relay (bench/pyrelay.py)
      on the app's own gunicorn stack;
  `node`  the bare Node Socket.IO relay (bench/loadgen/relay.js).
- Their cost, measured with psutil over the whole process tree: CPU, RSS and PSS (PSS
  shares the pages the gunicorn master and its worker have in common).
- The load generator: K Node processes (bench/loadgen/worker.js), each holding many
  phones (socket.io-client), driven over stdin/stdout JSON lines (see worker.js).
  Every phone of the app goes through the join flow (GET /j/<code>: the session cookie
  and the phone page in one answer) before it connects to /live.

The generator and the server share this machine, so each mode also prints the
generator's own CPU and event-loop delay and flags a run in which it was saturated.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import math
import os
import platform
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
LOADGEN = ROOT / "bench" / "loadgen"
WORKSHOP_BIN = Path(sys.executable).with_name("workshop")
NAMESPACE = "/live"
EMAIL, PASSWORD = "bench@example.org", "bench-password-123456"
PLAN = "pd-discovery"
WRITE_STAGE = 1  # pd-discovery: stage 0 is "discuss", stage 1 the first "write" stage
SERVER_START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
KINDS = ("app", "pyrelay", "node")
ASYNC_MODES = ("threading", "gevent")

# The generator counts as saturated when a worker used this much of a core, its event
# loop was this late (p99), or a note left this late: its latencies then include its own
# queueing, not only the server's.
SATURATED_CPU_PCT = 85.0
SATURATED_LOOP_MS = 50.0
SATURATED_SEND_LAG_MS = 50.0

# Phones are separate devices: the generator must not be starved by the server it measures
# (a threading server with a thousand runnable threads would otherwise get nearly all of
# the CPU, the generator's single thread almost none). When we may, its processes run at
# a higher priority; it uses little CPU, so the server still gets the rest.
GENERATOR_NICE = -5 if hasattr(os, "geteuid") and os.geteuid() == 0 else 0


class SetupError(Exception):
    """The benchmark could not be set up (a server did not start, a client process died...)."""


# --------------------------------------------------------------------------- servers


@dataclass
class Workshop:
    id: int
    join_path: str | None = None  # /j/<code> for the app; relays have no join flow


@dataclass
class Server:
    """A server under test: its process group, URL and workshops."""

    target: str
    process: subprocess.Popen
    url: str
    log: Path
    workshops: list[Workshop] = field(default_factory=list)
    origin: str | None = None  # the Origin header a phone's browser sends (the app checks it)

    def tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def memory_mb(self) -> tuple[float, float]:
        """RSS and PSS of the server and its children, in MB."""
        infos = []
        for process in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                infos.append(process.memory_full_info())
        return (sum(i.rss for i in infos) / 2**20, sum(i.pss for i in infos) / 2**20)

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system
        return total

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


def spawn(target: str, command: list[str], env: dict, workdir: Path, port: int) -> Server:
    """Start a server in its own process group and wait until it answers HTTP."""
    log = workdir / f"{target}.log"
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
    server = Server(target, process, f"http://127.0.0.1:{port}", log)
    STARTED.append(server)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupError(f"{target} server exited:\n{server.log_tail()}")
        with contextlib.suppress(requests.RequestException):
            # A proxy answers 503 until the processes behind it are up.
            if requests.get(server.url + "/", timeout=2).status_code < 500:
                return server
        time.sleep(0.2)
    raise SetupError(f"{target} server did not answer within {SERVER_START_TIMEOUT:.0f} s")


def stop_all() -> None:
    for server in STARTED:
        server.stop()


def parse_targets(text: str, async_mode: str) -> list[str]:
    """`app,pyrelay,node` → one target per async mode for app and pyrelay (`--async-mode`)."""
    modes = list(ASYNC_MODES) if async_mode == "both" else [async_mode]
    targets: list[str] = []
    for name in (part.strip() for part in text.split(",") if part.strip()):
        kind, mode, processes = split_target(name)
        if (
            kind not in KINDS
            or (mode and (kind == "node" or mode not in ASYNC_MODES))
            or (processes > 1 and kind != "app")
        ):
            raise SystemExit(
                f"unknown target {name!r}: use app, pyrelay, node, app-threading, "
                "app-gevent, pyrelay-threading, pyrelay-gevent, or app-gevent-x2 "
                "(the app as `workshop serve --processes 2`, behind HAProxy)"
            )
        suffix = f"-x{processes}" if processes > 1 else ""
        names = [kind] if kind == "node" else [f"{kind}-{m}{suffix}" for m in ([mode] if mode else modes)]
        targets += [n for n in names if n not in targets]
    if any(t.endswith("-gevent") for t in targets) and not _has("gevent"):
        raise SystemExit("gevent targets need gevent: pip install -e '.[gevent]'")
    return targets


def split_target(name: str) -> tuple[str, str, int]:
    """`app-gevent-x2` → ("app", "gevent", 2); `node` → ("node", "", 1)."""
    kind, _, rest = name.partition("-")
    mode, _, copies = rest.partition("-x")
    return kind, mode, int(copies) if copies.isdigit() else 1


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def worker_class(async_mode: str) -> str:
    """The gunicorn worker workshop/server.py picks for a mode (not imported: it may patch)."""
    if async_mode == "threading":
        return "gthread"
    return "GeventWebSocketWorker" if _has("geventwebsocket") else "gevent"


def describe_target(target: str) -> str:
    kind, mode, processes = split_target(target)
    if kind == "node":
        return f"node: bare Socket.IO relay, node {node_version()}"
    if processes > 1:
        return (
            f"{target}: the app (workshop serve --processes {processes}): HAProxy in front of "
            f"{processes} processes, gunicorn 1 worker each ({worker_class(mode)}), Redis queue"
        )
    what = "the app (workshop serve)" if kind == "app" else "bare python-socketio relay"
    return f"{target}: {what}, gunicorn 1 worker ({worker_class(mode)})"


# --------------------------------------------------------------------------- the app


@dataclass
class AppOptions:
    workshops: int = 1
    threads: int = 500
    database_url: str | None = None
    write_stage: bool = True
    notes: int = 0  # notes imported into each workshop before the server starts
    processes: int = 1  # `workshop serve --processes N` (needs PostgreSQL and message_queue)
    message_queue: str | None = None


def workshop_cli(env: dict, *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [str(WORKSHOP_BIN), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SetupError(f"workshop {args[0]} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def start_target(target: str, workdir: Path, options: AppOptions, threads: int) -> Server:
    kind, mode, processes = split_target(target)
    if kind == "app":
        if processes > 1:
            if not (options.database_url and options.message_queue):
                raise SetupError(f"{target} needs --database-url (PostgreSQL) and --message-queue (Redis)")
            options = dataclasses.replace(options, processes=processes)
        return start_app(workdir, mode, options)
    port = free_port()
    if kind == "pyrelay":
        # `import workshop` first, as the `workshop` command does: in gevent mode it
        # monkey-patches the standard library before anything imports socket or ssl.
        command = [
            sys.executable,
            "-c",
            "import workshop, runpy, sys; runpy.run_path(sys.argv.pop(1), run_name='__main__')",
            str(ROOT / "bench" / "pyrelay.py"),
            str(port),
            "--threads",
            str(threads),
        ]
        env = {**os.environ, "WORKSHOP_ASYNC_MODE": mode}
    else:
        command = ["node", str(LOADGEN / "relay.js"), str(port)]
        env = dict(os.environ)
    server = spawn(target, command, env, workdir, port)
    server.workshops = [Workshop(number + 1) for number in range(options.workshops)]
    return server


def start_app(workdir: Path, async_mode: str, options: AppOptions) -> Server:
    """Fresh instance, a facilitator, workshops (at their first write stage), then serve."""
    port = free_port()
    folder = workdir / f"app-{async_mode}-{secrets.token_hex(3)}"
    folder.mkdir()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "WORKSHOP_ASYNC_MODE": async_mode,
        "WORKSHOP_INSTANCE_PATH": str(folder / "instance"),
        "WORKSHOP_BASE_URL": base_url,
        "WORKSHOP_RATELIMIT_ENABLED": "false",
    }
    env.pop("WORKSHOP_MESSAGE_QUEUE", None)
    if options.processes > 1:
        env["WORKSHOP_MESSAGE_QUEUE"] = options.message_queue
    if options.database_url:
        env["WORKSHOP_DATABASE_URL"] = options.database_url
    workshop_cli(env, "create-facilitator", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")

    def new(number: int) -> dict:
        created = json.loads(
            workshop_cli(
                env, "new", "--plan", PLAN, "--title", f"Bench {number + 1}", "--owner", EMAIL, "--json"
            )
        )
        if options.notes:
            path = folder / f"notes-{created['id']}.csv"
            write_notes_csv(path, options.notes)
            workshop_cli(env, "import", str(created["id"]), str(path))
        return created

    # Each `workshop` command takes about a second to start: on PostgreSQL run a few at once;
    # on SQLite one at a time (concurrent `workshop new` there fails with "database is locked").
    with ThreadPoolExecutor(3 if options.database_url else 1) as pool:
        created = list(pool.map(new, range(options.workshops)))
    server = spawn(
        f"app-{async_mode}",
        [str(WORKSHOP_BIN), "serve", "--port", str(port), "--threads", str(options.threads)]
        + (["--processes", str(options.processes)] if options.processes > 1 else []),
        env,
        folder,
        port,
    )
    server.origin = base_url
    server.workshops = [Workshop(item["id"], urlsplit(item["join_url"]).path) for item in created]
    if options.write_stage:
        open_write_stage(server)
    return server


def write_notes_csv(path: Path, count: int) -> None:
    """Field notes for `workshop import`: short, varied sentences like phones send."""
    words = [
        "turnos",
        "fila",
        "agenda",
        "farmacia",
        "vacunas",
        "registro",
        "visitas",
        "horario",
        "insumos",
        "movilidad",
        "planillas",
        "sala de espera",
    ]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text"])
        for number in range(count):
            a, b = words[number % len(words)], words[(number * 7 + 3) % len(words)]
            writer.writerow([f"Nota {number + 1}: falta coordinar {a} con {b} en la USF"])


def open_write_stage(server: Server) -> None:
    """Log in through the login form, then move each workshop to its first write stage."""
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
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    for workshop in server.workshops:
        facilitator = socketio.Client(reconnection=False)
        facilitator.connect(
            server.url,
            headers={"Cookie": cookie},
            auth={"workshop": workshop.id, "audience": "facilitator"},
            namespaces=[NAMESPACE],
            transports=["websocket"],
            wait_timeout=30,
        )
        try:
            ack = facilitator.call("change_stage", {"stage": WRITE_STAGE}, namespace=NAMESPACE, timeout=30)
        finally:
            facilitator.disconnect()
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise SetupError(f"change_stage refused: {ack}")


@contextlib.contextmanager
def scratch_database(url: str | None):
    """A fresh PostgreSQL database on the server of `url`, dropped afterwards (None: SQLite)."""
    if not url:
        yield None
        return
    import psycopg

    name = f"bench_{secrets.token_hex(4)}"
    parts = urlsplit(url)
    plain = urlunsplit((parts.scheme.replace("+psycopg", ""), *parts[1:]))
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- load generator


def prepare_generator() -> None:
    """Install the generator's npm packages (pinned in its package-lock.json) when missing,
    and allow as many open files as the system lets this user have."""
    raise_fd_limit()
    if shutil.which("node") is None:
        raise SetupError("the load generator needs Node.js (node) on the PATH")
    marker = LOADGEN / "node_modules" / ".package-lock.json"
    lock = LOADGEN / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    print("installing bench/loadgen packages (npm ci)...", flush=True)
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=LOADGEN,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SetupError(f"npm ci in bench/loadgen failed:\n{done.stderr[-2000:]}")


def node_version() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=False, timeout=10
        ).stdout.strip()
    return "?"


def mono_us() -> float:
    return time.monotonic_ns() / 1000


@dataclass
class Worker:
    process: subprocess.Popen
    lines: queue.Queue
    positions: list[int]  # phone indexes this worker holds, in its own order


class LoadGen:
    """K Node worker processes holding the phones; phone i lives in worker i mod K."""

    def __init__(
        self,
        server: Server,
        phones: list[tuple[int, Workshop]],
        workers: int,
        workdir: Path,
        *,
        transport: str = "websocket",
        concurrency: int = 4,
        connect_timeout: float = 30.0,
        assets: bool = False,
        retries: int = 0,
    ):
        self.server = server
        self.phones = phones
        self.prefix = "b" + secrets.token_hex(4)
        self.workers: list[Worker] = []
        self.log = workdir / f"loadgen-{server.target}.log"
        count = max(1, min(workers, len(phones)))
        log = self.log.open("a")
        try:
            for number in range(count):
                mine = phones[number::count]
                before = mono_us()
                process = subprocess.Popen(
                    ["nice", "-n", str(GENERATOR_NICE), "node", str(LOADGEN / "worker.js")],
                    cwd=LOADGEN,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    bufsize=1,
                    start_new_session=True,
                )
                lines: queue.Queue = queue.Queue()
                threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
                worker = Worker(process, lines, [index for index, _ in mine])
                self.workers.append(worker)
                hello = self._read(worker, "hello", 30)
                after = mono_us()
                if not before <= hello["mono_us"] <= after:
                    raise SetupError(
                        "the generator's clock is not CLOCK_MONOTONIC: node's "
                        f"process.hrtime gave {hello['mono_us']:.0f} µs, Python's "
                        f"time.monotonic_ns between {before:.0f} and {after:.0f} µs"
                    )
                self._write(
                    worker,
                    {
                        "url": server.url,
                        "origin": server.origin,
                        "transport": transport,
                        "prefix": self.prefix,
                        "concurrency": concurrency,
                        "assets": assets,
                        "retries": retries,
                        "connect_timeout_s": connect_timeout,
                        "http_timeout_s": connect_timeout,
                        "phones": [[index, workshop.id, workshop.join_path] for index, workshop in mine],
                    },
                )
        finally:
            log.close()

    @staticmethod
    def _write(worker: Worker, message: dict) -> None:
        try:
            worker.process.stdin.write(json.dumps(message) + "\n")
            worker.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise SetupError(f"a generator process is gone: {error}") from None

    def _read(self, worker: Worker, kind: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = worker.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    raise SetupError(
                        f"a generator process sent no {kind!r} within {timeout:.0f} s; see {self.log}"
                    ) from None
                continue
            if line is None:
                raise SetupError(f"a generator process exited:\n{self.log_tail()}")
            message = json.loads(line)
            if message.get("type") == kind:
                return message

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    def connect(self, timeout: float, starts_us: dict[int, float] | None = None) -> list[dict]:
        """Open every phone; return one record a phone, in phone order.

        `self.connect_reports` keeps each worker's answer, with its health while connecting."""
        for worker in self.workers:
            starts = None if starts_us is None else [starts_us[i] for i in worker.positions]
            self._write(worker, {"cmd": "connect", "starts_us": starts})
        self.connect_reports = [self._read(w, "connected", timeout) for w in self.workers]
        records = [r for report in self.connect_reports for r in report["phones"]]
        return sorted(records, key=lambda record: record["index"])

    def go(self, notes: list[tuple[int, str, float]], stage: int) -> None:
        """Post notes (phone index, client id, due time in µs) at their due times."""
        where = {
            index: (number, position)
            for number, worker in enumerate(self.workers)
            for position, index in enumerate(worker.positions)
        }
        shares: list[list] = [[] for _ in self.workers]
        for index, client_id, due in notes:
            number, position = where[index]
            shares[number].append([position, client_id, due])
        for worker, share in zip(self.workers, shares, strict=True):
            self._write(worker, {"cmd": "go", "notes": share, "stage": stage})

    def report(self, timeout: float = 60) -> list[dict]:
        for worker in self.workers:
            self._write(worker, {"cmd": "report"})
        return [self._read(worker, "report", timeout) for worker in self.workers]

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(SetupError):
                self._write(worker, {"cmd": "close"})
        for worker in self.workers:
            try:
                worker.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait(STOP_TIMEOUT)


def _pump(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def assign_phones(server: Server, count: int) -> list[tuple[int, Workshop]]:
    """Spread `count` phones over the server's workshops, round-robin."""
    return [(index, server.workshops[index % len(server.workshops)]) for index in range(count)]


def raise_fd_limit() -> None:
    """Thousands of connections need thousands of file descriptors, in the servers (which
    inherit this limit) and in the generator: lift the soft limit to the hard one."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def generator_figures(reports: list[dict]) -> dict:
    """The busiest worker's CPU and event-loop delay over the measured window."""
    windows = [r["window"] for r in reports if r.get("window")]
    return {
        "gen_cpu_max": max((w["cpu_pct"] or 0 for w in windows), default=math.nan),
        "gen_cpu_total": sum(w["cpu_pct"] or 0 for w in windows),
        "gen_loop_p99": max((w["loop_p99_ms"] or 0 for w in windows), default=math.nan),
        "gen_loop_max": max((w["loop_max_ms"] or 0 for w in windows), default=math.nan),
        "gen_send_lag": max((r.get("send_lag_max_ms", 0) for r in reports), default=0.0),
        "gen_workers": len(reports),
    }


def generator_saturated(figures: dict) -> str | None:
    """Why the generator counts as saturated in this run, or None."""
    reasons = []
    if figures["gen_cpu_max"] > SATURATED_CPU_PCT:
        reasons.append(f"a worker used {figures['gen_cpu_max']:.0f}% of a core")
    if figures["gen_loop_p99"] > SATURATED_LOOP_MS:
        reasons.append(f"event-loop delay p99 {figures['gen_loop_p99']:.0f} ms")
    if figures["gen_send_lag"] > SATURATED_SEND_LAG_MS:
        reasons.append(f"a note left {figures['gen_send_lag']:.0f} ms late")
    return "; ".join(reasons) or None


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (NaN when empty)."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


def spread(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50": percentile(ordered, 0.5),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else math.nan,
    }


def machine_line() -> str:
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    memory = psutil.virtual_memory()
    return (
        f"machine: {os.cpu_count()} CPUs, {memory.total / 2**30:.0f} GiB, generator nice "
        f"{GENERATOR_NICE}, load average "
        f"{load}; python {platform.python_version()}, node {node_version()}, "
        f"commit {git_commit()}"
    )


def git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        return done.stdout.strip() or "?"
    return "?"


def load_average() -> float:
    return os.getloadavg()[0]


def format_value(value, style: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return style.format(value)


def print_table(
    columns: dict[str, dict],
    rows: list[tuple[str, str, str]],
    ratios: list[tuple[str, str, str]] = (),
    ratio_keys: set[str] = frozenset(),
    label_width: int = 34,
) -> None:
    """One column per target; then one column per (label, a, b) ratio a/b for ratio_keys."""
    ratios = [r for r in ratios if r[1] in columns and r[2] in columns]
    heads = [*columns, *(label for label, _, _ in ratios)]
    widths = [max(8, len(head) + 2) for head in heads]
    print(f"{'':{label_width}}" + "".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    for label, key, style in rows:
        cells = [format_value(figures.get(key), style) for figures in columns.values()]
        for _, a, b in ratios:
            top, bottom = columns[a].get(key), columns[b].get(key)
            shown = ""
            if (
                key in ratio_keys
                and isinstance(top, int | float)
                and isinstance(bottom, int | float)
                and bottom
                and not math.isnan(bottom)
                and not math.isnan(top)
            ):
                shown = f"{top / bottom:.2f}×"
            cells.append(shown)
        print(f"{label:{label_width}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))


def error_summary(records: list[dict], key: str = "error", limit: int = 3) -> str | None:
    """The commonest reasons phones failed, e.g. `join link gave HTTP 500 ×11`."""
    counts: dict[str, int] = {}
    for record in records:
        if record.get(key):
            counts[record[key]] = counts.get(record[key], 0) + 1
    if not counts:
        return None
    common = sorted(counts.items(), key=lambda item: -item[1])[:limit]
    return "; ".join(f"{reason} ×{count}" for reason, count in common)


def ratio_pairs(targets: list[str]) -> list[tuple[str, str, str]]:
    """app-<mode>/pyrelay-<mode> and app-<mode>/node for the targets measured."""
    pairs = []
    for target in targets:
        if target.startswith("app-"):
            mode = target.removeprefix("app-")
            short = "" if len([t for t in targets if t.startswith("app-")]) == 1 else f" {mode[:3]}"
            pairs.append((f"app/py{short}", target, f"pyrelay-{mode}"))
            pairs.append((f"app/node{short}", target, "node"))
    return pairs


class MachineCpu:
    """Busy share of all cores between `start()` and `percent()` (any thread may ask)."""

    def __init__(self) -> None:
        self.start()

    @staticmethod
    def _times() -> tuple[float, float]:
        times = psutil.cpu_times()
        idle = times.idle + getattr(times, "iowait", 0.0)
        return sum(times) - idle, sum(times)

    def start(self) -> None:
        self._busy, self._total = self._times()

    def percent(self) -> float:
        busy, total = self._times()
        return 100 * (busy - self._busy) / (total - self._total) if total > self._total else math.nan


def others_cpu(machine_pct: float, server_pct: float, generator_pct: float) -> float:
    """CPU that neither the server nor the generator used (% of one core): other people's
    work on a shared machine. Machine share is of all cores; the others of one core."""
    return max(0.0, machine_pct * (os.cpu_count() or 1) - server_pct - generator_pct)


def new_workdir(prefix: str) -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix=prefix))


class MemorySampler:
    """Samples a server's RSS every `every` seconds in a thread; keeps the peak."""

    def __init__(self, server: Server, every: float = 1.0):
        self.server, self.every = server, every
        self.peak_rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = 0.0
            for process in self.server.tree():
                with contextlib.suppress(psutil.NoSuchProcess):
                    rss += process.memory_info().rss
            self.peak_rss = max(self.peak_rss, rss / 2**20)
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
