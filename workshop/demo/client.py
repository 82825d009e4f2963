"""The network side of the demo: an HTTP + Socket.IO client that behaves like a phone
or the facilitator's browser against a running server (the client libraries are test
extras, imported lazily)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: the client libraries are not runtime dependencies
    import requests
    import socketio

NAMESPACE = "/live"
CALL_TIMEOUT = 15.0
CONNECT_TIMEOUT = 15.0
HTTP_TIMEOUT = 10.0
MAX_RATE_LIMIT_WAIT = 75.0  # wait out a per-minute limit; an hourly one is reported instead

Echo = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


def _client_libraries():
    """requests and python-socketio are test extras, not server dependencies."""
    try:
        import requests
        import socketio
    except ImportError as error:
        raise DemoError(
            f"workshop demo needs the Socket.IO client ({error.name} is missing): "
            "pip install 'python-socketio[client]' websocket-client requests "
            "(or pip install -e '.[test]')"
        ) from None
    return requests, socketio


def _pause(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def _http(method: Callable[..., requests.Response], url: str, echo: Echo, **kwargs: Any) -> requests.Response:
    """One HTTP request; waits out a per-minute rate limit (429) instead of failing.

    Running the demo twice within a minute can exceed the join limit (20 a
    minute per address); the server's Retry-After says how long to wait.
    """
    requests, _ = _client_libraries()
    while True:
        try:
            answer = method(url, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            raise DemoError(
                f"cannot reach {url} ({type(error).__name__}): is `workshop serve` "
                "running there? Start it, or pass its address with --url."
            ) from None
        if answer.status_code != 429:
            return answer
        wait = float(answer.headers.get("Retry-After") or 60)
        if wait > MAX_RATE_LIMIT_WAIT:
            raise DemoError(
                f"the server's rate limit refuses more requests from this address "
                f"for {wait:.0f} s ({url}); try again later or with fewer "
                "--participants"
            )
        echo(f"  rate limit reached; waiting {wait:.0f} s as the server asks")
        time.sleep(wait + 1)


def check_server(url: str) -> None:
    """Fail before creating anything when no server answers at `url`."""
    requests, _ = _client_libraries()
    _http(requests.get, url.rstrip("/") + "/", lambda _line: None)


def cookie_header(jar) -> str:
    """What a browser would send: every cookie the server set, as one Cookie header."""
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def login_facilitator(url: str, email: str, password: str, echo: Echo) -> str:
    """Log in through the real login form (with its CSRF token); return the Cookie header."""
    requests, _ = _client_libraries()
    http = requests.Session()
    page = _http(http.get, url + "/login", echo)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise DemoError(f"GET {url}/login gave HTTP {page.status_code} without a login form")
    answer = _http(
        http.post,
        url + "/login",
        echo,
        data={"email": email, "password": password, "csrf_token": token.group(1)},
    )
    if answer.status_code != 302:
        raise DemoError(
            f"the demo facilitator could not log in at {url} (HTTP "
            f"{answer.status_code}): is that server using the same database as "
            "this command (WORKSHOP_INSTANCE_PATH or WORKSHOP_DATABASE_URL)?"
        )
    return cookie_header(http.cookies)


def join_participant(join_url: str, echo: Echo) -> str:
    """Open the join link as a new phone would; return its Cookie header (the device token)."""
    requests, _ = _client_libraries()
    http = requests.Session()
    answer = _http(http.get, join_url, echo)
    # The join link answers with the phone page itself (200); a redirect (302) is fine too.
    if answer.status_code not in (200, 302) or "session" not in http.cookies:
        raise DemoError(f"joining with {join_url} gave HTTP {answer.status_code}")
    return cookie_header(http.cookies)


def connect(url: str, workshop_id: int, audience: str, cookie: str) -> socketio.Client:
    """A Socket.IO client on `/live`, identified by its cookie like a browser tab."""
    _, socketio = _client_libraries()
    client = socketio.Client(reconnection=False)
    try:
        client.connect(
            url,
            headers={"Cookie": cookie},
            namespaces=[NAMESPACE],
            auth={"workshop": workshop_id, "audience": audience},
            wait_timeout=CONNECT_TIMEOUT,
        )
    except socketio.exceptions.ConnectionError as error:
        raise DemoError(f"{audience} could not connect to {url}: {error}") from None
    return client


def call(client: socketio.Client, event: str, payload: dict, who: str) -> dict:
    """Send one command and return its acknowledgement; a refusal stops the demo."""
    _, socketio = _client_libraries()
    try:
        ack = client.call(event, payload, namespace=NAMESPACE, timeout=CALL_TIMEOUT)
    except socketio.exceptions.SocketIOError as error:
        raise DemoError(f"{who}: {event} got no answer ({error or 'timeout'})") from None
    if not isinstance(ack, dict) or not ack.get("ok"):
        message = ack.get("message") if isinstance(ack, dict) else ack
        raise DemoError(f"{who}: the server refused {event}: {message}")
    return ack


def new_client_id() -> str:
    """What a phone generates for each note or dot, so a resend is stored once."""
    return secrets.token_urlsafe(12)
