"""Prompts in a second language: a plan carries texts in an extra language (the test
fixture's placeholder "gn"), a workshop shows them under its own on every screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories
from workshop.audiences.state import workshop_state
from workshop.errors import InvalidInput, NotAllowed
from workshop.extensions import db
from workshop.plans import load_plan_file
from workshop.workshops.services import close_workshop, second_language_choices, set_second_language

GN_EXAMPLE = Path(__file__).resolve().parents[1] / "plans" / "data" / "pd-gn-example.toml"


@pytest.fixture
def gn_plan():
    return load_plan_file(GN_EXAMPLE)


def test_the_plan_declares_its_extra_language(gn_plan):
    assert gn_plan.languages == ("es", "en")  # the interface stays es/en
    assert gn_plan.prompt_languages == ("gn",)
    works = gn_plan.stages[1]
    assert works.prompt["gn"].startswith("[gn de prueba]")
    assert works.lane_label("trust", "gn") == "[gn de prueba] Confianza"
    # A text may lack the extra language: it then shows only the workshop's own.
    assert "gn" not in gn_plan.stages[2].prompt
    assert gn_plan.text("description", "gn") == gn_plan.description["es"]  # falls back, never empty
    assert second_language_choices(gn_plan, "es") == ["en", "gn"]


def test_phone_state_and_page_show_both_prompts(app, facilitator, gn_plan):
    workshop = factories.workshop_from_plan(
        facilitator, gn_plan, "USF Itauguá", stage=1, second_language="gn"
    )
    phone = factories.participant(workshop)
    db.session.commit()
    state = workshop_state(workshop, "participant", phone)
    assert state["workshop"]["second_language"] == "gn"
    assert state["stage"]["prompt"] == "¿Qué hacen ustedes que funciona, con los mismos recursos?"
    assert state["stage"]["second"] == {
        "language": "gn",
        "title": "[gn de prueba] Lo que funciona",
        "prompt": "[gn de prueba] ¿Qué hacen ustedes que funciona?",
    }
    client = app.test_client()
    with client.session_transaction() as session:
        session["joined"] = {str(workshop.id): phone.token}
    page = client.get(f"/p/{workshop.code}").get_data(as_text=True)
    assert (
        '<h1 id="stage-prompt" class="prompt">¿Qué hacen ustedes que funciona, con los mismos recursos?</h1>'
        in page
    )
    second = '<p id="stage-prompt-second" class="prompt-second" lang="gn">'
    assert second + "[gn de prueba] ¿Qué hacen ustedes que funciona?</p>" in page
    # Projector and console show it too.
    screen = client.get(f"/s/{workshop.screen_token}").get_data(as_text=True)
    assert 'lang="gn">[gn de prueba] ¿Qué hacen ustedes que funciona?</p>' in screen
    console = factories.logged_in(app.test_client()).get(f"/w/{workshop.id}").get_data(as_text=True)
    assert 'lang="gn">[gn de prueba] ¿Qué hacen ustedes que funciona?</p>' in console


def test_a_stage_without_the_second_text_shows_only_its_own(app, facilitator, gn_plan):
    workshop = factories.workshop_from_plan(facilitator, gn_plan, stage=2, second_language="gn")
    state = workshop_state(workshop, "screen")
    assert state["stage"]["second"] is None
    workshop_without = factories.workshop_from_plan(facilitator, gn_plan, "Sin segundo idioma", stage=1)
    assert workshop_state(workshop_without, "screen")["stage"]["second"] is None


def test_setting_the_second_language(app, facilitator, gn_plan):
    workshop = factories.workshop_from_plan(facilitator, gn_plan, stage=1)
    revision = workshop.revision
    set_second_language(workshop, facilitator, "gn")
    db.session.commit()
    assert workshop.second_language == "gn" and workshop.revision > revision
    set_second_language(workshop, facilitator, "en")  # the other interface language is a choice too
    assert workshop_state(workshop, "screen")["stage"]["second"]["prompt"].startswith("What do you do")
    set_second_language(workshop, facilitator, "")
    assert workshop.second_language is None
    phone = factories.participant(workshop)
    factories.refused(NotAllowed, "facilitator", set_second_language, workshop, phone, "gn")
    factories.refused(
        InvalidInput, "no prompts in language gu", set_second_language, workshop, facilitator, "gu"
    )
    factories.refused(
        InvalidInput, "no prompts in language es", set_second_language, workshop, facilitator, "es"
    )
    other = factories.workshop_from_plan(facilitator, "pd-discovery", "Sin guaraní")
    factories.refused(
        InvalidInput, "no prompts in language gn", set_second_language, other, facilitator, "gn"
    )
    close_workshop(workshop, facilitator)
    factories.refused(NotAllowed, "closed", set_second_language, workshop, facilitator, "gn")


def test_console_form_sets_the_second_language(app, facilitator, gn_plan):
    workshop = factories.workshop_from_plan(facilitator, gn_plan, stage=1)
    client = factories.logged_in(app.test_client())
    console = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert '<option value="gn">' in console
    response = client.post(f"/w/{workshop.id}/second-language", data={"second_language": "gn"})
    assert response.status_code == 302
    db.session.expire_all()
    assert workshop.second_language == "gn"
    client.post(f"/w/{workshop.id}/second-language", data={"second_language": "xx"})
    db.session.expire_all()
    assert workshop.second_language == "gn"
