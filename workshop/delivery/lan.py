"""The address phones in the room reach this laptop at.

`workshop serve` listens on 127.0.0.1 unless told otherwise; `--host 0.0.0.0` (`make run
HOST=0.0.0.0`) opens it to the local network. The facilitator usually opens the console on
the laptop itself, at 127.0.0.1, but a QR code with 127.0.0.1 in it sends every phone to
itself. So when the server listens on the network and no WORKSHOP_BASE_URL is set, join
links built for a request that came through the loopback use the laptop's address on the
local network instead.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

ALL_INTERFACES = ("0.0.0.0", "::", "")  # noqa: S104 - recognised, not bound to
# Connecting a UDP socket sends nothing: it only asks the system which of its addresses
# it would send from, i.e. the interface of the default route. A documentation address
# (TEST-NET-1, RFC 5737): nothing is ever sent to it, and it belongs to nobody.
_ROUTE_PROBE = ("192.0.2.1", 9)


def is_loopback(host: str) -> bool:
    """Whether a host name or address (IPv6 possibly in brackets) is this machine only."""
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _usable(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (parsed.is_loopback or parsed.is_unspecified or parsed.is_link_local)


def lan_address() -> str | None:
    """This machine's IPv4 address on the local network, or None if it has none."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_ROUTE_PROBE)
            address = probe.getsockname()[0]
        if _usable(address):
            return address
    except OSError:  # no default route (a room's router without internet, say)
        pass
    try:
        found = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for *_, sockaddr in found:
        if _usable(sockaddr[0]):
            return sockaddr[0]
    return None


def lan_url(host: str, port: int, detect: Callable[[], str | None] | None = None) -> str | None:
    """Where phones on the local network reach a server listening on `host`:`port`.

    None when it listens on the loopback only (phones cannot reach it) or when listening
    on every interface but no network address could be found.
    """
    if is_loopback(host):
        return None
    address = (detect or lan_address)() if host in ALL_INTERFACES else host.strip("[]")
    if not address:
        return None
    if ":" in address:
        address = f"[{address}]"
    return f"http://{address}:{port}"


def join_base_url(request_url: str, lan: str | None) -> str:
    """The base of join links for a page requested at `request_url` (its host URL).

    The request's own address, which every phone on the same network can reach too;
    but the local-network address when the page was opened on the laptop itself.
    """
    host = urlsplit(request_url).hostname or ""
    if lan and is_loopback(host):
        return lan.rstrip("/")
    return request_url.rstrip("/")
