"""The plan's group mark (pd-discovery: "any unit could do it with the same resources"):
the facilitator marks groups, the mark survives a merge, and the report lists them."""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import move, note, refused
from workshop.audiences.state import workshop_state
from workshop.clustering import services
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.reports import formats
from workshop.reports.data import build_report
from workshop.reports.render import report_html

# pd-discovery: 2 works (write, lanes), 5 group (cluster, with a mark), 6 vote
WORKS, GROUP = 2, 5


@pytest.fixture
def room(facilitator):
    workshop = factories.workshop_from_plan(facilitator, "pd-discovery", stage=WORKS, language="es")
    person = factories.participant(workshop)
    texts = ["Visitas por la tarde", "Agenda en la pizarra", "Recordatorio por WhatsApp"]
    notes = [note(workshop, person, WORKS, text) for text in texts]
    db.session.commit()
    move(workshop, facilitator, GROUP)
    first = services.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Agenda visible")
    second = services.group_notes(workshop, facilitator, [notes[2].id], "Avisos")
    db.session.commit()
    return workshop, facilitator, person, first, second


def test_the_facilitator_marks_and_unmarks_a_group_and_everyone_sees_it(room):
    workshop, facilitator, _person, first, _second = room
    services.mark_cluster(workshop, facilitator, first.id, True)
    db.session.commit()
    screen = workshop_state(workshop, "screen")
    assert screen["workshop"]["group_mark"] == "Cualquier unidad puede hacerlo con los mismos recursos"
    assert {c["title"]: c["marked"] for c in screen["clusters"]} == {"Agenda visible": True, "Avisos": False}
    services.mark_cluster(workshop, facilitator, first.id, False)
    db.session.commit()
    assert not any(c["marked"] for c in workshop_state(workshop, "facilitator")["clusters"])


def test_only_a_facilitator_marks_with_a_real_yes_or_no_on_its_own_groups(room, facilitator):
    workshop, _facilitator, person, first, _second = room
    refused(NotAllowed, "facilitator", services.mark_cluster, workshop, person, first.id, True)
    refused(InvalidInput, "marked", services.mark_cluster, workshop, facilitator, first.id, "yes")
    other = factories.other_workshop(facilitator)
    refused(NotFound, "does not exist", services.mark_cluster, other.workshop, facilitator, first.id, True)
    assert not db.session.get(type(first), first.id).marked


def test_a_plan_without_a_mark_refuses_it(facilitator):
    run = factories.reform_workshop(facilitator)
    cluster_id = run.clusters["A"]
    refused(NotAllowed, "no mark", services.mark_cluster, run.workshop, facilitator, cluster_id, True)


def test_merging_keeps_the_mark(room):
    workshop, facilitator, _person, first, second = room
    services.mark_cluster(workshop, facilitator, second.id, True)
    merged, _returned = services.merge_clusters(workshop, facilitator, second.id, first.id)
    db.session.commit()
    assert merged.marked


def test_the_report_lists_the_marked_groups_and_shows_no_rating_columns(room):
    workshop, facilitator, _person, first, _second = room
    services.mark_cluster(workshop, facilitator, first.id, True)
    db.session.commit()
    report = build_report(workshop)
    assert report["group_mark"] == "Cualquier unidad puede hacerlo con los mismos recursos"
    assert [c["title"] for c in report["clusters"] if c["marked"]] == ["Agenda visible"]
    html = report_html(report)
    assert 'id="marked"' in html and "Agenda visible" in html
    # pd-discovery votes but never rates: no impact, feasibility or quadrant anywhere.
    for absent in ("Factibilidad", "Cuadrante", "sin calificar", "Las calificaciones de impacto"):
        assert absent not in html
    markdown = formats.to_markdown(report)
    assert "## Cualquier unidad puede hacerlo con los mismos recursos" in markdown
    assert "Cuadrante" not in markdown and "| Puntos |" in markdown
