"""Simulated phones and a facilitator's browser for tests against a real server: the HTTP
join flow (its session cookie), then a python-socketio client on `/live`, as the page does."""

from __future__ import annotations

import contextlib
import re
import threading
from typing import Any

import requests
import socketio

NAMESPACE = "/live"
TIMEOUT = 60


def cookie_header(http: requests.Session) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


class LiveClient:
    """An HTTP session plus one Socket.IO connection to a workshop."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT):
        self.base_url = base_url
        self.timeout = timeout
        self.http = requests.Session()
        self.sio: socketio.Client | None = None
        self.states: list[dict] = []
        self.events: list[tuple[str, Any]] = []
        self.got_state = threading.Event()
        self.lock = threading.Lock()

    def connect(self, workshop_id: int, audience: str, token: str | None = None) -> None:
        self.got_state.clear()
        sio = socketio.Client(reconnection=False, request_timeout=TIMEOUT)

        @sio.on("state", namespace=NAMESPACE)
        def on_state(state: dict) -> None:
            with self.lock:
                self.states.append(state)
            self.got_state.set()

        @sio.on("*", namespace=NAMESPACE)
        def on_any(event: str, payload: Any = None) -> None:
            with self.lock:
                self.events.append((event, payload))

        auth = {"workshop": workshop_id, "audience": audience}
        if token:
            auth["token"] = token
        sio.connect(
            self.base_url,
            namespaces=[NAMESPACE],
            transports=["websocket"],
            headers={"Cookie": cookie_header(self.http)},
            auth=auth,
            wait_timeout=TIMEOUT,
        )
        self.sio = sio

    def call(self, event: str, payload: dict | None = None) -> dict:
        assert self.sio is not None
        return self.sio.call(event, payload or {}, namespace=NAMESPACE, timeout=self.timeout)

    def disconnect(self) -> None:
        if self.sio is not None:
            sio, self.sio = self.sio, None
            with contextlib.suppress(Exception):
                sio.disconnect()
            # A connection the server dropped (a killed server) keeps its socket open.
            socket = getattr(sio.eio, "ws", None)
            if socket is not None:
                with contextlib.suppress(Exception):
                    socket.close()

    def close(self) -> None:
        """Disconnect and close the HTTP session (tests leave no socket open)."""
        self.disconnect()
        self.http.close()

    @property
    def connected(self) -> bool:
        return self.sio is not None and self.sio.connected


class Phone(LiveClient):
    def join(self, code: str) -> requests.Response:
        """Open the join link as a phone does: it lands on the phone page."""
        return self.http.get(f"{self.base_url}/j/{code}", timeout=TIMEOUT)


class Console(LiveClient):
    def login(self, email: str, password: str) -> None:
        page = self.http.get(self.base_url + "/login", timeout=TIMEOUT).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = self.http.post(
            self.base_url + "/login",
            data={"csrf_token": token, "email": email, "password": password},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert response.status_code == 302, response.text


class Clients(list):
    """Every client a test opened, closed at the end (`with Clients() as clients`)."""

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for client in self:
            client.close()

    def add(self, client: LiveClient) -> LiveClient:
        self.append(client)
        return client
