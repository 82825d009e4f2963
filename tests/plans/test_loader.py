"""Session plans: the shipped method library loads, and broken files say where and why."""

import json
import re
from pathlib import Path

import pytest

from workshop.plans import PlanError, list_plans, load_plan, load_plan_file, plan_from_data

SESSIONS = Path(__file__).resolve().parents[2] / "sessions"
SHIPPED = ("pd-discovery", "reform-codesign", "reverse-engineering", "solutions-mapping")

HEAD = """\
title = { es = "Plan de prueba", en = "Test plan" }
description = { es = "Descripción", en = "Description" }

[lanes.conditions]
social = { es = "Social", en = "Social" }
trust = { es = "Confianza", en = "Trust" }
"""

PICTURE = """\
[[stages]]
id = "picture"
kind = "discuss"
title = { es = "Imagen", en = "Picture" }
prompt = { es = "¿Cómo es?", en = "What is it like?" }
"""

WORKS = """\
[[stages]]
id = "works"
kind = "write"
lanes = "conditions"
title = { es = "Lo que funciona", en = "What works" }
prompt = { es = "¿Qué funciona?", en = "What works?" }
"""

GROUP = """\
[[stages]]
id = "group"
kind = "cluster"
notes_from = ["works"]
title = { es = "Agrupar", en = "Group" }
prompt = { es = "Agrupemos", en = "Let us group" }
"""

PICK = """\
[[stages]]
id = "pick"
kind = "vote"
dots = 3
cap = 2
title = { es = "Elegir", en = "Pick" }
prompt = { es = "¿Cuál?", en = "Which?" }
"""

PLACE = """\
[[stages]]
id = "place"
kind = "rate"
title = { es = "Ubicar", en = "Place" }
prompt = { es = "¿Dónde?", en = "Where?" }
"""


def plan_text(*stages: str, head: str = HEAD) -> str:
    return "\n".join((head, *stages))


VALID = plan_text(PICTURE, WORKS, GROUP, PICK, PLACE)


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def all_texts(plan):
    """Every translated text of a plan, as (where, {language: text}) pairs."""
    yield "title", plan.title
    yield "description", plan.description
    for stage in plan.stages:
        yield f"{stage.id}.title", stage.title
        yield f"{stage.id}.prompt", stage.prompt
        for lane in stage.lanes:
            yield f"{stage.id}.lane {lane.key}", lane.label
        for axis in stage.axes:
            yield f"{stage.id}.axis {axis.key}", axis.label
            yield f"{stage.id}.axis {axis.key} low", axis.low
            yield f"{stage.id}.axis {axis.key} high", axis.high


# --- the shipped plans -------------------------------------------------------


def test_shipped_plans_load():
    plans = list_plans(SESSIONS)
    assert [plan.slug for plan in plans] == list(SHIPPED)
    for plan in plans:
        assert plan.languages == ("es", "en")
        assert plan.source == f"{plan.slug}.toml"
        assert plan.stages


@pytest.mark.parametrize("slug", SHIPPED)
def test_shipped_plan_has_spanish_and_english_everywhere(slug):
    plan = load_plan(slug, SESSIONS)
    for where, texts in all_texts(plan):
        for language in ("es", "en"):
            assert texts.get(language, "").strip(), f"{slug}: {where} lacks {language}"


@pytest.mark.parametrize("slug", SHIPPED)
def test_shipped_plan_is_consistent(slug):
    plan = load_plan(slug, SESSIONS)
    kinds = {stage.id: stage.kind for stage in plan.stages}
    for stage in plan.stages:
        # Notes only come from write stages; the loader checks order, not kind.
        assert all(kinds[source] == "write" for source in stage.notes_from), stage.id
        if stage.kind == "rate":
            assert len(stage.axes) == 2
    if plan.minutes is not None:
        assert sum(stage.minutes or 0 for stage in plan.stages) <= plan.minutes


@pytest.mark.parametrize("slug", SHIPPED)
def test_shipped_plan_snapshot_round_trips(slug):
    plan = load_plan(slug, SESSIONS)
    stored = json.loads(json.dumps(plan.to_data()))
    assert plan_from_data(stored, stored["slug"]) == plan


def test_reverse_engineering_axes_and_levels():
    plan = load_plan("reverse-engineering", SESSIONS)
    (rate,) = [stage for stage in plan.stages if stage.kind == "rate"]
    assert [axis.key for axis in rate.axes] == ["necessity", "replicability"]
    levels = [stage for stage in plan.stages if stage.lane_set == "levels"]
    assert [lane.key for lane in levels[0].lanes] == ["usf", "region", "ministry"]


def test_reform_codesign_secret_vote_and_default_axes():
    plan = load_plan("reform-codesign", SESSIONS)
    (vote,) = [stage for stage in plan.stages if stage.kind == "vote"]
    assert vote.hide_totals is True
    (rate,) = [stage for stage in plan.stages if stage.kind == "rate"]
    assert [axis.key for axis in rate.axes] == ["impact", "feasibility"]


def test_shipped_plans_mark_groups_shortlist_ratings_and_write_privately():
    """What the method needs: PD marks practices any unit could do; reform co-design
    writes ideas alone first and rates only the vote's short list."""
    pd = load_plan("pd-discovery", SESSIONS)
    assert pd.group_mark["es"].startswith("Cualquier unidad")
    reform = load_plan("reform-codesign", SESSIONS)
    assert [stage.id for stage in reform.stages if stage.private] == ["ideas"]
    assert [(stage.id, stage.shortlist) for stage in reform.stages if stage.kind == "rate"] == [
        ("impact-feasibility", 6)
    ]
    assert reform.group_mark == {}


# --- finding a plan -----------------------------------------------------------


def test_load_plan_by_slug_and_by_path(tmp_path):
    path = write(tmp_path, "my-plan.toml", VALID)
    by_slug = load_plan("my-plan", tmp_path)
    by_path = load_plan(str(path), SESSIONS)
    assert by_slug == by_path
    assert by_slug.slug == "my-plan"
    assert [stage.id for stage in by_slug.stages] == ["picture", "works", "group", "pick", "place"]
    assert by_slug.stages[1].lane_label("trust", "en") == "Trust"
    assert load_plan_file(path) == by_slug


def test_unknown_slug_lists_available_plans(tmp_path):
    write(tmp_path, "alpha.toml", VALID)
    write(tmp_path, "beta.toml", VALID)
    with pytest.raises(PlanError, match=r"no plan called 'gamma' \(available: alpha, beta\)"):
        load_plan("gamma", tmp_path)


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(PlanError, match="no such plan file"):
        load_plan(str(tmp_path / "absent.toml"), SESSIONS)


# --- broken files: every message names the file, the stage and the field -----

BROKEN = [
    pytest.param(
        plan_text(PICTURE, WORKS.replace('kind = "write"', 'kind = "write')),
        ["not valid TOML", "line"],
        id="invalid-toml",
    ),
    pytest.param(HEAD, ["field 'stages'", "at least one [[stages]]"], id="missing-stages"),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('kind = "write"', 'kind = "brainstorm"')),
        ["stage 2 ('works'), field 'kind'", "'brainstorm'"],
        id="unknown-kind",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('id = "works"\n', "")),
        ["stage 2, field 'id'", "is required"],
        id="missing-id",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('id = "works"', 'id = "picture"')),
        ["stage 2 ('picture'), field 'id'", "used by an earlier stage"],
        id="duplicate-id",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace(', en = "What works?"', "")),
        ["stage 2 ('works'), field 'prompt'", "missing text for language(s) en"],
        id="missing-translation",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS + 'colour = "red"\n'),
        ["stage 2 ('works')", "unknown field(s) 'colour'"],
        id="unknown-field",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('lanes = "conditions"', 'lanes = "levels"')),
        ["stage 2 ('works'), field 'lanes'", "unknown lane set 'levels'", "known: conditions"],
        id="unknown-lane-set",
    ),
    pytest.param(
        plan_text(PICTURE.replace('kind = "discuss"', 'kind = "discuss"\nlanes = "conditions"')),
        ["stage 1 ('picture'), field 'lanes'", "only write stages have lanes"],
        id="lanes-on-discuss",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS, PICK.replace("cap = 2", "cap = 4")),
        ["stage 3 ('pick'), field 'cap'", "cannot exceed the dot budget (3)"],
        id="cap-above-dots",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS, PICK.replace("dots = 3", 'dots = "three"')),
        ["stage 3 ('pick'), field 'dots'", "whole number"],
        id="dots-not-integer",
    ),
    pytest.param(
        plan_text(PICTURE, GROUP, WORKS),
        ["stage 2 ('group'), field 'notes_from'", "'works' is not an earlier stage"],
        id="notes-from-later-stage",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS, GROUP.replace('["works"]', '["work"]')),
        ["stage 3 ('group'), field 'notes_from'", "'work' is not an earlier stage"],
        id="notes-from-unknown-stage",
    ),
    pytest.param(
        plan_text(
            PICTURE,
            PLACE
            + "".join(
                f'[[stages.axes]]\nkey = "{key}"\nlabel = {{ es = "{key}", en = "{key}" }}\n'
                for key in ("impact", "effort", "cost")
            ),
        ),
        ["stage 2 ('place'), field 'axes'", "exactly two axes"],
        id="rate-with-three-axes",
    ),
    pytest.param(
        plan_text(PICTURE, PICK.replace('kind = "vote"', 'kind = "vote"\nshortlist = 5')),
        ["stage 2 ('pick'), field 'shortlist'", "only rate stages have it"],
        id="shortlist-on-a-vote",
    ),
    pytest.param(
        plan_text(PICTURE, PLACE.replace('kind = "rate"', 'kind = "rate"\nshortlist = 0')),
        ["stage 2 ('place'), field 'shortlist'", "whole number from 1 to 40"],
        id="shortlist-zero",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('kind = "write"', 'kind = "write"\nmark = "Hecho"')),
        ["stage 2 ('works'), field 'mark'", "only cluster stages have it"],
        id="mark-on-a-write-stage",
    ),
    pytest.param(
        plan_text(
            PICTURE, WORKS, GROUP.replace('kind = "cluster"', 'kind = "cluster"\nmark = "' + "x" * 81 + '"')
        ),
        ["stage 3 ('group'), field 'mark'", "81 characters; at most 80"],
        id="mark-too-long",
    ),
]


@pytest.mark.parametrize(("text", "fragments"), BROKEN)
def test_broken_plan_file_says_where_and_why(tmp_path, text, fragments):
    path = write(tmp_path, "broken.toml", text)
    with pytest.raises(PlanError) as excinfo:
        load_plan_file(path)
    message = str(excinfo.value)
    assert message.startswith("broken.toml"), message
    for fragment in fragments:
        assert fragment in message, message
    # list_plans and load_plan refuse the same file with the same message.
    with pytest.raises(PlanError, match=re.escape(message)):
        list_plans(tmp_path)
    with pytest.raises(PlanError, match=re.escape(message)):
        load_plan("broken", tmp_path)


def test_file_name_must_be_a_slug(tmp_path):
    path = write(tmp_path, "My_Plan.toml", VALID)
    with pytest.raises(PlanError, match=r"^My_Plan\.toml: file name must be a slug"):
        load_plan_file(path)


def test_non_utf8_file_is_refused(tmp_path):
    path = write(tmp_path, "latin.toml", VALID.encode("latin-1"))
    with pytest.raises(PlanError, match=r"^latin\.toml: cannot be read .*utf-8"):
        load_plan_file(path)


def test_lanes_given_as_a_list_is_a_plan_error(tmp_path):
    path = write(
        tmp_path,
        "broken.toml",
        plan_text(WORKS.replace('lanes = "conditions"', 'lanes = ["conditions"]')),
    )
    with pytest.raises(PlanError, match=r"stage 1 \('works'\), field 'lanes'"):
        load_plan_file(path)
