"""Commitments in Chromium: a phone (360×740) commits to the room's idea, the console
and the projector show it at once, and the facilitator records its status on the
follow-up page (1366×768), which works without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    PHONE,
    PROJECTOR,
    log_in,
    open_console,
    workshop_from_plan_text,
)

PLAN = """
title = { es = "Compromisos", en = "Commitments" }
description = { es = "Ideas, grupos y compromisos.", en = "Ideas, groups and commitments." }

[[stages]]
id = "ideas"
kind = "write"
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué cambiarían?", en = "What would you change?" }

[[stages]]
id = "group"
kind = "cluster"
title = { es = "Agrupar", en = "Group" }
prompt = { es = "Agrupemos.", en = "Let us group." }

[[stages]]
id = "commit"
kind = "commit"
title = { es = "Compromisos", en = "Commitments" }
prompt = { es = "¿Qué hacemos, quién lo lleva adelante y para cuándo?", en = "What do we do, who, by when?" }
"""
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}


@pytest.fixture
def created(server, tmp_path):
    return workshop_from_plan_text(server, tmp_path, PLAN, "USF Capiatá", "commitments")


def test_a_phone_commits_and_the_facilitator_follows_up(server, browser, screenshot, created):
    console = browser.new_context(**LAPTOP).new_page()
    open_console(console, server["url"], created["facilitator_url"])
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(created["screen_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(created["join_url"])
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    for text in ("Turnos fijos de enfermería", "Agenda de turnos por teléfono"):
        phone.fill("#note-text", text)
        phone.locator("#send").tap()
    expect(phone.locator("#my-notes .note.sent")).to_have_count(2)

    # The console groups the two notes: the group is the idea the room commits to.
    console.click("#next-stage")
    expect(console.locator(".loose .note")).to_have_count(2)
    for box in console.locator(".loose .note input[type=checkbox]").all():
        box.check()
    console.fill("#group-name", "Turnos")
    console.get_by_role("button", name="Agrupar las notas seleccionadas").click()
    expect(console.locator(".cluster-card h3", has_text="Turnos")).to_be_visible()
    console.click("#next-stage")

    card = phone.locator(".commit-card", has_text="Turnos")
    expect(card).to_be_visible()
    card.get_by_text("+ Comprometerse con esta idea").tap()
    screenshot(phone, "commitments-phone-form-360")
    card.get_by_label("Qué se va a hacer").fill("Publicar los turnos en la puerta de la USF")
    card.get_by_label("Quién lo lleva adelante").fill("Jefa de enfermería")
    card.get_by_label("Para cuándo").fill("2027-03-31")
    card.get_by_label("Indicador a seguir (opcional)").fill("Quejas por turnos al mes")
    card.get_by_role("button", name="Agregar compromiso").tap()
    mine = card.locator(".commitment")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Lo propusiste tú")
    screenshot(phone, "commitments-phone-360")

    for page in (console, projector):
        shown = page.locator(".commit-card .commitment")
        expect(shown).to_have_count(1)
        expect(shown).to_contain_text("Publicar los turnos en la puerta de la USF")
        expect(shown).to_contain_text("Jefa de enfermería")
        expect(shown).not_to_contain_text("Lo propusiste")
    screenshot(console, "commitments-console-1366")
    screenshot(projector, "commitments-projector")

    # After the workshop: the follow-up page, a dated status with a note, no JavaScript needed.
    follow_up = browser.new_context(**LAPTOP, java_script_enabled=False)
    page = follow_up.new_page()
    log_in(page, server["url"])
    page.goto(server["url"] + "/commitments")
    item = page.locator(".commitment-card", has_text="Publicar los turnos")
    item.get_by_label("Estado").select_option("started")
    item.get_by_label("Nota (opcional)").fill("Cartel impreso y colgado")
    item.get_by_role("button", name="Guardar estado").click()
    expect(page.locator(".flash")).to_contain_text("Estado guardado")
    item = page.locator(".commitment-card", has_text="Publicar los turnos")
    expect(item.locator(".status-badge").first).to_have_text("Iniciado")
    expect(item.locator(".history li")).to_have_count(2)
    expect(item.locator(".history")).to_contain_text("Cartel impreso y colgado")
    screenshot(page, "commitments-follow-up-1366")
