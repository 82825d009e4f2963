"""Same-origin Socket.IO: a page may open a connection only from this app's own origin."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask


def origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origin_checker(app: Flask) -> Callable[[str | None, dict], bool]:
    """Allow the request's own host, the base URL and any configured extra origins.

    Engine.IO calls this for every handshake. Clients without an Origin header
    (python-socketio, the CLI demo) are not browsers and are not subject to CORS.
    """
    fixed = {origin_of(app.config["BASE_URL"])}
    fixed |= {origin_of(o) for o in (app.config.get("ALLOWED_ORIGINS") or "").split(",") if o}

    def is_allowed(origin: str | None, environ: dict) -> bool:
        if origin is None:
            return True
        origin = origin.lower()
        if origin in fixed:
            return True
        # Behind a trusted proxy ProxyFix has already put the client-facing host and scheme
        # here; X-Forwarded-* headers are never read directly (a client could forge them).
        host = environ.get("HTTP_HOST", "")
        scheme = environ.get("wsgi.url_scheme", "http")
        return origin == f"{scheme}://{host}".lower()

    return is_allowed
