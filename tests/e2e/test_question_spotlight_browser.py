"""The challenge question and the spotlight in Chromium: a facilitator at 1366×768 creates a
workshop with its question, rewrites it during the workshop and puts a group in the
spotlight; two phones at 360×740 and the projector show both, and the release."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, PROJECTOR, log_in

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}
QUESTION = "¿Cómo podríamos reducir la espera en la USF Capiatá sin más personal?"
EDITED = "¿Cómo podríamos acortar la espera de las embarazadas en la USF Capiatá?"
WORKS, GROUP = 2, 5  # pd-discovery
NOTES = ["Turnos por WhatsApp <b>ya</b>", "Agenda compartida con agentes comunitarios"]
TITLE = "Turnos sin fila <script>"


def test_question_and_spotlight_on_console_phones_and_projector(server, browser, screenshot):
    console = browser.new_context(**LAPTOP).new_page()
    log_in(console, server["url"])

    # A new workshop: the question box starts from the plan's suggestion and follows the plan.
    console.goto(server["url"] + "/w/new")
    console.select_option("#plan", "reform-codesign")
    expect(console.locator("#question")).to_have_value(
        "¿Cómo podríamos cambiar reglas, procesos o incentivos para que más unidades logren el "
        "compromiso y la confianza que ya vemos en algunas?"
    )
    console.select_option("#plan", "pd-discovery")
    expect(console.locator("#question")).to_have_value(
        "¿Cómo podríamos lograr que todas las unidades hagan, con los mismos recursos, lo que ya "
        "funciona en algunas?"
    )
    console.fill("#title", "USF Capiatá")
    console.fill("#question", QUESTION)
    screenshot(console, "question-new-workshop-1366")
    console.click("button[type=submit].primary")
    expect(console.locator("#question")).to_have_text(QUESTION)
    expect(console.locator("#conn")).to_have_attribute("data-state", "online")
    join_url = console.locator("#join-url").get_attribute("href")
    screen_url = console.locator("#screen-link").get_attribute("href")

    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(screen_url)
    phones = []
    for _ in range(2):
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(join_url)
        expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
        expect(phone.locator("#question")).to_have_text(QUESTION)
        phones.append(phone)
    expect(projector.locator("#question")).to_have_text(QUESTION)

    # The facilitator rewrites the question from the console: everyone sees it at once.
    console.click("#question-edit summary")
    console.fill("#question-text", EDITED)
    console.click("#question-form button[type=submit]")
    expect(console.locator("#question")).to_have_text(EDITED)
    for page in [*phones, projector]:
        expect(page.locator("#question")).to_have_text(EDITED)

    # Notes, then a group, then the group in the spotlight.
    console.click(f'.stage-button[data-stage="{WORKS}"]')
    for phone, text in zip(phones, NOTES, strict=True):
        expect(phone.locator("#compose")).to_be_visible()
        phone.fill("#note-text", text)
        phone.locator("#send").tap()
        expect(phone.locator("#my-notes .note.sent")).to_have_count(1)
    expect(console.locator("#notes .note")).to_have_count(2)
    # A single note can be put in the spotlight too (the write stage's wall).
    console.locator("#notes .note", has_text=NOTES[0]).locator(".spot-button").click()
    expect(projector.locator("#spotlight-text")).to_have_text(NOTES[0])
    expect(projector.locator("#notes .note.spotlit")).to_have_count(1)
    expect(phones[1].locator("#spotlight-text")).to_have_text(NOTES[0])
    expect(phones[1].locator("#notes .note.spotlit")).to_have_count(1)
    expect(phones[0].locator("#my-notes .note.spotlit")).to_have_count(1)  # its author's own list
    screenshot(phones[0], "spotlight-note-phone-360")
    screenshot(projector, "spotlight-note-projector")

    console.click(f'.stage-button[data-stage="{GROUP}"]')
    for phone in phones:  # moving on releases the spotlight
        expect(phone.locator("#spotlight")).to_be_hidden()
    for text in NOTES:
        console.locator(".loose .note", has_text=text).locator("input").check()
    console.fill("#group-name", TITLE)
    console.keyboard.press("Enter")
    card = console.locator(".cluster-card", has_text=TITLE)
    expect(card).to_be_visible()
    card.locator(".spot-button").click()

    expect(console.locator("#spotlight-bar")).to_be_visible()
    expect(console.locator("#spotlight-text")).to_have_text(TITLE)
    expect(console.locator(".cluster-card.spotlit")).to_have_count(1)
    expect(projector.locator("#spotlight-text")).to_have_text(TITLE)
    expect(projector.locator(".cluster-card.spotlit")).to_have_count(1)
    for phone in phones:
        expect(phone.locator("#spotlight")).to_be_visible()
        expect(phone.locator("#spotlight-text")).to_have_text(TITLE)
        expect(phone.locator(".group-card.spotlit")).to_have_count(1)
        expect(phone.locator("#question")).to_have_text(EDITED)
    screenshot(console, "spotlight-console-1366")
    screenshot(phones[0], "spotlight-phone-360")
    screenshot(projector, "spotlight-projector")
    # At the top of a phone's screen, without scrolling: the question and the spotlight.
    for selector in ("#question", "#spotlight"):
        box = phones[0].locator(selector).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 740, selector
    assert phones[0].evaluate("document.documentElement.scrollWidth") <= 360
    assert console.evaluate("document.documentElement.scrollWidth") <= 1366

    console.click("#spotlight-release")
    expect(console.locator("#spotlight-bar")).to_be_hidden()
    for page in [*phones, projector]:
        expect(page.locator("#spotlight")).to_be_hidden()
        expect(page.locator(".spotlit")).to_have_count(0)
