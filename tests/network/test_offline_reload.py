"""A phone that reloads the page while it cannot reach the server still gets the page and
the notes waiting to be sent (the service worker's copy), and they go out once the server
is back. In Chromium at 360×740; screenshots land in artifacts/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.servers import new_workshop, running_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

PLAN = """
languages = ["es", "en"]
title = { es = "Sin señal", en = "No signal" }
description = { es = "Escribir.", en = "Write." }

[[stages]]
id = "ideas"
kind = "write"
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué funciona en tu unidad?", en = "What works in your unit?" }
"""


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def test_reloading_offline_shows_the_page_and_its_pending_notes(browser, tmp_path):
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with running_server("sqlite", tmp_path / "instance") as server:
        plan = tmp_path / "offline-test.toml"
        plan.write_text(PLAN)
        created = new_workshop(server, plan=str(plan))
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="es-PY"
        )
        phone = context.new_page()
        phone.goto(created["join_url"])
        expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
        # The worker is registered once the page is settled, and keeps the page.
        phone.wait_for_function(
            "async () => !!navigator.serviceWorker.controller && !!(await caches.match(location.href))",
            timeout=20_000,
            polling=250,
        )

        server.stop()  # the phone cannot reach it: nothing but the worker's copy can answer
        expect(phone.locator("#conn")).to_have_attribute("data-state", "offline")
        phone.fill("#note-text", "Escrita sin señal, antes de recargar")
        phone.locator("#send").tap()
        expect(phone.locator("#my-notes .note.pending")).to_have_count(1)

        reload_offline(phone)
        expect(phone.locator("#note-text")).to_be_visible()
        pending = phone.locator("#my-notes .note.pending")
        expect(pending).to_have_count(1)
        expect(pending.locator(".note-text")).to_have_text("Escrita sin señal, antes de recargar")
        phone.screenshot(path=str(SCREENSHOTS / "phone-offline-reload.png"), full_page=True)

        server.start()
        expect(phone.locator("#conn")).to_have_attribute("data-state", "online", timeout=20_000)
        expect(phone.locator("#my-notes .note.sent")).to_have_count(1, timeout=20_000)
        expect(pending).to_have_count(0)
        context.close()


def reload_offline(phone) -> None:
    """Reload with the server gone. In one full CI run of several the first reload failed
    with net::ERR_FAILED (the worker's copy was in its cache; the cause is not found, and it
    never happened alone or under CPU load). A person would reload again: so does this,
    once, and writes it to artifacts/offline-reload-retries.txt so the case stays visible."""
    from playwright.sync_api import Error

    try:
        phone.reload()
    except Error as error:
        if "ERR_FAILED" not in str(error):
            raise
        (ROOT / "artifacts").mkdir(exist_ok=True)
        with (ROOT / "artifacts" / "offline-reload-retries.txt").open("a") as log:
            log.write(f"first offline reload failed: {error.message.splitlines()[0]}\n")
        phone.reload()
