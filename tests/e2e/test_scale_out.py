"""Scale-out on existing engines: two server processes sharing PostgreSQL and a
Redis message queue. A note posted through one process reaches a phone
connected to the other. Needs WORKSHOP_TEST_DATABASE_URL and WORKSHOP_TEST_REDIS_URL
(.ci/run sets both)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from tests.e2e.conftest import FACILITATOR, free_port, workshop_command

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shared_services():
    database = os.environ.get("WORKSHOP_TEST_DATABASE_URL")
    redis_url = os.environ.get("WORKSHOP_TEST_REDIS_URL")
    if not (database and redis_url):
        if os.environ.get("CI"):
            pytest.fail("CI must set WORKSHOP_TEST_DATABASE_URL and WORKSHOP_TEST_REDIS_URL")
        pytest.skip("set WORKSHOP_TEST_DATABASE_URL and WORKSHOP_TEST_REDIS_URL")
    return {"database": database, "redis": redis_url}


@contextlib.contextmanager
def fresh_schema(database: str):
    """A PostgreSQL URL whose tables live in a schema of their own, dropped afterwards."""
    schema = f"scale_{uuid.uuid4().hex[:8]}"
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


@pytest.fixture(scope="module", params=["threading", "gevent"])
def two_servers(request, shared_services, tmp_path_factory):
    with fresh_schema(shared_services["database"]) as schema_url:
        yield from _serve_two(request.param, schema_url, shared_services, tmp_path_factory)


def _serve_two(mode, schema_url, shared_services, tmp_path_factory):
    """Two `workshop serve` processes in the given async mode (gevent is the recommended
    mode on PostgreSQL; see README "Async mode")."""
    secret = uuid.uuid4().hex
    processes, urls = [], []
    ports = [free_port(), free_port()]
    base_env = {
        **os.environ,
        "WORKSHOP_DATABASE_URL": schema_url,
        "WORKSHOP_MESSAGE_QUEUE": shared_services["redis"],
        "WORKSHOP_SECRET_KEY": secret,
        "WORKSHOP_BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "WORKSHOP_ASYNC_MODE": mode,
    }
    setup_env = {**base_env, "WORKSHOP_INSTANCE_PATH": str(tmp_path_factory.mktemp("setup"))}
    workshop_command(
        "create-facilitator", FACILITATOR[0], "--password-stdin", env=setup_env, input=FACILITATOR[1] + "\n"
    )
    created = workshop_command(
        "new",
        "--plan",
        "pd-discovery",
        "--title",
        "Dos procesos",
        "--owner",
        FACILITATOR[0],
        "--json",
        env=setup_env,
    )
    for port in ports:
        env = {**base_env, "WORKSHOP_INSTANCE_PATH": str(tmp_path_factory.mktemp("node"))}
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "workshop.cli", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(url, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
    import json

    yield {"urls": urls, "workshop": json.loads(created.stdout)}
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def login(url: str) -> requests.Session:
    import re

    http = requests.Session()
    page = http.get(url + "/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    http.post(
        url + "/login",
        data={"csrf_token": token, "email": FACILITATOR[0], "password": FACILITATOR[1]},
        allow_redirects=False,
    )
    return http


def live_client(url: str, http: requests.Session, workshop_id: int, audience: str):
    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    arrived = threading.Event()

    @client.on("note_added", namespace="/live")
    def _note_added(data):
        received.append(data)
        arrived.set()

    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    client.connect(
        url,
        namespaces=["/live"],
        transports=["websocket"],
        headers={"Cookie": cookie},
        auth={"workshop": workshop_id, "audience": audience},
        wait_timeout=10,
    )
    return client, received, arrived


def test_note_crosses_processes_through_redis(two_servers):
    first, second = two_servers["urls"]
    workshop = two_servers["workshop"]
    facilitator_http = login(first)
    console, _, _ = live_client(first, facilitator_http, workshop["id"], "facilitator")
    assert console.call("change_stage", {"stage": 1}, namespace="/live")["ok"]

    phone_a, phone_b = requests.Session(), requests.Session()
    code = workshop["code"].replace("-", "")
    phone_a.get(f"{first}/j/{code}")
    phone_b.get(f"{second}/j/{code}")  # the cookie is valid on both: same secret key
    sender, _, _ = live_client(first, phone_a, workshop["id"], "participant")
    listener, received, arrived = live_client(second, phone_b, workshop["id"], "participant")
    try:
        ack = sender.call(
            "add_note",
            {"client_id": uuid.uuid4().hex, "text": "Por Redis", "stage": 1},
            namespace="/live",
            timeout=10,
        )
        assert ack["ok"], ack
        assert arrived.wait(10), "the note did not reach the phone on the other process"
        assert received[0]["note"]["text"] == "Por Redis"
        assert received[0]["note"]["id"] == ack["note"]["id"]
    finally:
        for client in (console, sender, listener):
            client.disconnect()
        for http in (facilitator_http, phone_a, phone_b):
            http.close()
