"""Profile questions on a phone in Chromium (360×740): answered in a few taps, once; a
second phone skips them; neither sees them again after a reload."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.conftest import FACILITATOR, PHONE, workshop_command


def test_a_phone_answers_once_and_another_skips(server, browser, screenshot):
    created = json.loads(
        workshop_command(
            "new",
            "--plan",
            "reform-codesign",
            "--title",
            "USF Areguá",
            "--owner",
            FACILITATOR[0],
            "--json",
            env=server["env"],
        ).stdout
    )
    nurse = browser.new_context(**PHONE).new_page()
    nurse.goto(created["join_url"])
    profile = nurse.locator("#profile")
    expect(profile).to_contain_text("Antes de empezar (opcional)")
    screenshot(nurse, "profile-phone-questions")
    nurse.get_by_label("Enfermería").check()
    nurse.get_by_label("De 3 a 10").check()
    box = nurse.get_by_label("Enfermería").bounding_box()
    assert box is not None and box["height"] >= 20  # the whole row (44 px) is the target
    nurse.get_by_role("button", name="Guardar").tap()
    expect(nurse.locator("#profile")).to_have_count(0)
    expect(nurse.locator("#conn")).to_have_attribute("data-state", "online")
    nurse.reload()
    expect(nurse.locator("#profile")).to_have_count(0)
    screenshot(nurse, "profile-phone-answered")

    shy = browser.new_context(**PHONE).new_page()
    shy.goto(created["join_url"])
    shy.get_by_role("button", name="Prefiero no responder").tap()
    expect(shy.locator("#profile")).to_have_count(0)
    shy.reload()
    expect(shy.locator("#profile")).to_have_count(0)
    assert shy.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
