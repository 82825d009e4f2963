"""When a dependency is down: the health check says so, and Redis out of reach does not
stop anyone from logging in, joining or posting (rate limits count in memory)."""

from __future__ import annotations

import pytest

from workshop.extensions import socketio
from workshop.live import NAMESPACE

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_health_reports_the_database_and_the_message_queue(client):
    body = client.get("/healthz").get_json()
    assert body == {"ok": True, "database": "ok", "message_queue": "not configured", "rate_limits": "memory"}


class TestRedisDown:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": UNREACHABLE_REDIS}

    def test_login_join_and_posting_still_work(self, app, client, facilitator, workshop, caplog):
        assert client.get("/healthz").get_json()["rate_limits"].startswith("unreachable")
        response = client.post(
            "/login", data={"email": "ana@example.org", "password": "correct horse battery"}
        )
        assert response.status_code == 302
        phone_http = app.test_client()
        assert phone_http.get(f"/j/{workshop.code}").status_code == 302
        phone = socketio.test_client(
            app,
            namespace=NAMESPACE,
            flask_test_client=phone_http,
            auth={"workshop": workshop.id, "audience": "participant"},
        )
        ack = phone.emit(
            "add_note",
            {"client_id": "redis-down-1", "text": "Sin Redis", "stage": 1},
            namespace=NAMESPACE,
            callback=True,
        )
        assert ack["ok"] is True
        assert "storage unreachable" in caplog.text.lower()  # said in the log, once
