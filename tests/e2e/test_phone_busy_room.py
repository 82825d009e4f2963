"""A phone in a busy room, in Chromium at 360×740: the page keeps the room's latest notes
(as many as its state brought), not every note posted since it opened, and the earlier
ones are one tap away. Unbounded, a phone in a room of hundreds grew by a note a second
and redrew all of them on each new one."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import FACILITATOR, PHONE, workshop_command
from tests.e2e.test_live_workshop import send_note
from tests.phones import Clients, Console, Phone

pytestmark = pytest.mark.e2e

WRITE = 1  # pd-discovery
WINDOW = 30  # workshop.audiences.state.PHONE_LATEST_NOTES
ROOM_NOTES = 75


def post(writers: list[Phone], number: int) -> None:
    ack = writers[number % len(writers)].call(
        "add_note", {"text": f"Nota {number:02d} de la sala", "client_id": str(uuid.uuid4()), "stage": WRITE}
    )
    assert ack["ok"], ack


def test_a_phone_keeps_the_latest_notes_of_a_busy_room_and_the_rest_on_demand(server, browser):
    made = workshop_command(
        "new",
        "--plan",
        "pd-discovery",
        "--title",
        "Sala llena",
        "--owner",
        FACILITATOR[0],
        "--json",
        env=server["env"],
    )
    workshop = json.loads(made.stdout)
    with Clients() as clients:
        console = clients.add(Console(server["url"]))
        console.login(*FACILITATOR)
        console.connect(workshop["id"], "facilitator")
        assert console.call("change_stage", {"stage": WRITE})["ok"]

        phone = browser.new_context(**PHONE).new_page()
        phone.goto(workshop["join_url"])
        expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
        send_note(phone, "Mi nota, antes que todas las de la sala")
        expect(phone.locator("#my-notes .note.sent")).to_have_count(1)

        writers = [clients.add(Phone(server["url"])) for _ in range(6)]
        for writer in writers:
            writer.join(workshop["code"])
            writer.connect(workshop["id"], "participant")
        for number in range(ROOM_NOTES):
            post(writers, number)

        room = phone.locator("#notes li.note")
        texts = phone.locator("#notes .note-text")
        expect(texts.last).to_have_text(f"Nota {ROOM_NOTES - 1} de la sala")
        expect(room).to_have_count(WINDOW)
        expect(texts.first).to_have_text(f"Nota {ROOM_NOTES - WINDOW} de la sala")
        expect(phone.locator("#my-notes .note")).to_have_count(1)  # the person's own stays

        # Earlier notes: all of the room's before the oldest shown, even though the
        # person's own note is older than all of them.
        phone.locator("#notes li.more button").tap()
        expect(room).to_have_count(ROOM_NOTES)
        expect(texts.first).to_have_text("Nota 00 de la sala")
        expect(phone.locator("#notes li.more")).to_have_count(0)

        # The window is now what the person asked to see; a new note pushes the oldest out.
        post(writers, ROOM_NOTES)
        expect(texts.last).to_have_text(f"Nota {ROOM_NOTES} de la sala")
        expect(room).to_have_count(ROOM_NOTES)
        expect(texts.first).to_have_text("Nota 01 de la sala")
        expect(phone.locator("#notes li.more button")).to_be_visible()
        expect(phone.locator("#my-notes .note")).to_have_count(1)
