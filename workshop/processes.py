"""`workshop serve --processes N`: N single-worker processes behind HAProxy.

Flask-SocketIO runs one worker per process; a room larger than one core can relay is
served by several processes sharing PostgreSQL and the Redis message queue, behind a
proxy that keeps each phone on its process (deploy/haproxy.cfg). This module starts
them, keeps them running (a process that dies is started again; its phones meanwhile
reconnect through the proxy to the others) and stops them all together.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from workshop.resources import resource_dir
from workshop.server import raise_open_files_limit

log = logging.getLogger(__name__)

TEMPLATE = resource_dir("deploy") / "haproxy.cfg"
RESTART_DELAY = 1.0  # before starting a dead worker again; doubled while it keeps dying
MAX_RESTART_DELAY = 30.0
STEADY_SECONDS = 60.0  # a worker that ran this long before dying starts again at RESTART_DELAY


class CannotServe(Exception):
    """Several processes cannot run with these settings; the message says what to do."""


def ensure_shareable(config: dict[str, Any]) -> None:
    """Several processes share only what lives outside them: PostgreSQL and Redis."""
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        raise CannotServe(
            "Several processes need PostgreSQL (WORKSHOP_DATABASE_URL): the embedded SQLite "
            "database belongs to one process. One process holds 1,000 phones; see README."
        )
    if not config.get("SOCKETIO_MESSAGE_QUEUE"):
        raise CannotServe(
            "Several processes need a message queue (WORKSHOP_MESSAGE_QUEUE=redis://…) so that "
            "a note posted on one reaches the phones connected to the others."
        )
    if shutil.which("haproxy") is None:
        raise CannotServe(
            "HAProxy is not installed (apt-get install haproxy). Or run the processes behind "
            "your own proxy with sticky sessions: deploy/haproxy.cfg shows how."
        )


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports nobody listens on now, for the workers (the proxy takes the public one)."""
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind((host, 0))
            sockets.append(probe)
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def proxy_config(host: str, port: int, worker_ports: list[int]) -> str:
    """deploy/haproxy.cfg with the public address and one `server` line per worker."""
    servers = "\n".join(
        f"    server w{n} 127.0.0.1:{worker_port} check cookie w{n}"
        for n, worker_port in enumerate(worker_ports, start=1)
    )
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return Template(TEMPLATE.read_text()).substitute(bind=bind, servers=servers)


@dataclass
class Worker:
    port: int
    command: list[str]
    process: subprocess.Popen | None = None
    starts: int = 0
    started_at: float = 0.0
    quick_deaths: int = 0  # deaths in a row, each within STEADY_SECONDS of its start
    restart_at: float | None = None  # when a dead worker is due to start again

    def start(self, env: dict[str, str]) -> None:
        # Our own command line (this Python, our CLI, ports we chose): no outside input.
        self.process = subprocess.Popen(self.command, env=env, start_new_session=True)  # noqa: S603
        self.starts += 1
        self.started_at = time.monotonic()
        self.restart_at = None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def died(self) -> bool:
        """True once, when the worker's process has stopped and no restart is planned yet."""
        return self.process is not None and self.process.poll() is not None and self.restart_at is None

    def plan_restart(self, now: float) -> float:
        """Plan the next start: RESTART_DELAY after a death, doubling (up to MAX_RESTART_DELAY)
        while the worker keeps dying soon after starting, so a broken setting does not make
        the supervisor start a process every second forever. Returns the delay."""
        ran_steadily = now - self.started_at >= STEADY_SECONDS
        self.quick_deaths = 0 if ran_steadily else self.quick_deaths + 1
        delay = min(RESTART_DELAY * 2 ** max(self.quick_deaths - 1, 0), MAX_RESTART_DELAY)
        self.restart_at = now + delay
        return delay


def wait_until_serving(worker: Worker, timeout: float = 90.0) -> None:
    """Until the worker answers its health check (or it died, or `timeout` passed)."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{worker.port}/healthz"
    while time.monotonic() < deadline:
        if worker.process is not None and worker.process.poll() is not None:
            raise CannotServe(f"the process on port {worker.port} stopped while starting; see its log above")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own http URL)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise CannotServe(f"the process on port {worker.port} did not start within {timeout:.0f} s")


@dataclass
class Supervisor:
    """The workers and the proxy, started, watched and stopped together."""

    host: str
    port: int
    workers: list[Worker]
    config_path: Path
    env: dict[str, str] = field(default_factory=dict)
    proxy: subprocess.Popen | None = None
    stopping: bool = False

    def start(self) -> None:
        for worker in self.workers:
            worker.start(self.env)
        # The proxy comes last: a request it sent to a process still starting would fail.
        for worker in self.workers:
            wait_until_serving(worker)
        haproxy = shutil.which("haproxy") or "haproxy"
        self.proxy = subprocess.Popen(  # noqa: S603 (our own configuration file)
            [haproxy, "-db", "-f", str(self.config_path)], start_new_session=True
        )

    def watch(self) -> None:
        """Until stopped: start again any worker that died (with backoff); stop all if the
        proxy died. Never sleeps on one worker, so the others are still watched."""
        while not self.stopping:
            time.sleep(0.25)
            if self.proxy is not None and self.proxy.poll() is not None:
                log.error("the proxy stopped (exit %s): stopping the workers", self.proxy.returncode)
                break
            now = time.monotonic()
            for worker in self.workers:
                if self.stopping:
                    break
                if worker.died():
                    delay = worker.plan_restart(now)
                    log.warning(
                        "worker on port %s stopped (exit %s); starting it again in %g s",
                        worker.port,
                        worker.process.returncode if worker.process else None,
                        delay,
                    )
                elif worker.restart_at is not None and now >= worker.restart_at:
                    worker.start(self.env)
        self.stop()

    def stop(self, *_signal: Any) -> None:
        self.stopping = True
        for worker in self.workers:
            worker.stop()
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.terminate()
        deadline = time.monotonic() + 15
        for child in [w.process for w in self.workers] + [self.proxy]:
            if child is None:
                continue
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()


def serve_processes(
    config: dict[str, Any], host: str, port: int, processes: int, connections: int | None, folder: Path
) -> Supervisor:
    """Start `processes` workers on free local ports and HAProxy on host:port; returns the
    running supervisor (call `watch()` to keep them running until a signal)."""
    ensure_shareable(config)
    raise_open_files_limit(1_000_000)  # as far as the hard limit allows; children inherit it
    worker_ports = free_ports(processes)
    config_path = folder / "haproxy.cfg"
    config_path.write_text(proxy_config(host, port, worker_ports))
    env = {**os.environ, "WORKSHOP_TRUSTED_PROXIES": os.environ.get("WORKSHOP_TRUSTED_PROXIES", "1")}
    workers = []
    for worker_port in worker_ports:
        command = [
            sys.executable,
            "-m",
            "workshop.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(worker_port),
        ]
        if connections:
            command += ["--connections", str(connections)]
        workers.append(Worker(worker_port, command))
    supervisor = Supervisor(host, port, workers, config_path, env)
    signal.signal(signal.SIGTERM, _exit_now)  # while starting: stop what started, then exit
    try:
        supervisor.start()
    except BaseException:
        supervisor.stop()
        raise
    return supervisor


def _exit_now(*_signal: Any) -> None:
    raise SystemExit(0)
