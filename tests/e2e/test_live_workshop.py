"""A whole live workshop in Chromium: facilitator, projector and two phones.

Screenshots of every page at phone and desktop size land in artifacts/screenshots/.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, FACILITATOR, PHONE, PROJECTOR

pytestmark = pytest.mark.e2e

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> & "quotes"'


def login_and_create(page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#email", FACILITATOR[0])
    page.fill("#password", FACILITATOR[1])
    page.click("button[type=submit].primary")
    page.goto(base_url + "/w/new")
    page.select_option("#plan", "pd-discovery")
    page.fill("#title", "USF Villa Elisa")
    page.fill("#place", "Villa Elisa")
    page.click("button[type=submit].primary")
    expect(page.locator("h1.console-title")).to_have_text("USF Villa Elisa")


def send_note(phone, text: str, lane: str | None = None) -> None:
    if lane:
        phone.locator(f"#lane-options label:has(input[value={lane}])").tap()
    phone.fill("#note-text", text)
    phone.locator("#send").tap()


def notes_text(page) -> list[str]:
    return page.locator("#notes .note-text").all_text_contents()


def test_live_workshop_end_to_end(server, browser, screenshot):
    base = server["url"]
    console_context = browser.new_context(**DESKTOP)
    console = console_context.new_page()
    login_and_create(console, base)
    join_url = console.locator("#join-url").get_attribute("href")
    screen_url = console.locator("#screen-link").get_attribute("href")
    assert join_url.startswith(base + "/j/")
    expect(console.locator("#conn")).to_have_attribute("data-state", "online")
    console.click("#next-stage")  # from the opening discussion to the first write stage
    expect(console.locator("#stage-title")).to_have_text("Señales del problema")

    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(screen_url)
    expect(projector.locator("#conn")).to_have_attribute("data-state", "online")
    assert projector.locator("img.qr").evaluate("img => img.naturalWidth") > 0

    phones = [browser.new_context(**PHONE) for _ in range(2)]
    one, two = (context.new_page() for context in phones)
    for phone in (one, two):
        phone.goto(join_url)
        expect(phone.locator("#stage-prompt")).to_contain_text("¿Cómo sabes")
        expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    expect(console.locator("#participant-count")).to_contain_text("2")

    # A note sent on one phone shows everywhere.
    started = time.monotonic()
    send_note(one, "Las embarazadas no vuelven al control")
    for page in (two, console, projector):
        expect(page.locator("#notes")).to_contain_text("Las embarazadas no vuelven al control", timeout=5000)
    print(f"note visible on phone, console and projector after {(time.monotonic() - started) * 1000:.0f} ms")
    # The sender sees it first, right under the box, marked sent.
    expect(one.locator("#my-notes .note.sent")).to_have_count(1)
    expect(one.locator("#my-notes .note.sent .note-status")).to_contain_text("Enviada")
    expect(one.locator("#my-notes .note.pending")).to_have_count(0)

    # User text is shown as text and runs nothing.
    send_note(two, XSS)
    for page in (one, console, projector):
        expect(page.locator("#notes")).to_contain_text("<script>window.__pwned=2</script>")
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#notes img").count() == 0

    screenshot(one, "phone-write")
    screenshot(console, "console-write")
    screenshot(projector, "projector-write")

    # The facilitator changes stage; every phone follows, lanes appear.
    console.click("#next-stage")
    for phone in (one, two):
        expect(phone.locator("#stage-title")).to_have_text("Lo que ya funciona")
        expect(phone.locator("#lane-options label")).to_have_count(4)
        expect(phone.locator("#notes .note")).to_have_count(0)
    expect(projector.locator("#stage-title")).to_have_text("Lo que ya funciona")
    send_note(two, "Agenda compartida con los agentes comunitarios", lane="social")
    expect(console.locator("#notes .note-lane")).to_have_text(["Social"])
    screenshot(two, "phone-lanes")

    # A reload shows the same state, from the database.
    for page in (one, two, console, projector):
        page.reload()
        expect(page.locator("#stage-title")).to_have_text("Lo que ya funciona")
        # Its author sees it among their own notes, everyone else in the room's.
        where = "#my-notes" if page is two else "#notes"
        expect(page.locator(where)).to_contain_text("Agenda compartida")

    # Offline: the note waits on the phone, then arrives exactly once.
    phones[0].set_offline(True)
    expect(one.locator("#conn")).to_have_attribute("data-state", "offline")
    send_note(one, "Escrita sin señal en el puesto de salud")
    expect(one.locator("#my-notes .note.pending")).to_have_count(1)
    screenshot(one, "phone-offline")
    time.sleep(1)
    assert "Escrita sin señal" not in " ".join(notes_text(console))
    phones[0].set_offline(False)
    expect(console.locator("#notes")).to_contain_text("Escrita sin señal", timeout=15000)
    expect(one.locator("#my-notes .note.pending")).to_have_count(0)
    time.sleep(1)
    console.reload()
    assert notes_text(console).count("Escrita sin señal en el puesto de salud") == 1
    assert notes_text(two).count("Escrita sin señal en el puesto de salud") == 1

    screenshot(one, "phone-after-reconnect")
    screenshot(console, "console-lanes")
    screenshot(projector, "projector-lanes")
    for context in (*phones, console_context):
        context.close()


def test_unsent_note_survives_a_reload_while_offline(server, browser):
    """Nothing typed is lost: an offline phone that reloads still has its note queued."""
    console = browser.new_context(**DESKTOP).new_page()
    login_and_create(console, server["url"])
    console.click("#next-stage")
    join_url = console.locator("#join-url").get_attribute("href")
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(join_url)
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    # The stage change may still be on its way: go offline only once the phone has it.
    expect(phone.locator("#note-text")).to_be_visible()
    context.set_offline(True)
    send_note(phone, "Guardada en el teléfono")
    expect(phone.locator("#my-notes .note.pending")).to_have_count(1)
    context.set_offline(False)
    # Reload before the connection is back: the outbox is in localStorage.
    phone.evaluate("() => 0")
    phone.reload()
    expect(console.locator("#notes")).to_contain_text("Guardada en el teléfono", timeout=15000)
    console.reload()
    assert notes_text(console).count("Guardada en el teléfono") == 1


def test_home_page_and_wrong_code_at_phone_size(server, browser, screenshot):
    page = browser.new_context(**PHONE).new_page()
    page.goto(server["url"] + "/")
    screenshot(page, "phone-home")
    page.fill("#code", "AAA-AAA")
    page.locator("button[type=submit].primary").tap()
    expect(page.locator("#join-error")).to_be_visible()
    screenshot(page, "phone-wrong-code")
    desktop = browser.new_context(**DESKTOP).new_page()
    desktop.goto(server["url"] + "/login")
    screenshot(desktop, "desktop-login")


def test_oversized_socketio_message_is_refused(server):
    """A 100 KB message cuts the sender's connection before any handler runs."""
    import json
    import threading

    import requests
    import socketio

    from tests.e2e.conftest import workshop_command

    created = json.loads(
        workshop_command(
            "new",
            "--plan",
            "pd-discovery",
            "--title",
            "Grande",
            "--owner",
            FACILITATOR[0],
            "--json",
            env=server["env"],
        ).stdout
    )
    http = requests.Session()
    http.get(created["join_url"], timeout=10)
    disconnected = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("disconnect", lambda *args: disconnected.set(), namespace="/live")
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    client.connect(
        server["url"],
        namespaces=["/live"],
        transports=["polling"],
        headers={"Cookie": cookie},
        auth={"workshop": created["id"], "audience": "participant"},
        wait_timeout=10,
    )
    small = client.call("sync", {}, namespace="/live", timeout=10)
    assert small["ok"] is True
    client.emit(
        "add_note", {"client_id": "big-note-0001", "text": "x" * 100_000, "stage": 0}, namespace="/live"
    )
    assert disconnected.wait(30), "an oversized message should close the connection"
    client.disconnect()
    http.close()
