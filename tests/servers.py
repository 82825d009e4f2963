"""Real servers for tests that need the whole stack: `workshop serve` processes on the
embedded SQLite or on PostgreSQL (a schema of their own), set up through the CLI as an
operator would (a facilitator, a workshop)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

FACILITATOR = ("ana@example.org", "una clave larga 123")
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("WORKSHOP_TEST_DATABASE_URL") else [])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def database_for(backend: str, instance: Path) -> Iterator[str | None]:
    """None for the embedded SQLite in the instance folder, or a PostgreSQL URL whose
    tables live in a fresh schema, dropped afterwards."""
    if backend == "sqlite":
        yield None
        return
    database = os.environ["WORKSHOP_TEST_DATABASE_URL"]
    schema = f"srv_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in database else "?"
    try:
        yield f"{database}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Server:
    """One `workshop serve` process; `start` again after `kill` to restart on the same data."""

    instance: Path
    database_url: str | None
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    serve_args: tuple[str, ...] = ()  # more options for `workshop serve` (e.g. --processes 3)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "WORKSHOP_INSTANCE_PATH": str(self.instance),
            "WORKSHOP_BASE_URL": self.url,
            **self.extra_env,
        }
        env.pop("WORKSHOP_DATABASE_URL", None)
        if self.database_url:
            env["WORKSHOP_DATABASE_URL"] = self.database_url
        return env

    @property
    def log_path(self) -> Path:
        return self.instance / "server.log"

    def command(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "workshop.cli", *args],
            env=self.env,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def start(self) -> Server:
        with self.log_path.open("a") as log:  # the child keeps its own handle
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workshop.cli", "serve", "--port", str(self.port), *self.serve_args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)  # not listening yet, or a proxy whose processes are starting
        self.kill()
        raise RuntimeError("server did not start: " + self.log_path.read_text())

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def running_server(backend: str, instance: Path, **extra_env: str) -> Iterator[Server]:
    """A server with one facilitator, on `backend` (sqlite or postgresql)."""
    instance.mkdir(parents=True, exist_ok=True)
    with database_for(backend, instance) as database_url:
        server = Server(instance, database_url, extra_env=extra_env)
        server.command("create-facilitator", FACILITATOR[0], "--password-stdin", stdin=FACILITATOR[1] + "\n")
        server.start()
        try:
            yield server
        finally:
            server.stop()


def new_workshop(server: Server, plan: str = "pd-discovery", title: str = "Sala llena") -> dict:
    """`workshop new --json`: id, code, join_url, facilitator_url, screen_url."""
    return json.loads(
        server.command("new", "--plan", plan, "--title", title, "--owner", FACILITATOR[0], "--json")
    )
