"""The facilitation toolkit in Chromium: a facilitator and three phones go through
a private write stage and its reveal, clustering by keyboard, a dot vote with
hidden totals then closed, a 2×2 rating and the final ranking."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, FACILITATOR, PHONE, PROJECTOR, open_console, workshop_command

pytestmark = pytest.mark.e2e

PLAN = """
languages = ["es", "en"]
title = { es = "Prueba de priorización", en = "Prioritisation test" }
description = { es = "Escribir, agrupar, votar, calificar.", en = "Write, group, vote, rate." }

[[stages]]
id = "ideas"
kind = "write"
private = true
title = { es = "Ideas de reforma", en = "Reform ideas" }
prompt = { es = "¿Qué cambiarían?", en = "What would you change?" }

[[stages]]
id = "group"
kind = "cluster"
title = { es = "Agrupar", en = "Group" }
prompt = { es = "Agrupemos las ideas.", en = "Let us group the ideas." }

[[stages]]
id = "shortlist"
kind = "vote"
dots = 3
cap = 2
title = { es = "Preselección", en = "Shortlist" }
prompt = { es = "Voten con sus puntos.", en = "Vote with your dots." }

[[stages]]
id = "matrix"
kind = "rate"
title = { es = "Impacto y factibilidad", en = "Impact and feasibility" }
prompt = { es = "Califiquen cada idea.", en = "Rate each idea." }
"""

IDEAS = [
    ["Agenda compartida con agentes comunitarios", "Turnos por WhatsApp"],
    ["Agenda única para toda la unidad", "Recordatorio de turnos por mensaje"],
    ["Reunión semanal con la comunidad", "Stock de insumos visible para todos"],
]
GROUPS = {"Agenda compartida": [0, 2], "Turnos por mensaje": [1, 3], "Comunidad e insumos": [4, 5]}


@pytest.fixture
def toolkit_workshop(server, tmp_path):
    plan = tmp_path / "toolkit-test.toml"
    plan.write_text(PLAN)
    created = workshop_command(
        "new",
        "--plan",
        str(plan),
        "--title",
        "USF Capiatá",
        "--owner",
        FACILITATOR[0],
        "--json",
        env=server["env"],
    )
    return json.loads(created.stdout)


def test_write_reveal_cluster_vote_rate_rank(server, browser, screenshot, toolkit_workshop):
    created = toolkit_workshop
    console = browser.new_context(**DESKTOP).new_page()
    open_console(console, server["url"], created["facilitator_url"])
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(created["screen_url"])
    phones = []
    for _ in range(3):
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(created["join_url"])
        expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
        phones.append(phone)

    # Private writing: each phone sees only its own notes until the reveal.
    for phone, ideas in zip(phones, IDEAS, strict=True):
        for idea in ideas:
            phone.fill("#note-text", idea)
            phone.locator("#send").tap()
        expect(phone.locator("#my-notes .note.sent")).to_have_count(2)
    expect(phones[1].locator("#notes")).not_to_contain_text(IDEAS[0][0])
    expect(console.locator("#notes .note")).to_have_count(6)
    expect(projector.locator("#stage-hint")).to_contain_text("6")
    expect(projector.locator("#notes .note")).to_have_count(0)
    screenshot(phones[0], "toolkit-phone-private")
    console.click("#reveal")
    for phone in phones:  # their own two first, the room's four below
        expect(phone.locator("#my-notes .note.sent")).to_have_count(2)
        expect(phone.locator("#notes .note")).to_have_count(4)
    expect(projector.locator("#notes .note")).to_have_count(6)

    # Clustering from the keyboard only: Space selects a note, Enter names the group.
    console.click("#next-stage")
    expect(console.locator(".cluster-tools")).to_be_visible()
    all_ideas = [idea for pair in IDEAS for idea in pair]
    for title, members in GROUPS.items():
        for index in members:
            box = console.locator(".loose .note", has_text=all_ideas[index]).locator("input")
            box.focus()
            console.keyboard.press("Space")
            expect(box).to_be_checked()
        console.locator("#group-name").focus()
        console.keyboard.type(title)
        console.keyboard.press("Enter")
        expect(console.locator(".cluster-card h3", has_text=title)).to_be_visible()
    expect(console.locator(".loose .note")).to_have_count(0)
    expect(projector.locator(".region-groups .cluster-card")).to_have_count(3)
    screenshot(console, "toolkit-console-clusters")
    screenshot(phones[0], "toolkit-phone-clusters")

    # Dot voting with hidden totals.
    console.click("#next-stage")
    votes = [
        ["Agenda compartida", "Agenda compartida", "Turnos por mensaje"],
        ["Agenda compartida", "Comunidad e insumos", "Turnos por mensaje"],
        ["Agenda compartida", "Agenda compartida", "Comunidad e insumos"],
    ]
    for phone, choices in zip(phones, votes, strict=True):
        expect(phone.locator(".dots-left")).to_contain_text("3")
        for choice in choices:
            card = phone.locator(".group-card", has_text=choice)
            card.locator("button.primary.round").tap()
        expect(phone.locator(".dots-left")).to_contain_text("0")
        expect(phone.locator(".total")).to_have_count(0)
    # Cap: phone 0 cannot put a third dot on the same item.
    expect(
        phones[0].locator(".group-card", has_text="Agenda compartida").locator("button.primary.round")
    ).to_be_disabled()
    expect(console.locator(".vote-header")).to_contain_text("3")
    expect(console.locator(".vote-results .total")).to_have_count(0)
    expect(projector.locator(".vote-results")).to_have_count(0)
    screenshot(phones[0], "toolkit-phone-vote")
    console.click("#close-vote")
    expect(projector.locator(".vote-results li").first).to_contain_text("Agenda compartida")
    expect(projector.locator(".vote-results li").first).to_contain_text("5")
    expect(phones[2].locator(".total").first).to_contain_text("5")
    screenshot(projector, "toolkit-projector-vote")

    # 2×2 rating.
    console.click("#next-stage")
    ratings = {"Agenda compartida": (5, 4), "Turnos por mensaje": (3, 5), "Comunidad e insumos": (2, 2)}
    for offset, phone in enumerate(phones):
        for title, (x, y) in ratings.items():
            card = phone.locator(".group-card", has_text=title)
            rows = card.locator(".rate-row")
            rows.nth(0).locator("button.scale", has_text=str(min(5, x + offset % 2))).tap()
            rows.nth(1).locator("button.scale", has_text=str(y)).tap()
            expect(card.locator(".rated")).to_be_visible()
    expect(projector.locator("svg.matrix circle.mean")).to_have_count(3)
    expect(console.locator("svg.matrix circle.mean")).to_have_count(3)
    screenshot(phones[1], "toolkit-phone-rate")
    screenshot(projector, "toolkit-projector-matrix")

    # Ranking: dots first, then the 2×2.
    rows = console.locator("table.ranking tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(1)).to_contain_text("Agenda compartida")
    expect(rows.nth(1)).to_contain_text("5")
    rows.nth(1).locator("select").select_option("selected")
    expect(console.locator("table.ranking tr.selected")).to_have_count(1)
    screenshot(console, "toolkit-console-ranking")


def test_a_redraw_keeps_the_keyboard_on_the_note_being_picked(server, browser, toolkit_workshop):
    """A state that arrives while the facilitator picks notes by keyboard (here: a co-facilitator
    sets the question) redraws the board; the focused box must still take the next Space."""
    created = toolkit_workshop
    console = browser.new_context(**DESKTOP).new_page()
    open_console(console, server["url"], created["facilitator_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(created["join_url"])
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    for idea in IDEAS[0]:
        phone.fill("#note-text", idea)
        phone.locator("#send").tap()
    expect(phone.locator("#my-notes .note.sent")).to_have_count(2)
    console.click("#reveal")
    console.click("#next-stage")
    box = console.locator(".loose .note", has_text=IDEAS[0][1]).locator("input")
    box.focus()

    colleague = browser.new_context(**DESKTOP).new_page()
    open_console(colleague, server["url"], created["facilitator_url"])
    colleague.locator("#question-edit summary").click()
    colleague.fill("#question-text", "¿Cómo acortamos la espera?")
    colleague.locator("#question-form button[type=submit]").click()
    expect(console.locator("#question")).to_have_text("¿Cómo acortamos la espera?")  # redrawn

    expect(box).to_be_focused()
    console.keyboard.press("Space")
    expect(box).to_be_checked()
