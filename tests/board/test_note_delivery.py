"""What the phone's outbox relies on from the server: text a database cannot store
is cleaned (never a "server" error that would be retried forever), and a rate
limit is a temporary refusal that says when to try again."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.factories import new_client_id
from workshop import ConfigurationError, create_app
from workshop.board import services as board
from workshop.board.models import Note
from workshop.errors import InvalidInput, RateLimited
from workshop.extensions import db, socketio
from workshop.live import NAMESPACE

# NUL, an escape, a lone high and a lone low surrogate, a real pair (an emoji), a lone CR.
DIRTY = "Antes\x00 medio\x1b\ud800 y\udc00 fin \U0001f600\rotra línea\tcon tab"
CLEAN = "Antes medio\ufffd y\ufffd fin \U0001f600\notra línea\tcon tab"


def stored_texts() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Note.text).order_by(Note.id)))


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (DIRTY, CLEAN),
        ("\x00\x00 Falta personal \x00", "Falta personal"),
        ("\ud83d\ude00", "\U0001f600"),  # the two halves of a pair arriving apart are joined
        ("línea\r\nsiguiente", "línea\nsiguiente"),
    ],
)
def test_text_a_database_cannot_store_is_cleaned(workshop, participant, raw, cleaned):
    note, created = board.add_note(workshop, participant, raw, new_client_id(), 1)
    db.session.commit()
    assert created is True
    assert stored_texts() == [cleaned]
    assert note.text == cleaned


def test_text_of_control_characters_only_is_refused_as_empty(workshop, participant):
    with pytest.raises(InvalidInput, match="empty"):
        board.add_note(workshop, participant, "\x00\x07 \x1b", new_client_id(), 1)


def test_an_edit_is_cleaned_too(workshop, participant):
    note, _ = board.add_note(workshop, participant, "Primera versión", new_client_id(), 1)
    db.session.commit()
    board.edit_note(workshop, participant, note.id, "Segunda\x00 versión\udfff")
    db.session.commit()
    assert stored_texts() == ["Segunda versión\ufffd"]


def test_length_is_counted_after_cleaning(workshop, participant):
    note, _ = board.add_note(workshop, participant, "x" * 500 + "\x00" * 20, new_client_id(), 1)
    db.session.commit()
    assert len(note.text) == 500


def live_phone(app, workshop):
    http = app.test_client()
    http.get(f"/j/{workshop.code}")
    return socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=http,
        auth={"workshop": workshop.id, "audience": "participant"},
    )


def test_dirty_text_over_socketio_is_stored_once_not_a_server_error(app, workshop):
    phone = live_phone(app, workshop)
    payload = {"client_id": new_client_id(), "text": DIRTY, "stage": 1}
    first = phone.emit("add_note", payload, namespace=NAMESPACE, callback=True)
    again = phone.emit("add_note", payload, namespace=NAMESPACE, callback=True)
    assert first["ok"] is True, first
    assert first["note"]["text"] == CLEAN
    assert again["ok"] is True
    assert again["created"] is False
    assert stored_texts() == [CLEAN]
    # A later note goes through as usual.
    later = phone.emit(
        "add_note",
        {"client_id": new_client_id(), "text": "Después", "stage": 1},
        namespace=NAMESPACE,
        callback=True,
    )
    assert later["ok"] is True
    assert stored_texts() == [CLEAN, "Después"]


def test_only_control_characters_over_socketio_is_a_final_refusal(app, workshop):
    phone = live_phone(app, workshop)
    ack = phone.emit(
        "add_note",
        {"client_id": new_client_id(), "text": "\x00", "stage": 1},
        namespace=NAMESPACE,
        callback=True,
    )
    assert ack["ok"] is False
    assert ack["error"] == "invalid"
    assert db.session.scalar(select(func.count()).select_from(Note)) == 0


def test_rate_limited_ack_says_when_to_retry():
    error = RateLimited("Espera un momento.", retry_after=7.2)
    assert error.to_ack() == {
        "ok": False,
        "error": "rate_limited",
        "message": "Espera un momento.",
        "retry_after": 7,
    }
    assert RateLimited("x", retry_after=0).retry_after == 1
    assert error.status == 429


class TestNoteRateLimitSetting:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "NOTE_RATE_LIMIT": "3 per 1 second"}

    def test_past_the_limit_the_ack_is_temporary_and_the_retry_is_accepted(self, app, workshop):
        phone = live_phone(app, workshop)
        payloads = [{"client_id": new_client_id(), "text": f"nota {i}", "stage": 1} for i in range(8)]
        acks = [phone.emit("add_note", p, namespace=NAMESPACE, callback=True) for p in payloads]
        # The window may roll over between two sends on a slow machine: at most 3 per window.
        refused = [ack for ack in acks if not ack["ok"]]
        assert len(refused) >= 2
        for ack in refused:
            assert ack["error"] == "rate_limited"
            assert ack["retry_after"] == 1
        late = [p for p, ack in zip(payloads, acks, strict=True) if not ack["ok"]]
        deadline = time.monotonic() + 30
        while late and time.monotonic() < deadline:
            time.sleep(1)
            late = [
                p for p in late if not phone.emit("add_note", p, namespace=NAMESPACE, callback=True)["ok"]
            ]
        assert late == []
        assert sorted(stored_texts()) == [f"nota {i}" for i in range(8)]

    def test_the_no_javascript_door_has_the_same_limit(self, app, workshop):
        http = app.test_client()
        http.get(f"/j/{workshop.code}")
        statuses = [
            http.post(
                f"/p/{workshop.code}/notes",
                data={"text": f"nota {i}", "stage": "1", "client_id": new_client_id()},
            ).status_code
            for i in range(8)
        ]
        assert 429 in statuses
        assert statuses.count(302) <= 6  # 3 per second; the loop may span two windows


def test_a_bad_note_rate_limit_setting_stops_the_start(tmp_path):
    with pytest.raises(ConfigurationError, match="WORKSHOP_NOTE_RATE_LIMIT"):
        create_app({"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path), "NOTE_RATE_LIMIT": "thirty a minute"})
