"""Suggested groups in Chromium: the facilitator asks for them at a clustering stage,
accepts one renamed, ignores another; the room sees only the group accepted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    PHONE,
    PROJECTOR,
    open_console,
    workshop_from_plan_text,
)

PLAN = """
title = { es = "Sugerencias", en = "Suggestions" }
description = { es = "Escribir y agrupar.", en = "Write and group." }

[[stages]]
id = "ideas"
kind = "write"
title = { es = "Problemas", en = "Problems" }
prompt = { es = "¿Qué problema ven?", en = "What problem do you see?" }

[[stages]]
id = "group"
kind = "cluster"
title = { es = "Agrupar", en = "Group" }
prompt = { es = "Agrupemos.", en = "Let us group." }
"""

NOTES = [
    ["Faltan turnos para vacunación los lunes", "Las visitas domiciliarias no tienen movilidad"],
    [
        "La vacunación de los niños se atrasa por falta de turnos",
        "Para las visitas domiciliarias no hay vehículo",
    ],
    ["Hay pocos turnos de vacunación en la tarde", "Sin movilidad no hacemos visitas domiciliarias"],
]
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}


@pytest.fixture
def created(server, tmp_path):
    return workshop_from_plan_text(server, tmp_path, PLAN, "USF Itauguá", "suggestions")


def test_accept_a_suggested_group_and_ignore_another(server, browser, screenshot, created):
    console = browser.new_context(**LAPTOP).new_page()
    open_console(console, server["url"], created["facilitator_url"])
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(created["screen_url"])
    for notes in NOTES:
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(created["join_url"])
        expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
        for text in notes:
            phone.fill("#note-text", text)
            phone.locator("#send").tap()
        expect(phone.locator("#my-notes .note.sent")).to_have_count(len(notes))
    expect(console.locator("#notes .note")).to_have_count(6)

    console.click("#next-stage")
    console.get_by_role("button", name="Sugerir grupos").click()
    suggestions = console.locator(".suggestions .suggestion")
    expect(suggestions).to_have_count(2)
    screenshot(console, "suggested-groups-console-1366")
    vaccination = suggestions.filter(has_text="vacunación")
    expect(vaccination.locator("li")).to_have_count(3)
    vaccination.locator("input").fill("Turnos de vacunación")
    vaccination.get_by_role("button", name="Aceptar").click()
    expect(console.locator(".cluster-card h3", has_text="Turnos de vacunación")).to_be_visible()
    expect(console.locator(".loose .note")).to_have_count(3)
    expect(suggestions).to_have_count(1)  # the accepted one is gone, the other stays
    suggestions.get_by_role("button", name="Ignorar").click()
    expect(console.locator(".suggestions .suggestion")).to_have_count(0)
    expect(projector.locator(".region-groups .cluster-card")).to_have_count(1)
    expect(projector.locator(".region-groups")).to_contain_text("Turnos de vacunación")
    screenshot(console, "suggested-groups-console-accepted")
