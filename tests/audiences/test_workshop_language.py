"""Every audience gets the workshop's language, even from a background refresh.

The coalesced refreshes (`broadcast._flush_later`) build states in a bare application
context: no request, so no browser language and no page language. Without care they
spoke English to a Spanish room ("5 dots; impact 4.3, feasibility 4.3 (quick win)").
These tests build every audience's state that way, at every stage of a Spanish workshop
holding notes, groups, dots, ratings, decisions and a commitment, and look for any
English message of the catalogue whose Spanish differs.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests import factories
from workshop.audiences.broadcast import presence
from workshop.audiences.state import notes_on_request, personal_view, stage_view, workshop_state
from workshop.commitments.services import add_commitment
from workshop.core.models import Participant, Workshop
from workshop.extensions import db
from workshop.reports.data import build_report
from workshop.reports.formats import CSV_COLUMNS, to_csv
from workshop.workshops.services import change_stage

CATALOGUE = Path(__file__).resolve().parents[2] / "workshop/translations/es/LC_MESSAGES/messages.po"
# Values that are stable machine words, not text for people (the JSON keeps them).
MACHINE_KEYS = {
    "kind", "type", "status", "key", "quadrant", "decision", "audience", "language", "code",
    "client_id", "lane", "target", "join_url", "id", "stage_id",
}  # fmt: skip
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdfr]|%%")


def english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """A pattern for each English message whose Spanish translation differs, its
    placeholders standing for any text; messages with almost no words of their own
    ("%(value)s (%(anchor)s)") would match anything and are left out."""
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source)
    pairs: list[tuple[str, str]] = []
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            pairs += [(message.id[0], message.string[0]), (message.id[1], message.string[-1])]
        else:
            pairs.append((message.id, message.string))
    patterns = []
    for english, spanish in pairs:
        literal = PLACEHOLDER.sub("", english)
        if english == spanish or len(re.sub(r"[^A-Za-z]", "", literal)) < 3:
            continue
        body = ".+?".join(re.escape(part) for part in PLACEHOLDER.split(english))
        patterns.append((english, re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])")))
    return patterns


def texts_of(value: Any, key: str = "") -> list[str]:
    """Every string a person may read in a state (machine words left out)."""
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in texts_of(v, str(k))]
    if isinstance(value, list):
        return [text for item in value for text in texts_of(item, key)]
    if isinstance(value, str) and key not in MACHINE_KEYS:
        return [value]
    return []


def english_in(texts: list[str], patterns) -> list[tuple[str, str]]:
    return [(english, text) for text in texts for english, pattern in patterns if pattern.search(text)]


@pytest.fixture
def spanish_room(app, facilitator):
    """reform-codesign in Spanish, played to its rating with decisions, plus a commitment."""
    run = factories.reform_workshop(facilitator, language="es")
    workshop = run.workshop
    commit_stage = next(i for i, s in enumerate(workshop.plan.stages) if s.kind == "commit")
    change_stage(workshop, facilitator, commit_stage)
    add_commitment(
        workshop,
        run.participants[1],
        factories.new_client_id(),
        commit_stage,
        {"type": "cluster", "id": run.clusters["A"]},
        "Publicar los turnos en la puerta",
        "Jefa de enfermería",
        (date.today() + timedelta(days=30)).isoformat(),
    )
    db.session.commit()
    return run


def background_states(app, workshop_id: int, participant_id: int) -> list[Any]:
    """What the coalesced refresh and the other broadcasts build, in a fresh application
    context like the one `_flush_later` opens: no request, no page language."""
    with app.app_context():
        try:
            workshop = db.session.get(Workshop, workshop_id)
            person = db.session.get(Participant, participant_id)
            current = workshop.current_stage
            built: list[Any] = [
                workshop_state(workshop, "facilitator"),
                workshop_state(workshop, "screen"),
                workshop_state(workshop, "participant"),
                workshop_state(workshop, "participant", person),
                personal_view(workshop, person, current),
                notes_on_request(workshop, "participant", person, current),
                presence(workshop),
            ]
            built += [stage_view(workshop, current, audience) for audience in ("facilitator", "screen")]
            return built
        finally:
            db.session.remove()


def test_every_audience_at_every_stage_speaks_spanish_from_a_background_refresh(
    app, facilitator, spanish_room
):
    patterns = english_patterns()
    assert len(patterns) > 300, "the catalogue's English messages were found"
    workshop, person = spanish_room.workshop, spanish_room.participants[1]
    kinds = set()
    for index, stage in enumerate(workshop.plan.stages):
        change_stage(workshop, facilitator, index)
        db.session.commit()
        kinds.add(stage.kind)
        states = background_states(app, workshop.id, person.id)
        texts = texts_of(states)
        assert english_in(texts, patterns) == [], f"English at stage {index} ({stage.kind})"
        if stage.kind == "rate":  # the ranking's reasons and quadrants are there, in Spanish
            reasons = [entry["reason"] for entry in states[0]["ranking"]]
            assert any("puntos" in reason and "impacto" in reason for reason in reasons), reasons
            assert any("(victoria rápida)" in reason for reason in reasons), reasons
            assert all(re.search(r"impacto \d,\d, factibilidad \d,\d", r) for r in reasons if "impacto" in r)
    assert kinds == {"discuss", "write", "cluster", "vote", "rate", "commit"}


def test_the_check_finds_english_when_a_state_is_built_without_the_workshop_language(app, spanish_room):
    """The check itself can fail: English text in a state is found."""
    patterns = english_patterns()
    english = {"ranking": [{"reason": "5 dots; impact 4.3, feasibility 4.3 (quick win)"}]}
    found = {message for message, _ in english_in(texts_of(english), patterns)}
    assert {"%(num)d dots", "quick win"} <= found


def test_a_spanish_workshops_csv_has_spanish_headers_and_words(app, spanish_room):
    with app.app_context():  # outside a request, as `workshop export` runs
        report = build_report(db.session.get(Workshop, spanish_room.workshop.id))
        text = to_csv(report)
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header[:4] == ["Id del taller", "Taller", "Id de la nota", "Número de etapa"]
    assert len(header) == len(CSV_COLUMNS)
    by_key = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows]
    assert {row["decision"] for row in by_key} >= {"Seleccionada", "Dejada de lado"}
    assert {row["hidden"] for row in by_key} == {"sí", "no"}
    assert english_in(header + [row["decision"] for row in by_key], english_patterns()) == []
    # The JSON export keeps the stable machine keys and values.
    assert json.loads(json.dumps(report))["ideas"][0]["decision"] == "selected"
