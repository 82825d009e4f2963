"""Settings read from ``WORKSHOP_*`` environment variables.

One table (``SETTINGS``) lists them, so the README's configuration table and
the code cannot drift apart: ``workshop config`` prints it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "WORKSHOP_DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        None,
        "SQLAlchemy URL. Default: SQLite (WAL) file `workshop.db` in the instance folder.",
    ),
    Setting(
        "WORKSHOP_MESSAGE_QUEUE",
        "SOCKETIO_MESSAGE_QUEUE",
        None,
        "Redis URL for Socket.IO fan-out between several processes. Default: none.",
    ),
    Setting(
        "WORKSHOP_SECRET_KEY",
        "SECRET_KEY",
        None,
        "Signs cookies. Default: generated once, kept in `instance/secret_key`.",
    ),
    Setting(
        "WORKSHOP_BASE_URL",
        "BASE_URL",
        "http://127.0.0.1:5000",
        "Public address used in join links, QR codes and CLI output.",
    ),
    Setting(
        "WORKSHOP_RATELIMIT_STORAGE",
        "RATELIMIT_STORAGE_URI",
        None,
        "Rate-limit counters (`memory://` or `redis://…`). Default: the message queue, else memory.",
    ),
    Setting(
        "WORKSHOP_RATELIMIT_ENABLED",
        "RATELIMIT_ENABLED",
        None,
        "`false` switches rate limits off (load tests such as bench/fanout.py). Default: on.",
    ),
    Setting(
        "WORKSHOP_NOTE_RATE_LIMIT",
        "NOTE_RATE_LIMIT",
        "30/minute",
        "Notes one participant may post in a window (`30/minute`, `30 per 10 seconds`); "
        "past it the phone waits and resends. Default: 30/minute.",
    ),
    Setting(
        "WORKSHOP_ALLOWED_ORIGINS",
        "ALLOWED_ORIGINS",
        None,
        "Extra origins allowed to open Socket.IO connections (comma separated). "
        "Default: the base URL's origin and the page's own host.",
    ),
    Setting(
        "WORKSHOP_INSTANCE_PATH",
        "INSTANCE_PATH",
        None,
        "Folder for the database and the secret key. Default: `instance/`.",
    ),
    Setting(
        "WORKSHOP_MAX_PARTICIPANTS",
        "MAX_PARTICIPANTS",
        "2000",
        "Most participants one workshop accepts (a leaked join code cannot fill the database). "
        "Default: 2000.",
    ),
    Setting(
        "WORKSHOP_TRUSTED_PROXIES",
        "TRUSTED_PROXIES",
        "0",
        "How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host "
        "(Werkzeug's ProxyFix): set it behind nginx or HAProxy so rate limits see each client's "
        "address. Default: 0 (no proxy; the headers are ignored).",
    ),
    Setting(
        "WORKSHOP_ASYNC_MODE",
        "ASYNC_MODE",
        None,
        "Socket.IO async mode and gunicorn worker of `workshop serve`: `gevent` (gevent worker, "
        "thousands of connections in one process) or `threading` (gthread worker, one thread per "
        "connection). Default: gevent.",
    ),
)

ASYNC_MODES = ("threading", "gevent")

NOTE_MAX_LENGTH = 500
# The workshop's challenge question ("¿Cómo podríamos…?"): a sentence or two, shown on
# every screen and at the head of the report.
QUESTION_MAX_LENGTH = 300
DISPLAY_NAME_MAX_LENGTH = 40


def settings_from_environment(environ: os._Environ | dict | None = None) -> dict:
    """Return the config keys that are set in the environment."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    for setting in SETTINGS:
        value = environ.get(setting.env)
        if value:
            values[setting.key] = value
        elif setting.default is not None:
            values[setting.key] = setting.default
    return values


def instance_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it once if it is missing.

    A key generated per start would log everyone out at each restart and break
    a second process, so it is kept in the instance folder (mode 0600).
    """
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
