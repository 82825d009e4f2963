"""A later workshop brings the open commitments of earlier ones into a review stage
(a commit stage with `review_open = true`); the plan loader checks the new kind."""

from __future__ import annotations

import pytest

from workshop.audiences.state import workshop_state
from workshop.commitments import services
from workshop.core.clock import now
from workshop.extensions import db
from workshop.plans import PlanError, load_plan_file
from workshop.workshops.services import close_workshop

REVIEW_PLAN = """
title = { es = "Revisión", en = "Review" }
description = { es = "d", en = "d" }
[[stages]]
id = "review"
kind = "commit"
review_open = true
title = { es = "¿Qué pasó con lo acordado?", en = "What happened to what we agreed?" }
prompt = { es = "Miremos los compromisos abiertos.", en = "Let us look at the open commitments." }
"""


def test_a_review_stage_shows_open_commitments_of_earlier_workshops(
    room, tmp_path, make_workshop, facilitator
):
    first, (ana, beto), shifts = room
    kept, _ = services.add_commitment(
        first,
        ana,
        "review-commit-1",
        2,
        {"type": "cluster", "id": shifts.id},
        "Publicar los turnos",
        "Jefa de enfermería",
        "2027-03-31",
    )
    finished, _ = services.add_commitment(
        first, beto, "review-commit-2", 2, None, "Pedir botiquines", "Administración", "2027-01-15"
    )
    close_workshop(first, facilitator)
    services.update_status(first, facilitator, finished.id, "done", now().date())
    db.session.commit()
    path = tmp_path / "review.toml"
    path.write_text(REVIEW_PLAN)
    later = make_workshop(title="USF Luque, seis meses después", plan=load_plan_file(path), stage=0)
    for audience in ("facilitator", "screen", "participant"):
        state = workshop_state(later, audience)
        [earlier] = state["commit"]["earlier"]
        assert earlier["what"] == "Publicar los turnos" and earlier["workshop"] == "USF Luque"
        assert earlier["status"] == "planned"
        assert state["commit"]["commitments"] == []
    # The first workshop's own commit stage does not list itself as "earlier".
    assert "earlier" not in workshop_state(first, "facilitator")["commit"]


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ('kind = "write"\nreview_open = true', "only commit stages have it"),
        ('kind = "commit"\nreview_open = "yes"', "must be true or false"),
        ('kind = "commit"\ndots = 3', "only vote stages have it"),
    ],
)
def test_the_plan_loader_checks_commit_stages(tmp_path, stage, message):
    path = tmp_path / "broken.toml"
    path.write_text(
        'title = "t"\ndescription = "d"\n[[stages]]\nid = "s"\n' + stage + '\ntitle = "T"\nprompt = "P"\n'
    )
    with pytest.raises(PlanError, match=message):
        load_plan_file(path)


def test_the_reform_plan_ends_with_a_commit_stage(plans_dir):
    from workshop.plans import load_plan

    plan = load_plan("reform-codesign", plans_dir)
    last = plan.stages[-1]
    assert last.kind == "commit" and last.id == "commitments"
    assert "rol" in last.prompt["es"] and "role" in last.prompt["en"]
