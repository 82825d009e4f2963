"""The phone never drops what a person typed or tapped, in Chromium at 360×740.

Notes written offline arrive once each across the rate limit; notes the server
refuses for good stay on the phone, marked "not sent" with the reason, until their
author resends or discards them; text with NUL or a lone surrogate never blocks the
outbox; dots tapped while offline are counted once after reconnection.
Screenshots land in artifacts/screenshots/phone-outbox-*.png.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, FACILITATOR, PHONE, open_console, workshop_command

pytestmark = pytest.mark.e2e

# A short window keeps the test fast; the phone must still cross the limit by waiting.
SERVER_ENV = {"WORKSHOP_NOTE_RATE_LIMIT": "30 per 10 seconds"}

PLAN = """
languages = ["es", "en"]
title = { es = "Prueba del buzón", en = "Outbox test" }
description = { es = "Escribir y votar.", en = "Write and vote." }

[[stages]]
id = "ideas"
kind = "write"
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué funciona en tu unidad?", en = "What works in your unit?" }

[[stages]]
id = "shortlist"
kind = "vote"
target = "notes"
dots = 3
cap = 2
title = { es = "Preselección", en = "Shortlist" }
prompt = { es = "Vota con tus puntos.", en = "Vote with your dots." }
"""

LOCKED = "El/la facilitador/a cerró esta etapa; ya no se reciben aportes."


@pytest.fixture
def created(server, tmp_path):
    plan = tmp_path / "outbox-test.toml"
    plan.write_text(PLAN)
    result = workshop_command(
        "new",
        "--plan",
        str(plan),
        "--title",
        "USF Limpio",
        "--owner",
        FACILITATOR[0],
        "--json",
        env=server["env"],
    )
    return json.loads(result.stdout)


def stored(server, workshop_id: int, table: str = "note") -> list[tuple]:
    """Rows of the workshop, read straight from the server's SQLite database."""
    with sqlite3.connect(server["instance"] / "workshop.db") as connection:
        if table == "note":
            query = "SELECT text, client_id FROM note WHERE workshop_id = ? AND deleted_at IS NULL"
        else:
            query = "SELECT target_id, client_id FROM dot WHERE workshop_id = ?"
        return connection.execute(query, (workshop_id,)).fetchall()


def join(browser, created):
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(created["join_url"])
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    return context, phone


def console_for(browser, server, created):
    page = browser.new_context(**DESKTOP).new_page()
    open_console(page, server["url"], created["facilitator_url"])
    return page


def write(phone, text: str) -> None:
    phone.fill("#note-text", text)
    phone.locator("#send").tap()


def test_34_notes_written_offline_all_arrive_once_across_the_rate_limit(server, browser, created, screenshot):
    context, phone = join(browser, created)
    context.set_offline(True)
    expect(phone.locator("#conn")).to_have_attribute("data-state", "offline")
    texts = [f"Nota sin señal número {i:02d}" for i in range(34)]
    for text in texts:
        write(phone, text)
    pending = phone.locator("#my-notes .note.pending")
    expect(pending).to_have_count(34)
    expect(pending.first.locator(".note-status")).to_have_text(
        "Aún no se envió: se enviará cuando vuelva la conexión."
    )
    # Right under the box, the newest first.
    expect(phone.locator("#my-notes .note-text").first).to_have_text(texts[-1])
    screenshot(phone, "phone-outbox-offline")
    assert stored(server, created["id"]) == []

    context.set_offline(False)
    started = time.monotonic()
    # 30 go at once; the server says when the window resets and the rest wait for it.
    waiting = phone.locator("#my-notes .note.pending .note-status", has_text="En espera")
    expect(waiting).to_have_count(4, timeout=20_000)
    screenshot(phone, "phone-outbox-rate-limited")
    expect(phone.locator("#my-notes .note.sent")).to_have_count(34, timeout=30_000)
    print(f"34 notes sent {time.monotonic() - started:.1f} s after the connection came back")
    expect(pending).to_have_count(0)
    expect(phone.locator("#my-notes .note.unsent")).to_have_count(0)
    expect(phone.locator("#my-notes .note.sent .note-status").first).to_have_text("✓ Enviada")
    screenshot(phone, "phone-outbox-sent")

    rows = stored(server, created["id"])
    assert sorted(text for text, _ in rows) == texts
    assert len({client_id for _, client_id in rows}) == 34
    # Through the app's own export too: each note exactly once.
    export = server["instance"] / "outbox-export.json"
    workshop_command(
        "export", str(created["id"]), "--format", "json", "--output", str(export), env=server["env"]
    )
    exported = [note["text"] for note in json.loads(export.read_text())["notes"]]
    assert sorted(exported) == texts
    # Nothing is left in the phone's storage, and a reload shows them as sent.
    left = phone.evaluate(f"localStorage.getItem('workshop:{created['id']}:outbox')")
    assert json.loads(left) == []
    phone.reload()
    expect(phone.locator("#my-notes .note.sent")).to_have_count(34)
    context.close()


def test_notes_refused_by_a_locked_stage_stay_on_the_phone_with_the_reason(
    server, browser, created, screenshot
):
    console = console_for(browser, server, created)
    context, phone = join(browser, created)
    phone.on("dialog", lambda dialog: dialog.accept())
    context.set_offline(True)
    expect(phone.locator("#conn")).to_have_attribute("data-state", "offline")
    for text in ("Reenviar tal cual", "Corregir y reenviar", "Mejor descartar"):
        write(phone, text)
    expect(phone.locator("#my-notes .note.pending")).to_have_count(3)
    console.click("#lock")
    expect(console.locator("#lock")).to_have_attribute("aria-pressed", "true")

    context.set_offline(False)
    unsent = phone.locator("#my-notes .note.unsent")
    expect(unsent).to_have_count(3, timeout=15_000)
    for index in range(3):
        expect(unsent.nth(index).locator(".note-status")).to_have_text(f"No se envió: {LOCKED}")
    tool = unsent.first.locator(".note-tools button").first
    assert tool.bounding_box()["height"] >= 44
    screenshot(phone, "phone-outbox-not-sent")

    # Kept through a reload, and never resent by itself.
    phone.reload()
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    expect(unsent).to_have_count(3)
    expect(unsent.first.locator(".note-status")).to_contain_text(LOCKED)
    phone.wait_for_timeout(1500)
    assert stored(server, created["id"]) == []

    console.click("#lock")
    expect(console.locator("#lock")).to_have_attribute("aria-pressed", "false")
    expect(phone.locator("#note-text")).to_be_enabled()

    # Resend as it was.
    phone.locator("#my-notes .note.unsent", has_text="Reenviar tal cual").get_by_role(
        "button", name="Reenviar"
    ).tap()
    expect(phone.locator("#my-notes .note.sent", has_text="Reenviar tal cual")).to_have_count(1)
    # Edit, then resend the corrected text.
    fix = phone.locator("#my-notes .note.unsent", has_text="Corregir y reenviar")
    fix.get_by_role("button", name="Editar").tap()
    phone.locator("#my-notes .edit-box").fill("Corregida antes de reenviar")
    phone.locator("#my-notes").get_by_role("button", name="Reenviar").first.tap()
    expect(phone.locator("#my-notes .note.sent", has_text="Corregida antes de reenviar")).to_have_count(1)
    # Discard the last one.
    phone.locator("#my-notes .note.unsent", has_text="Mejor descartar").get_by_role(
        "button", name="Descartar"
    ).tap()
    expect(unsent).to_have_count(0)

    expect(console.locator("#notes .note")).to_have_count(2)
    assert sorted(text for text, _ in stored(server, created["id"])) == [
        "Corregida antes de reenviar",
        "Reenviar tal cual",
    ]
    phone.reload()
    expect(phone.locator("#my-notes .note.sent")).to_have_count(2)
    expect(unsent).to_have_count(0)
    left = phone.evaluate(f"localStorage.getItem('workshop:{created['id']}:outbox:unsent')")
    assert json.loads(left) == []
    context.close()


def test_text_with_nul_and_a_lone_surrogate_never_blocks_the_outbox(server, browser, created):
    context, phone = join(browser, created)
    # Typed (pasted) into the box: a NUL, an escape character and half of a UTF-16 pair.
    phone.evaluate("""() => {
        const box = document.getElementById('note-text');
        box.value = 'Antes\\u0000 medio\\u001b\\ud800 fin';
        box.dispatchEvent(new Event('input'));
    }""")
    phone.locator("#send").tap()
    write(phone, "La nota siguiente")
    expect(phone.locator("#my-notes .note.sent")).to_have_count(2, timeout=15_000)
    expect(phone.locator("#my-notes .note.pending, #my-notes .note.unsent")).to_have_count(0)
    assert sorted(text for text, _ in stored(server, created["id"])) == [
        "Antes medio\ufffd fin",
        "La nota siguiente",
    ]

    # A note kept by an older page, never cleaned, still goes out (the server cleans it).
    workshop_id = created["id"]
    phone.evaluate(
        """([key]) => localStorage.setItem(key, JSON.stringify([
        {client_id: 'old-page-note-0001', text: 'Vieja\\u0000 nota\\udfff', stage: 0, lane: null}]))""",
        [f"workshop:{workshop_id}:outbox"],
    )
    phone.reload()
    expect(phone.locator("#my-notes .note.sent")).to_have_count(3, timeout=15_000)
    assert ("Vieja nota\ufffd", "old-page-note-0001") in stored(server, workshop_id)
    context.close()


def test_dots_tapped_while_offline_are_counted_once(server, browser, created, screenshot):
    console = console_for(browser, server, created)
    context, phone = join(browser, created)
    write(phone, "Agenda compartida")
    write(phone, "Turnos por mensaje")
    expect(phone.locator("#my-notes .note.sent")).to_have_count(2)
    console.click("#next-stage")
    expect(phone.locator(".dots-left")).to_contain_text("3")

    agenda = phone.locator(".group-card", has_text="Agenda compartida")
    turnos = phone.locator(".group-card", has_text="Turnos por mensaje")
    context.set_offline(True)
    expect(phone.locator("#conn")).to_have_attribute("data-state", "offline")
    agenda.locator("button.primary.round").tap()
    agenda.locator("button.primary.round").tap()
    turnos.locator("button.primary.round").tap()
    agenda.get_by_role("button", name="Quitar un punto").tap()
    # Shown at once, marked as not sent yet.
    expect(phone.locator(".dots-left")).to_contain_text("1")
    expect(agenda.locator(".dot.on")).to_have_count(1)
    expect(phone.locator(".dot.pending")).to_have_count(2)
    expect(phone.locator(".tap-status")).to_contain_text("cuando vuelva la conexión")
    screenshot(phone, "phone-outbox-dots-offline")
    time.sleep(1)
    assert stored(server, created["id"], "dot") == []

    context.set_offline(False)
    expect(phone.locator(".dot.pending")).to_have_count(0, timeout=15_000)
    expect(phone.locator(".tap-status")).to_be_hidden()
    dots = stored(server, created["id"], "dot")
    assert len(dots) == 2, dots
    assert len({target for target, _ in dots}) == 2, "one dot on each item"
    phone.reload()
    expect(phone.locator(".dots-left")).to_contain_text("1")
    expect(agenda.locator(".dot.on")).to_have_count(1)
    expect(turnos.locator(".dot.on")).to_have_count(1)
    context.close()
