"""Counted strings reach the pages' scripts with their plural forms (no more "1 notas"):
each language's forms by the categories the browser's Intl.PluralRules uses."""

from __future__ import annotations

import json
import re

import pytest
from flask_babel import force_locale

from workshop.audiences.strings import plural_samples, strings_for_scripts

COUNTED = (
    "hidden_count",
    "chars_left",
    "too_long",
    "participants",
    "notes_count",
    "voters",
    "raters",
    "total_dots",
    "notes_in_group",
)


def _strings(app, language: str) -> dict:
    with app.test_request_context(), force_locale(language):
        return strings_for_scripts(language)


def test_plural_categories_of_each_language():
    assert plural_samples("es") == {"one": 1, "other": 2, "many": 1_000_000}
    assert plural_samples("en") == {"one": 1, "other": 2}


def test_spanish_counted_strings(app):
    strings = _strings(app, "es")
    # The same forms tests/js/strings.test.mjs reads with Intl.PluralRules("es").
    assert strings["notes_count"] == {"one": "{count} nota", "other": "{count} notas"}
    assert strings["voters"] == {"one": "{count} participante votó", "other": "{count} participantes votaron"}
    assert strings["chars_left"] == {"one": "Queda {count} carácter", "other": "Quedan {count} caracteres"}
    assert strings["participants"]["one"] == "{count} participante"
    for key in COUNTED:
        assert set(strings[key]) == {"one", "other"}, key  # "many" reads like "other"
        assert "{count}" in strings[key]["one"] and "{count}" in strings[key]["other"]
    assert strings["stage_of"] == "Etapa {index} de {count}"  # not a counted noun


def test_english_counted_strings(app):
    strings = _strings(app, "en")
    assert strings["notes_count"] == {"one": "{count} note", "other": "{count} notes"}
    assert strings["voters"] == {
        "one": "{count} participant has voted",
        "other": "{count} participants have voted",
    }
    for key in COUNTED:
        assert set(strings[key]) == {"one", "other"}, key


@pytest.mark.parametrize(("language", "one"), [("es", "1 participante"), ("en", "1 participant")])
def test_pages_first_render_one_participant_in_the_singular(
    client, workshop, make_participant, language, one
):
    make_participant(workshop)
    client.post(f"/lang/{language}")
    page = client.get(f"/s/{workshop.screen_token}").get_data(as_text=True)
    assert re.search(rf'id="participant-count">{one}<', page)
    block = re.search(r'<script type="application/json" id="live-strings">(.*?)</script>', page, re.S)
    assert json.loads(block.group(1))["participants"]["one"].startswith("{count} participant")
