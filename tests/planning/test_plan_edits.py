"""Editing a workshop's plan (`planning.services.edit_plan`): the loader's validation and
messages, the rules of a running workshop, input following its stage, the history."""

from __future__ import annotations

import copy
import json
import tomllib
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests import factories
from tests.plan_files import BROKEN
from workshop.board.models import Note
from workshop.commitments.services import add_commitment
from workshop.core.models import StageState
from workshop.errors import NotAllowed
from workshop.extensions import db
from workshop.facilitation.stage_controls import set_locked
from workshop.library.services import export_plan_toml
from workshop.planning.messages import describe_change
from workshop.planning.models import PlanChange
from workshop.planning.services import PlanRefused, edit_plan, plan_history
from workshop.plans import PlanError, load_plan_file, plan_from_data
from workshop.workshops.services import change_stage, close_workshop

# A plan's data cannot be broken TOML: the editor builds data, not text.
DATA_CASES = [case for case in BROKEN if case.id != "invalid-toml"]


def data_of(workshop) -> dict:
    return copy.deepcopy(workshop.plan_data)


def stage_of(data: dict, stage_id: str) -> dict:
    return next(stage for stage in data["stages"] if stage["id"] == stage_id)


def refused(workshop, actor, data, match: str, error=PlanRefused):
    version, revision = workshop.plan_version, workshop.revision
    with pytest.raises(error, match=match) as excinfo:
        edit_plan(workshop, actor, data)
    db.session.rollback()
    assert (workshop.plan_version, workshop.revision) == (version, revision)
    assert plan_history(workshop) == []
    return excinfo.value


# --- The loader's validation, the loader's messages ------------------------------------


@pytest.mark.parametrize(("text", "fragments"), DATA_CASES)
def test_every_plan_the_loader_refuses_the_editor_refuses_with_the_same_message(
    facilitator, workshop, text, fragments
):
    data = tomllib.loads(text)
    with pytest.raises(PlanError) as loader:
        plan_from_data(data, workshop.plan_slug)
    with force_locale("en"):
        error = refused(workshop, facilitator, data, ".")
    assert str(error.plan_error) == str(loader.value)
    assert error.detail == loader.value.detail  # in English, word for word
    for fragment in fragments[1:]:
        assert fragment in str(error.plan_error)
    with force_locale("es"):
        spanish = refused(workshop, facilitator, data, ".")
    assert spanish.stage == loader.value.stage and spanish.field == loader.value.field
    if loader.value.stage is not None:
        assert spanish.message.startswith(f"Etapa {loader.value.stage}")
    if loader.value.key not in (None, "unknown_fields"):
        assert spanish.detail != loader.value.detail, "not translated"


def test_a_refusal_names_stage_and_field(facilitator, workshop):
    data = data_of(workshop)
    stage_of(data, "try-next")["cap"] = 9
    with force_locale("es"):
        error = refused(workshop, facilitator, data, "presupuesto")
    assert (error.stage, error.field) == (7, "cap")
    assert (
        error.message
        == "Etapa 7 (try-next), campo «tope por idea»: no puede superar el presupuesto de puntos (3)"
    )


# --- Who, when ------------------------------------------------------------------------------


def test_only_a_facilitator_edits_an_open_workshop(facilitator, workshop, make_participant):
    data = data_of(workshop)
    stage_of(data, "signs")["prompt"]["es"] = "Otra consigna"
    refused(workshop, make_participant(workshop), data, "facilitat", NotAllowed)
    refused(workshop, None, data, "facilitat", NotAllowed)
    close_workshop(workshop, facilitator)
    db.session.commit()
    refused(workshop, facilitator, data, "closed", NotAllowed)


def test_an_edit_on_a_stale_plan_is_refused(facilitator, workshop):
    data = data_of(workshop)
    stage_of(data, "signs")["minutes"] = 12
    with pytest.raises(PlanRefused, match="meanwhile"):
        edit_plan(workshop, facilitator, data, expected_version=workshop.plan_version - 1)


def test_the_same_plan_again_changes_nothing(facilitator, workshop):
    revision = workshop.revision
    assert edit_plan(workshop, facilitator, data_of(workshop)) is None
    assert workshop.revision == revision and plan_history(workshop) == []


# --- A running workshop's rules -------------------------------------------------------------


@pytest.fixture
def played(facilitator):
    """reform-codesign played to its rate stage, a commitment made, the room back at stage 0."""
    run = factories.reform_workshop(facilitator)
    workshop = run.workshop
    change_stage(workshop, facilitator, 6)
    add_commitment(
        workshop, facilitator, factories.new_client_id(), 6, None, "Agenda", "Enfermería", date(2030, 1, 1)
    )
    change_stage(workshop, facilitator, 0)
    db.session.commit()
    return workshop


INPUT = [
    pytest.param("ideas", "notes", id="notes"),
    pytest.param("merge", "groups", id="groups"),
    pytest.param("shortlist", "dots", id="dots"),
    pytest.param("impact-feasibility", "ratings", id="ratings"),
    pytest.param("commitments", "commitment", id="commitments"),
]


@pytest.mark.parametrize(("stage_id", "word"), INPUT)
def test_a_stage_with_input_cannot_be_removed_or_change_kind(facilitator, played, stage_id, word):
    removed = data_of(played)
    removed["stages"] = [stage for stage in removed["stages"] if stage["id"] != stage_id]
    for stage in removed["stages"]:  # nothing else may point at it
        if stage_id in stage.get("notes_from", []):
            stage.pop("notes_from")
    with force_locale("en"):
        error = refused(played, facilitator, removed, "cannot be removed")
    assert word in error.message
    renamed = data_of(played)
    stage_of(renamed, stage_id)["id"] = "renamed"
    for stage in renamed["stages"]:
        stage["notes_from"] = ["renamed" if s == stage_id else s for s in stage.get("notes_from", [])]
    with force_locale("en"):
        refused(played, facilitator, renamed, "its id cannot change")
    changed = data_of(played)
    stage = stage_of(changed, stage_id)
    for name in list(stage):
        if name not in ("id", "title", "prompt", "minutes"):
            stage.pop(name)
    stage["kind"] = "discuss"
    with force_locale("en"):
        error = refused(played, facilitator, changed, "cannot change kind")
    assert error.field == "kind" and error.stage == [s["id"] for s in changed["stages"]].index(stage_id) + 1


def test_the_current_stage_cannot_be_removed(facilitator, workshop):
    data = data_of(workshop)
    data["stages"] = [stage for stage in data["stages"] if stage["id"] != "signs"]
    with force_locale("en"):
        refused(workshop, facilitator, data, "the room is on")


def test_lanes_in_use_and_private_notes_are_kept(facilitator, workshop, make_participant, tmp_path):
    phone = make_participant(workshop)
    change_stage(workshop, facilitator, 2)
    factories.note(workshop, phone, 2)
    db.session.commit()
    data = data_of(workshop)
    stage_of(data, "works").pop("lanes")
    note = db.session.scalar(select(Note).where(Note.workshop_id == workshop.id))
    note.lane = "social"
    db.session.commit()
    with force_locale("en"):
        refused(workshop, facilitator, data, "lane")
    private = factories.private_workshop(facilitator, tmp_path)
    factories.note(private, make_participant(private), 1)
    db.session.commit()
    data = data_of(private)
    stage_of(data, "signs")["private"] = False
    with force_locale("en"):
        error = refused(private, facilitator, data, "reveal them")
    assert error.field == "private"


# --- What an edit does -----------------------------------------------------------------------


def test_input_follows_its_stage_when_stages_move(facilitator, workshop, make_participant):
    phone = make_participant(workshop)
    change_stage(workshop, facilitator, 2)
    works = factories.note(workshop, phone, 2, "funciona")
    change_stage(workshop, facilitator, 3)
    barrier = factories.note(workshop, phone, 3, "traba")
    set_locked(workshop, facilitator, True)  # a stage state at position 3
    db.session.commit()
    data = data_of(workshop)
    stages = data["stages"]
    stages[2], stages[3] = stages[3], stages[2]  # works ⇄ barriers; the room is on barriers
    change = edit_plan(workshop, facilitator, data)
    db.session.commit()
    assert [s.id for s in workshop.plan.stages][2:4] == ["barriers", "works"]
    assert workshop.current_stage == 2 and workshop.stage.id == "barriers"
    assert db.session.get(Note, works.id).stage_index == 3
    assert db.session.get(Note, barrier.id).stage_index == 2
    state = db.session.scalar(
        select(StageState).where(StageState.workshop_id == workshop.id, StageState.locked)
    )
    assert state.stage_index == 2
    with force_locale("en"):
        lines = [describe_change(item) for item in change.summary]
    assert any("moved from position 3 to 4" in line for line in lines), lines


def test_a_note_queued_before_stages_moved_reaches_its_own_stage(facilitator, workshop, make_participant):
    """A phone queues a note at "works" (position 2), goes offline; the facilitator swaps
    "works" and "barriers"; the queued note, sent with its stage's id, lands on "works"."""
    from workshop.board.services import add_note
    from workshop.errors import InvalidInput

    phone = make_participant(workshop)
    change_stage(workshop, facilitator, 4)  # past both stages: either may still take notes
    db.session.commit()
    queued_at = 2
    assert workshop.plan.stages[queued_at].id == "works"
    data = data_of(workshop)
    data["stages"][2], data["stages"][3] = data["stages"][3], data["stages"][2]
    edit_plan(workshop, facilitator, data)
    db.session.commit()
    note, created = add_note(workshop, phone, "queued offline", "queued-1", queued_at, stage_id="works")
    db.session.commit()
    assert created and workshop.plan.stages[note.stage_index].id == "works" and note.stage_index == 3
    # Without its id (an older queue), the position is all there is: it lands where "barriers" is now.
    old, _new = add_note(workshop, phone, "an older queue", "queued-2", queued_at)
    assert workshop.plan.stages[old.stage_index].id == "barriers"
    with pytest.raises(InvalidInput, match="no such stage"):
        add_note(workshop, phone, "gone", "queued-3", queued_at, stage_id="not-in-the-plan")
    db.session.rollback()
    assert db.session.scalar(select(Note).where(Note.client_id == "queued-3")) is None


def test_an_edit_is_stored_versioned_and_kept_in_the_history(facilitator, workshop):
    before = data_of(workshop)
    version, revision = workshop.plan_version, workshop.revision
    data = data_of(workshop)
    stage_of(data, "signs")["prompt"]["es"] = "¿Cómo sabés que la espera es un problema en tu USF?"
    stage_of(data, "try-next")["dots"] = 5
    data["stages"].append(
        {"id": "extra", "kind": "discuss", "title": {"es": "Cierre", "en": "Closing"}, "prompt": "¿?"}
    )
    change = edit_plan(workshop, facilitator, data)
    db.session.commit()
    assert (workshop.plan_version, workshop.revision) == (version + 1, revision + 1)
    assert workshop.plan.stages[1].prompt["es"].startswith("¿Cómo sabés")
    assert workshop.plan.stages[-1].id == "extra"
    (stored,) = plan_history(workshop)
    assert stored is change
    assert stored.changed_by == facilitator.email and stored.plan_version == version + 1
    assert stored.previous_data == before and stored.new_data == workshop.plan_data
    kinds = {(item["change"], item.get("stage"), item.get("field")) for item in stored.summary}
    assert kinds == {("field", "signs", "prompt"), ("field", "try-next", "dots"), ("added", "extra", None)}
    with force_locale("es"):
        lines = [describe_change(item) for item in stored.summary]
    assert any(line.endswith("puntos: «3» → «5».") for line in lines), lines
    assert any("añadida" in line for line in lines), lines


def test_an_edited_plan_is_a_plan_the_loader_accepts(facilitator, workshop):
    data = data_of(workshop)
    stage_of(data, "works")["title"] = {"es": "Lo que ya funciona", "en": "What already works"}
    edit_plan(workshop, facilitator, data)
    db.session.commit()
    db.session.expire_all()
    stored = json.loads(json.dumps(db.session.get(type(workshop), workshop.id).plan_data))
    plan = plan_from_data(stored, stored["slug"])
    assert plan.stages[2].title["es"] == "Lo que ya funciona"
    assert plan == workshop.plan


def test_a_plan_edited_in_the_editor_exports_to_a_file_the_loader_accepts(facilitator, workshop, tmp_path):
    """The editor and the library together: edit prompts, dots and the order of two stages,
    export the plan as run to TOML, and load the file as `sessions/*.toml` are loaded."""
    data = data_of(workshop)
    stage_of(data, "signs")["prompt"]["es"] = "¿Cómo sabes que la espera es un problema en tu USF?"
    stage_of(data, "try-next")["dots"] = 4
    ids = [stage["id"] for stage in data["stages"]]
    first, second = ids.index("barriers"), ids.index("deviants")
    data["stages"][first], data["stages"][second] = data["stages"][second], data["stages"][first]
    edit_plan(workshop, facilitator, data)
    db.session.commit()
    path = tmp_path / "edited-plan.toml"
    path.write_text(export_plan_toml(workshop.plan), encoding="utf-8")
    loaded = load_plan_file(path)
    assert [stage.id for stage in loaded.stages] == [stage.id for stage in workshop.plan.stages]
    assert loaded.stages[ids.index("deviants")].id == "barriers"
    assert loaded.stages[1].prompt["es"].startswith("¿Cómo sabes que la espera")
    assert next(stage.dots for stage in loaded.stages if stage.id == "try-next") == 4
    assert loaded.stages == workshop.plan.stages


def test_a_deleted_workshop_takes_its_history(facilitator, workshop):
    from workshop.workshops.services import delete_workshop

    data = data_of(workshop)
    stage_of(data, "signs")["minutes"] = 20
    edit_plan(workshop, facilitator, data)
    db.session.commit()
    delete_workshop(workshop, facilitator)
    db.session.commit()
    assert db.session.scalars(select(PlanChange)).all() == []
