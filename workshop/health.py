"""`GET /healthz`: whether this process can reach what it depends on.

For the operator's monitoring and a proxy's health check: the database must answer
(else 503); the message queue and the rate-limit storage are reported (a process
without its queue still serves its own clients; rate limits fall back to memory).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from workshop.extensions import db, limiter

blueprint = Blueprint("health", __name__)


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        return "unreachable"
    finally:
        db.session.rollback()


def _redis(url: str | None) -> str:
    if not url:
        return "not configured"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:
        return "unreachable"


@blueprint.route("/healthz")
def healthz():
    config = current_app.config
    storage = config.get("RATELIMIT_STORAGE_URI", "memory://")
    report: dict[str, Any] = {
        "database": _database(),
        "message_queue": _redis(config.get("SOCKETIO_MESSAGE_QUEUE")),
        "rate_limits": "memory" if storage.startswith("memory") else _redis(storage),
    }
    if report["rate_limits"] == "unreachable":
        report["rate_limits"] = "unreachable (counting in this process's memory)"
    report["ok"] = report["database"] == "ok"
    return jsonify(report), 200 if report["ok"] else 503


limiter.exempt(healthz)
