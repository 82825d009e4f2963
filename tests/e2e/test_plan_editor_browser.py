"""The plan editor in Chromium: a facilitator at 1366×768 creates a workshop with its
question, opens the editor during the workshop, rewrites a prompt and the dots, reorders
two stages with the keyboard, saves; a phone at 360×740 shows the new prompt at once and
the console's stage list follows; then a group goes into the spotlight."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, log_in

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}
QUESTION = "¿Cómo podríamos acortar la espera en la USF Itauguá?"
NEW_PROMPT = "¿Qué señales de espera larga ven en la USF Itauguá? Una por nota."
SIGNS, WORKS, GROUP = 1, 2, 5  # pd-discovery; barriers (3) and deviants (4) swap places
NOTES = ["Agenda por WhatsApp", "Turnos escalonados por la tarde"]


def test_edit_the_plan_during_a_workshop(server, browser, screenshot):
    laptop = browser.new_context(**LAPTOP)
    console = laptop.new_page()
    log_in(console, server["url"])
    console.goto(server["url"] + "/w/new")
    console.select_option("#plan", "pd-discovery")
    console.fill("#title", "USF Itauguá")
    console.fill("#question", QUESTION)
    console.click("button[type=submit].primary")
    expect(console.locator("#conn")).to_have_attribute("data-state", "online")
    console.click(f'.stage-button[data-stage="{SIGNS}"]')
    expect(console.locator("#stage-title")).to_have_text("Señales del problema")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(console.locator("#join-url").get_attribute("href"))
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    expect(phone.locator("#question")).to_have_text(QUESTION)

    # The editor, beside the console (same login): prompt, dots, and a reorder by keyboard.
    editor = laptop.new_page()
    editor.goto(server["url"] + console.locator("#edit-plan").get_attribute("href"))
    expect(editor.locator("h1")).to_have_text("Editar el plan")
    expect(editor.locator("#stage-r1 legend")).to_contain_text("la sala está aquí")
    expect(editor.locator('#stage-r1 button[value="remove:r1"]')).to_have_count(0)  # the room is on it
    editor.fill("#r1-prompt-es", NEW_PROMPT)
    editor.fill("#r6-dots", "5")
    editor.fill("#r6-cap", "3")
    editor.focus("#stage-r4 .move-up")
    editor.keyboard.press("Enter")  # deviants above barriers, without a reload
    expect(editor.locator("#unsaved")).to_be_visible()
    assert editor.evaluate("document.activeElement.closest('.plan-stage').id") == "stage-r4"
    rows = editor.locator("input[name=row]")
    assert [rows.nth(i).get_attribute("value") for i in range(rows.count())][3:5] == ["r4", "r3"]
    expect(editor.locator("#stage-r4 .stage-number")).to_have_text("4")
    screenshot(editor, "plan-editor-1366")
    assert editor.evaluate("document.documentElement.scrollWidth") <= 1366
    editor.locator('button[value="save"]').first.click()
    expect(editor.locator(".flash").first).to_contain_text("Plan guardado")

    # At once, without a reload: the phone's prompt, the console's prompt and stage list.
    expect(phone.locator("#stage-prompt")).to_have_text(NEW_PROMPT)
    expect(console.locator("#stage-prompt")).to_have_text(NEW_PROMPT)
    expect(console.locator('.stage-button[data-stage="3"]')).to_contain_text("Quién lo logra")
    expect(console.locator('.stage-button[data-stage="4"]')).to_contain_text("Lo que lo impide")
    screenshot(phone, "plan-edited-phone-360")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # A mistake is refused beside its field, in Spanish, and changes nothing.
    editor.fill("#r6-cap", "9")
    editor.locator('button[value="save"]').first.click()
    error = editor.locator("#stage-r6 .error")
    expect(error).to_contain_text("no puede superar el presupuesto de puntos (5)")
    expect(editor.locator("#r6-cap")).to_have_attribute("aria-invalid", "true")
    screenshot(editor, "plan-editor-error-1366")

    # The history lists the change.
    editor.goto(console.url + "/plan/history")
    expect(editor.locator(".plan-history")).to_contain_text("movida de la posición 5 a la 4")
    expect(editor.locator(".plan-history")).to_contain_text("puntos: «3» → «5»")

    # The workshop goes on: notes, a group, the group in the spotlight.
    console.click(f'.stage-button[data-stage="{WORKS}"]')
    for text in NOTES:
        expect(phone.locator("#compose")).to_be_visible()
        phone.fill("#note-text", text)
        phone.locator("#send").tap()
    expect(phone.locator("#my-notes .note.sent")).to_have_count(2)
    console.click(f'.stage-button[data-stage="{GROUP}"]')
    for text in NOTES:
        console.locator(".loose .note", has_text=text).locator("input").check()
    console.fill("#group-name", "Turnos")
    console.keyboard.press("Enter")
    card = console.locator(".cluster-card", has_text="Turnos")
    expect(card).to_be_visible()
    card.locator(".spot-button").click()
    expect(phone.locator("#spotlight-text")).to_have_text("Turnos")
    screenshot(console, "plan-edited-console-1366")
    screenshot(phone, "plan-edited-spotlight-phone-360")
