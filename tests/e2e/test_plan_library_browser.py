"""The plan library in Chromium: a facilitator at 1366×768 imports a plan file on the library
page (a broken one first: the error shows beside the field), creates a workshop from it
with a second prompt language, and a phone at 360×740 and the projector show both prompts,
following the stages live."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, PROJECTOR, log_in

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}
GN_EXAMPLE = Path(__file__).resolve().parents[1] / "plans" / "data" / "pd-gn-example.toml"


def test_import_a_plan_and_run_it_with_prompts_in_two_languages(server, browser, screenshot, tmp_path):
    console = browser.new_context(**LAPTOP).new_page()
    log_in(console, server["url"])
    console.click("text=Planes")
    expect(console.locator("h1")).to_have_text("Biblioteca de planes")

    # A broken file: nothing is stored, the loader's message shows beside the file field.
    broken = tmp_path / "roto.toml"
    broken.write_text(
        GN_EXAMPLE.read_text(encoding="utf-8").replace('kind = "write"', 'kind = "brainstorm"'),
        encoding="utf-8",
    )
    console.set_input_files("#file", str(broken))
    console.click("#import button[type=submit]")
    error = console.locator("#import-file-error")
    expect(error).to_contain_text("roto.toml, stage 2 ('works'), field 'kind'")
    expect(console.locator("#plan-roto")).to_have_count(0)
    screenshot(console, "library-import-error-1366")

    console.set_input_files("#file", str(GN_EXAMPLE))
    console.click("#import button[type=submit]")
    row = console.locator("#plan-pd-gn-example")
    expect(row).to_contain_text("Descubrimiento breve (ejemplo bilingüe)")
    expect(row).to_contain_text("Consignas también en")
    expect(console.locator(".flash")).to_contain_text("El plan «pd-gn-example» está en la biblioteca.")
    screenshot(console, "library-1366")

    # Create a workshop from the stored plan, with the prompts in Guaraní too.
    row.locator("text=Usar este plan").click()
    expect(console.locator("#plan")).to_have_value("pd-gn-example")
    console.fill("#title", "USF Itauguá")
    console.select_option("#second_language", "gn")
    console.click("button[type=submit].primary")
    expect(console.locator("#conn")).to_have_attribute("data-state", "online")
    expect(console.locator("#stage-prompt")).to_have_text("¿Cómo es una unidad de salud que funciona bien?")
    expect(console.locator("#stage-prompt-second")).to_have_text(
        "[gn de prueba] ¿Cómo es una unidad de salud que funciona bien?"
    )
    expect(console.locator("#second_language")).to_have_value("gn")
    join_url = console.locator("#join-url").get_attribute("href")
    screen_url = console.locator("#screen-link").get_attribute("href")
    screenshot(console, "library-console-two-languages-1366")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(join_url)
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    expect(phone.locator("#stage-prompt")).to_have_text("¿Cómo es una unidad de salud que funciona bien?")
    second = phone.locator("#stage-prompt-second")
    expect(second).to_be_visible()
    expect(second).to_have_attribute("lang", "gn")
    expect(second).to_have_text("[gn de prueba] ¿Cómo es una unidad de salud que funciona bien?")
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(screen_url)
    expect(projector.locator("#stage-prompt-second")).to_have_text(
        "[gn de prueba] ¿Cómo es una unidad de salud que funciona bien?"
    )

    # The room moves on: both prompts follow live; a stage without a Guaraní text shows one.
    console.click("#next-stage")
    expect(phone.locator("#stage-prompt")).to_have_text(
        "¿Qué hacen ustedes que funciona, con los mismos recursos?"
    )
    expect(second).to_have_text("[gn de prueba] ¿Qué hacen ustedes que funciona?")
    expect(projector.locator("#stage-prompt-second")).to_have_text(
        "[gn de prueba] ¿Qué hacen ustedes que funciona?"
    )
    screenshot(phone, "library-phone-two-languages-360")
    screenshot(projector, "library-projector-two-languages")
    console.click("#next-stage")
    expect(phone.locator("#stage-prompt")).to_have_text("Agrupemos las prácticas parecidas.")
    expect(second).to_be_hidden()

    # "Save as plan" from the console (folded with the management) keeps the plan as run.
    console.click("#manage summary")
    console.click("#save-as-plan")
    console.fill("#slug", "itaugua-bilingue")
    console.click("button[type=submit].primary")
    expect(console.locator("#plan-itaugua-bilingue")).to_contain_text(
        "Guardado desde el taller «USF Itauguá»"
    )
