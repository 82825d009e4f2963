"""workshop: real-time co-design sessions with front-line public workers."""

from __future__ import annotations

# isort: off
# First, before anything imports socket, threading or ssl: the server is patched for gevent.
from workshop import gevent_patch  # noqa: F401
# isort: on

import contextlib
import importlib.util
import os
from pathlib import Path
from typing import Any

import click
from flask import Flask

from workshop.config import ASYNC_MODES, instance_secret_key, settings_from_environment
from workshop.resources import ROOT, resource_dir

MAX_MESSAGE_BYTES = 64 * 1024
# Every page: scripts, styles, images and connections from this site only (no inline
# script, no framing by other sites). Socket.IO's WebSocket is covered by 'self'.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class ConfigurationError(click.ClickException, ValueError):
    """A setting has a value the app cannot run with (the CLI prints it as `Error: ...`)."""


def default_async_mode() -> str:
    """gevent in a process patched for it (`workshop serve`, chosen by bench/fanout.py: see
    README "Async mode"); threading anywhere else (tests, scripts)."""
    with contextlib.suppress(ImportError):
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    return "threading"


def async_mode(value: str | None) -> str:
    """Validate WORKSHOP_ASYNC_MODE: `gevent` (the server's default) or `threading`."""
    mode = str(value or default_async_mode()).strip().lower()
    if mode not in ASYNC_MODES:
        raise ConfigurationError(f"WORKSHOP_ASYNC_MODE must be {' or '.join(ASYNC_MODES)}, not {value!r}")
    if mode == "gevent" and importlib.util.find_spec("gevent") is None:
        raise ConfigurationError("WORKSHOP_ASYNC_MODE=gevent needs gevent: pip install gevent")
    return mode


def note_rate_limit(value: Any) -> None:
    """Refuse at start a WORKSHOP_NOTE_RATE_LIMIT that would fail every note later."""
    from limits import parse

    try:
        parse(str(value))
    except ValueError:
        raise ConfigurationError(
            f"WORKSHOP_NOTE_RATE_LIMIT must read like 30/minute, not {value!r}"
        ) from None


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, Socket.IO handlers."""
    settings = settings_from_environment()
    settings.update(config or {})
    settings["ASYNC_MODE"] = async_mode(settings.get("ASYNC_MODE"))
    note_rate_limit(settings.get("NOTE_RATE_LIMIT"))
    instance_path = Path(settings.get("INSTANCE_PATH") or ROOT / "instance").resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance_path / 'workshop.db'}",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 30,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        PLANS_DIR=str(resource_dir("sessions")),
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).resolve().parent / "translations"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis out of reach: count in this process's memory (with a warning) rather than
        # refusing logins, joins and notes; time out fast so nobody waits for it.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(settings)
    app.config["BASE_URL_FROM_ENVIRONMENT"] = bool(
        os.environ.get("WORKSHOP_BASE_URL") or (config or {}).get("BASE_URL")
    )
    if isinstance(app.config.get("RATELIMIT_ENABLED"), str):  # WORKSHOP_RATELIMIT_ENABLED
        app.config["RATELIMIT_ENABLED"] = app.config["RATELIMIT_ENABLED"].lower() not in {
            "0",
            "false",
            "no",
            "off",
        }
    for key in ("MAX_PARTICIPANTS", "TRUSTED_PROXIES"):
        app.config[key] = _whole_number_setting(key, app.config.get(key))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance_path)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("SOCKETIO_MESSAGE_QUEUE") or "memory://"
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from workshop import database, delivery, i18n
    from workshop.accounts.views import init_login
    from workshop.audiences import broadcast
    from workshop.audiences import strings as live_strings
    from workshop.extensions import csrf, db, limiter, migrate, socketio, talisman
    from workshop.live.announce import install_announcements
    from workshop.live.origins import allowed_origin_checker
    from workshop.live.transport import WithoutWebSocketCompression

    database.configure_engine_options(app)
    db.init_app(app)
    database.enable_sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=False,  # the operator decides (WORKSHOP_BASE_URL https://…, a TLS proxy)
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    i18n.init_app(app)
    delivery.init_app(app)
    init_login(app)
    _import_event_handlers()
    install_announcements(broadcast)
    live_strings.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        cors_allowed_origins=allowed_origin_checker(app),
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        ping_interval=20,
        ping_timeout=20,
        logger=False,
        engineio_logger=False,
    )
    app.wsgi_app = WithoutWebSocketCompression(app.wsgi_app)  # type: ignore[method-assign]
    if app.config["TRUSTED_PROXIES"]:
        # Outermost, so Engine.IO and Flask both see the client's address, scheme and host.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _import_event_handlers() -> None:
    """Socket.IO handlers register on import; import them before `socketio.init_app`.

    Importing them also imports every model, so Alembic sees the whole schema.
    """
    import workshop.audiences.events  # noqa: F401
    import workshop.board.events  # noqa: F401
    import workshop.clustering.events  # noqa: F401
    import workshop.commitments.events  # noqa: F401
    import workshop.facilitation.events  # noqa: F401
    import workshop.ranking.events  # noqa: F401
    import workshop.rating.events  # noqa: F401
    import workshop.voting.events  # noqa: F401
    import workshop.workshops.events  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from workshop.accounts.views import blueprint as accounts
    from workshop.commitments.views import blueprint as commitments
    from workshop.errors_views import register_error_pages
    from workshop.health import blueprint as health
    from workshop.importing.views import blueprint as importing
    from workshop.library.views import blueprint as library
    from workshop.planning.views import blueprint as planning
    from workshop.profiles.views import blueprint as profiles
    from workshop.reports.views import blueprint as reports
    from workshop.synthesis.views import blueprint as synthesis
    from workshop.workshops.views import blueprint as workshops

    for blueprint in (
        accounts,
        workshops,
        reports,
        importing,
        synthesis,
        profiles,
        commitments,
        library,
        planning,
        health,
    ):
        app.register_blueprint(blueprint)
    register_error_pages(app)


def _whole_number_setting(key: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise ConfigurationError(f"WORKSHOP_{key} must be a whole number (0 or more), not {value!r}")
    return number


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
