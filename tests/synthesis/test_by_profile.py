"""The synthesis compares what each role put first across workshops, from each report's
floored breakdowns: a group too small to show at its workshop is not shown here either."""

from __future__ import annotations

from tests.factories import new_client_id
from workshop.board import services as board
from workshop.clustering import services as clustering
from workshop.extensions import db
from workshop.plans import load_plan
from workshop.profiles import services as profiles
from workshop.synthesis.services import build_synthesis, synthesis_html
from workshop.voting import services as voting
from workshop.workshops.services import change_stage

IDEAS, MERGE, SHORTLIST = 1, 2, 3  # reform-codesign


def site(make_workshop, make_participant, facilitator, plans_dir, title, roles_and_choices):
    """A workshop whose participants answer `role` and give one dot to the idea they name."""
    workshop = make_workshop(title, stage=IDEAS, plan=load_plan("reform-codesign", plans_dir))
    people = [(make_participant(workshop), role, idea) for role, idea in roles_and_choices]
    for person, role, _idea in people:
        profiles.answer_profile(workshop, person, {"role": role} if role else {})
    ideas = sorted({idea for _role, idea in roles_and_choices})
    notes = {idea: board.add_note(workshop, people[0][0], idea, new_client_id(), IDEAS)[0] for idea in ideas}
    change_stage(workshop, facilitator, MERGE)
    groups = {idea: clustering.group_notes(workshop, facilitator, [notes[idea].id], idea) for idea in ideas}
    change_stage(workshop, facilitator, SHORTLIST)
    for person, _role, idea in people:
        voting.cast_dot(workshop, person, groups[idea].id, new_client_id())
    voting.set_vote_closed(workshop, facilitator, True)
    db.session.commit()
    return workshop


def test_roles_compared_across_sites_without_a_small_group(
    make_workshop, make_participant, facilitator, plans_dir
):
    first = site(
        make_workshop,
        make_participant,
        facilitator,
        plans_dir,
        "USF Capiatá",
        [("nursing", "Agenda compartida")] * 3 + [("medicine", "Stock visible")] * 3,
    )
    second = site(
        make_workshop,
        make_participant,
        facilitator,
        plans_dir,
        "USF Itá",
        [("nursing", "Agenda compartida")] * 3
        + [("administration", "Turnos por mensaje")]
        + [(None, "Stock visible")] * 2,
    )
    synthesis = build_synthesis([first, second])
    rows = {(row["site"], row["group"]): (row["idea"], row["people"]) for row in synthesis["by_profile"]}
    assert rows == {
        (1, "Enfermería"): ("Agenda compartida", 3),
        (1, "Medicina"): ("Stock visible", 3),
        (2, "Enfermería"): ("Agenda compartida", 3),
        (2, "Sin respuesta + Administración"): ("Stock visible", 3),
    }
    html = synthesis_html(synthesis)
    assert "Prioridades por perfil entre talleres" in html
    assert ">Administración <" not in html
