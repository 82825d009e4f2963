"""The plan's mark for groups in Chromium (pd-discovery marks "practices any unit could do"):
the facilitator ticks it on a group's card at 1366×768, the tick survives a reload, and the
report lists the marked group under the mark's label."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    PHONE,
    PROJECTOR,
    open_console,
    workshop_command,
    workshop_from_plan_text,
)

MARK = "Cualquier unidad puede hacerlo con los mismos recursos"
PLAN = f"""
title = {{ es = "Prácticas", en = "Practices" }}
description = {{ es = "Escribir y agrupar prácticas.", en = "Write and group practices." }}

[[stages]]
id = "works"
kind = "write"
title = {{ es = "Lo que funciona", en = "What works" }}
prompt = {{ es = "¿Qué haces que funciona?", en = "What do you do that works?" }}

[[stages]]
id = "group"
kind = "cluster"
mark = {{ es = "{MARK}", en = "Any unit could do it with the same resources" }}
title = {{ es = "Agrupar prácticas", en = "Group the practices" }}
prompt = {{ es = "Agrupemos y marquemos.", en = "Let us group and mark." }}
"""
NOTES = [
    "Llamamos a las embarazadas un día antes del control",
    "Recordamos el control prenatal por WhatsApp",
    "El agente comunitario avisa de los controles en la visita",
    "Guardamos una hora de la tarde para urgencias",
]
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}


@pytest.fixture
def created(server, tmp_path):
    return workshop_from_plan_text(server, tmp_path, PLAN, "USF Capiatá", "practices")


def test_mark_a_practice_any_unit_could_do_and_find_it_in_the_report(server, browser, screenshot, created):
    console = browser.new_context(**LAPTOP).new_page()
    open_console(console, server["url"], created["facilitator_url"])
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(created["screen_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(created["join_url"])
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    for text in NOTES:
        phone.fill("#note-text", text)
        phone.locator("#send").tap()
    expect(phone.locator("#my-notes .note.sent")).to_have_count(len(NOTES))

    console.click("#next-stage")
    console.get_by_role("button", name="Sugerir grupos").click()
    suggestion = console.locator(".suggestions .suggestion").first
    suggestion.locator("input").fill("Recordar los controles")
    suggestion.get_by_role("button", name="Aceptar").click()
    card = console.locator(".cluster-card", has_text="Recordar los controles")
    mark = card.get_by_label(MARK)
    expect(mark).not_to_be_checked()
    mark.check()
    screenshot(console, "group-mark-console-1366")
    # The room sees the mark on the group: projector and phone.
    expect(projector.locator(".cluster-card", has_text="Recordar los controles")).to_contain_text(MARK)
    expect(phone.locator(".group-card", has_text="Recordar los controles")).to_contain_text(MARK)
    screenshot(projector, "group-mark-projector-1920")
    console.reload()
    expect(
        console.locator(".cluster-card", has_text="Recordar los controles").get_by_label(MARK)
    ).to_be_checked()

    done = workshop_command("export", created["code"], "--format", "md", "--output", "-", env=server["env"])
    report = done.stdout
    assert f"## {MARK}" in report
    marked = report.split(f"## {MARK}", 1)[1].split("##", 1)[0]
    assert "Recordar los controles" in marked
