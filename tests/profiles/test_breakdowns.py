"""Profiles at join and breakdowns by profile, on SQLite and PostgreSQL: no group under the
workshop's floor reaches the console page, the report data, JSON, Markdown or the PDF's HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import validate

from workshop.board import services as board
from workshop.clustering import services as clustering
from workshop.errors import InvalidInput, NotAllowed
from workshop.extensions import db
from workshop.plans import load_plan
from workshop.profiles import services as profiles
from workshop.profiles.breakdown import breakdowns
from workshop.profiles.models import ProfileAnswer
from workshop.reports.data import build_report
from workshop.reports.formats import to_json, to_markdown
from workshop.voting import services as voting
from workshop.workshops.services import change_stage

IDEAS, GROUP, VOTE, RATE = 1, 2, 3, 4  # reform-codesign
ROLES = ["nursing"] * 4 + ["medicine"] * 3 + ["administration"] + [None]  # + one who never answers


@pytest.fixture
def voted(make_workshop, make_participant, facilitator, plans_dir):
    workshop = make_workshop(plan=load_plan("reform-codesign", plans_dir), stage=IDEAS)
    people = [make_participant(workshop) for _ in range(len(ROLES) + 1)]
    for person, role in zip(people, ROLES, strict=False):
        profiles.answer_profile(workshop, person, {"role": role} if role else {})
    notes = [board.add_note(workshop, people[0], f"Idea {n}", f"breakdown-{n}", IDEAS)[0] for n in range(4)]
    change_stage(workshop, facilitator, GROUP)
    agenda = clustering.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Agenda compartida")
    stock = clustering.group_notes(workshop, facilitator, [notes[2].id, notes[3].id], "Stock visible")
    change_stage(workshop, facilitator, VOTE)
    for number, person in enumerate(people):
        target = agenda if number < 4 else stock  # the nurses want the agenda
        voting.cast_dot(workshop, person, target.id, f"breakdown-dot-{number:03d}")
    voting.set_vote_closed(workshop, facilitator, True)
    db.session.commit()
    return workshop


def test_answers_are_validated_and_a_skip_is_remembered(
    make_workshop, make_participant, plans_dir, facilitator
):
    workshop = make_workshop(plan=load_plan("reform-codesign", plans_dir), stage=IDEAS)
    person = make_participant(workshop)
    assert not profiles.has_answered(workshop, person.id)
    with pytest.raises(InvalidInput):
        profiles.answer_profile(workshop, person, {"role": "surgeon"})
    with pytest.raises(InvalidInput):
        profiles.answer_profile(workshop, person, {"salary": "high"})
    with pytest.raises(NotAllowed):
        profiles.answer_profile(workshop, facilitator, {"role": "nursing"})
    profiles.answer_profile(workshop, person, {})  # "prefer not to answer"
    db.session.commit()
    assert profiles.has_answered(workshop, person.id)
    assert {a.choice for a in db.session.query(ProfileAnswer).filter_by(participant_id=person.id)} == {None}


def test_the_vote_by_role_shows_no_group_under_the_floor(voted):
    (role,) = breakdowns(voted, "es")  # nobody answered "years": it is left out
    (vote,) = role["stages"]
    columns = {c["label"]: c["people"] for c in vote["columns"]}
    # Administration (1) and no answer (1 skipped, 1 never asked) only show merged.
    assert columns == {"Enfermería": 4, "Medicina": 3, "Sin respuesta + Administración": 3}
    rows = {row["title"]: row["values"] for row in vote["rows"]}
    assert rows == {"Agenda compartida": [4, 0, 0], "Stock visible": [0, 3, 3]}
    assert set(vote["merged"]) == {"Administración", "Sin respuesta"}


def test_a_higher_floor_withholds_what_it_cannot_protect(voted, facilitator):
    profiles.set_anonymity_floor(voted, facilitator, 5)
    db.session.commit()
    (vote,) = breakdowns(voted, "es")[0]["stages"]
    # Under 5, nursing (4) cannot stand alone, and the rest (6) would reveal it by difference.
    assert vote["withheld"] is True
    profiles.set_anonymity_floor(voted, facilitator, 4)
    db.session.commit()
    (vote,) = breakdowns(voted, "es")[0]["stages"]
    assert {c["label"]: c["people"] for c in vote["columns"]} == {
        "Enfermería": 4,
        "Medicina + Sin respuesta + Administración": 6,
    }
    with pytest.raises(InvalidInput):
        profiles.set_anonymity_floor(voted, facilitator, 1)


def test_reports_carry_only_what_passed_the_floor(voted, app):
    report = build_report(voted)
    schema = json.loads((Path(app.root_path) / "reports" / "report.schema.json").read_text())
    validate(json.loads(to_json(report)), schema)
    columns = [c for b in report["breakdowns"] for s in b["stages"] for c in s["columns"]]
    assert columns and all(c["people"] >= voted.anonymity_floor for c in columns)
    markdown = to_markdown(report)
    assert "Prioridades por perfil" in markdown
    assert "| Administración (" not in markdown
    from workshop.reports.render import report_html

    html = report_html(report)
    assert "Prioridades por perfil" in html
    assert not re.search(r"<th[^>]*>Administración<br>", html)


def test_the_phone_asks_once_and_the_console_page_shows_the_breakdown(app, voted):
    phone = app.test_client()
    code = voted.code
    phone.get(f"/j/{code}")
    page = phone.get(f"/p/{code}").get_data(as_text=True)
    assert "Antes de empezar (opcional)" in page and "Enfermería" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    phone.post(f"/p/{code}/profile", data={"csrf_token": token, "profile-role": "medicine"})
    assert "Antes de empezar" not in phone.get(f"/p/{code}").get_data(as_text=True)

    console = app.test_client()
    from flask import g

    g.pop("_login_user", None)
    console.post("/login", data={"email": "ana@example.org", "password": "correct horse battery"})
    page = console.get(f"/workshops/{voted.id}/breakdown").get_data(as_text=True)
    assert "Prioridades por perfil" in page and "Enfermería" in page
    assert ">Administración<br>" not in page  # only ever merged with others


def test_profile_answers_never_travel_with_notes(voted, make_participant):
    """What someone answered is in no note, no state a screen receives, and no export
    except the floored breakdowns: not beside a note, not in a row, not in a state."""
    from workshop.audiences.state import workshop_state
    from workshop.core.models import Participant
    from workshop.reports.formats import to_csv

    agent = make_participant(voted)
    profiles.answer_profile(voted, agent, {"role": "community-agent", "years": "11-plus"})
    db.session.commit()
    label, years = "Agente comunitario de salud", "Más de 10"
    report = build_report(voted)
    without_breakdowns = {key: value for key, value in report.items() if key != "breakdowns"}
    for text in (json.dumps(without_breakdowns, ensure_ascii=False), to_csv(report)):
        assert label not in text and years not in text and "community-agent" not in text
    people = db.session.query(Participant).filter_by(workshop_id=voted.id).all()
    for audience, participant in [("facilitator", None), ("screen", None)] + [
        ("participant", p) for p in people
    ]:
        state = json.dumps(workshop_state(voted, audience, participant), ensure_ascii=False)
        assert label not in state and "community-agent" not in state and "profile" not in state
    # In the floored breakdown, a lone community agent is only ever part of a merged group.
    for item in report["breakdowns"]:
        for section in item["stages"]:
            assert all(column["label"] != label for column in section["columns"])
