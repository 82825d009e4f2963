"""Session plans: the shipped method library loads, and broken files say where and why."""

import json
import re
from pathlib import Path

import pytest

from tests.plan_files import BROKEN, VALID, WORKS, plan_text
from workshop.plans import PlanError, list_plans, load_plan, load_plan_file, plan_from_data

SESSIONS = Path(__file__).resolve().parents[2] / "sessions"
SHIPPED = ("pd-discovery", "reform-codesign", "reverse-engineering", "solutions-mapping")


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
# (the cases are in tests/plan_files.py: the library's import and the plan editor refuse the same ones)


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
