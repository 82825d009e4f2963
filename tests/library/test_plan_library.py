"""The plan library: stored plans beside the shipped ones, TOML in and out, archive,
duplicate, "save as plan", and a workshop created from a stored plan."""

from __future__ import annotations

import io
import json
import re
import tomllib
from pathlib import Path

import pytest

from tests import factories
from tests.plan_files import BROKEN, VALID
from workshop.core.models import Workshop
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.library import services
from workshop.library.models import SavedPlan
from workshop.plans import PlanError, list_plans, load_plan_file, plan_from_data
from workshop.workshops.services import create_workshop

SHIPPED = [plan.slug for plan in list_plans(factories.PLANS_DIR)]
GN_EXAMPLE = Path(__file__).resolve().parents[1] / "plans" / "data" / "pd-gn-example.toml"


# --- TOML round trip -----------------------------------------------------------


@pytest.mark.parametrize("slug", SHIPPED)
def test_every_shipped_plan_exports_and_imports_identical(app, facilitator, slug):
    shipped = services.plan_by_slug(slug)
    text = services.export_plan_toml(shipped)
    # The file is the sessions/*.toml format: the same data, and the loader's Plan.
    assert tomllib.loads(text) == {k: v for k, v in shipped.to_data().items() if k != "slug"}
    assert plan_from_data(tomllib.loads(text), slug) == shipped
    saved = services.import_plan_toml(facilitator, text, slug=f"{slug}-copia", filename=f"{slug}.toml")
    db.session.commit()
    imported = services.plan_by_slug(f"{slug}-copia")
    assert imported.to_data() | {"slug": slug} == shipped.to_data()
    assert plan_from_data(saved.data, slug) == shipped
    # Readable order: the plan's fields first, stages last; texts by language inline.
    assert text.startswith("title")
    assert text.index("description") < text.index("languages = ") < text.index("[[stages]]")
    assert "[stages.title]" not in text  # texts by language stay beside their field


def test_second_language_plan_round_trips(app, facilitator):
    plan = load_plan_file(GN_EXAMPLE)
    text = services.export_plan_toml(plan)
    assert 'prompt_languages = ["gn"]' in text
    services.import_plan_toml(facilitator, text, filename="pd-gn-example.toml")
    db.session.commit()
    assert services.plan_by_slug("pd-gn-example") == plan


# --- import refuses what the loader refuses, with the same message ---------------


@pytest.mark.parametrize(("text", "fragments"), BROKEN)
def test_import_refuses_every_broken_plan_with_the_loaders_message(
    app, facilitator, tmp_path, text, fragments
):
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as loader_error:
        load_plan_file(path)
    with pytest.raises(InvalidInput) as import_error:
        services.import_plan_toml(facilitator, text.encode(), filename="broken.toml")
    assert import_error.value.message == str(loader_error.value)
    for fragment in fragments:
        assert fragment in import_error.value.message
    db.session.rollback()
    assert db.session.query(SavedPlan).count() == 0


def test_import_refuses_oversize_non_utf8_and_dates(app, facilitator):
    big = VALID + "# " + "x" * services.MAX_PLAN_BYTES + "\n"
    factories.refused(InvalidInput, "too large", services.import_plan_toml, facilitator, big, "big")
    factories.refused(
        InvalidInput,
        "cannot be read",
        services.import_plan_toml,
        facilitator,
        VALID.encode("latin-1"),
        "latin",
    )
    dated = VALID.replace('title = { es = "Plan de prueba"', "title = { es = 2026-11-30")
    factories.refused(InvalidInput, "quoted string", services.import_plan_toml, facilitator, dated, "dated")
    assert db.session.query(SavedPlan).count() == 0


def test_import_never_overwrites_without_saying_so(app, facilitator):
    services.import_plan_toml(facilitator, VALID, slug="mi-plan")
    db.session.commit()
    changed = VALID.replace("Plan de prueba", "Plan cambiado")
    factories.refused(
        InvalidInput, "already exists", services.import_plan_toml, facilitator, changed, "mi-plan"
    )
    assert services.plan_by_slug("mi-plan").title["es"] == "Plan de prueba"
    services.import_plan_toml(facilitator, changed, slug="mi-plan", replace=True)
    db.session.commit()
    assert services.plan_by_slug("mi-plan").title["es"] == "Plan cambiado"
    assert services.stored_plan("mi-plan").updated_at is not None
    # A shipped slug is never taken, not even with replace.
    factories.refused(
        InvalidInput, "shipped", services.import_plan_toml, facilitator, VALID, "pd-discovery", True
    )
    factories.refused(InvalidInput, "lower-case", services.import_plan_toml, facilitator, VALID, "Mi Plan")


def test_only_facilitators_change_the_library(app, facilitator, workshop, participant):
    factories.refused(NotAllowed, "facilitator", services.import_plan_toml, participant, VALID, "x")
    factories.refused(NotAllowed, "facilitator", services.duplicate_plan, None, "pd-discovery", "x")
    factories.refused(NotAllowed, "facilitator", services.save_workshop_plan_as, participant, workshop, "x")


# --- duplicate, archive, save as plan ------------------------------------------------


def test_duplicate_of_a_shipped_plan_is_stored_and_changeable(app, facilitator):
    copy = services.duplicate_plan(facilitator, "pd-discovery", "pd-luque", "Descubrimiento en Luque")
    db.session.commit()
    assert copy.origin and "pd-discovery" in copy.origin
    plan = services.plan_by_slug("pd-luque")
    assert plan.title == {"es": "Descubrimiento en Luque", "en": "Descubrimiento en Luque"}
    assert plan.stages == services.plan_by_slug("pd-discovery").stages
    # Stored: it can be archived (a shipped plan cannot), and duplicated again.
    services.archive_plan(facilitator, "pd-luque")
    factories.refused(NotAllowed, "read-only", services.archive_plan, facilitator, "pd-discovery")
    factories.refused(NotFound, "no plan", services.archive_plan, facilitator, "ghost")
    services.duplicate_plan(facilitator, "pd-luque", "pd-luque-2")
    factories.refused(
        InvalidInput, "already exists", services.duplicate_plan, facilitator, "pd-discovery", "pd-luque"
    )
    factories.refused(NotFound, "no plan called 'ghost'", services.duplicate_plan, facilitator, "ghost", "g2")


def test_archived_plans_are_not_offered_for_new_workshops(app, facilitator, logged_in_client):
    services.duplicate_plan(facilitator, "reform-codesign", "reforma-vieja")
    db.session.commit()
    assert "reforma-vieja" in [entry.slug for entry in services.library_plans()]
    page = logged_in_client.get("/w/new").get_data(as_text=True)
    assert 'value="reforma-vieja"' in page
    services.archive_plan(facilitator, "reforma-vieja")
    db.session.commit()
    assert "reforma-vieja" not in [entry.slug for entry in services.library_plans()]
    assert "reforma-vieja" in [entry.slug for entry in services.library_plans(include_archived=True)]
    with pytest.raises(PlanError, match="no plan called 'reforma-vieja'"):
        services.plan_by_slug("reforma-vieja")
    page = logged_in_client.get("/w/new").get_data(as_text=True)
    assert 'value="reforma-vieja"' not in page
    response = logged_in_client.post("/w/new", data={"plan": "reforma-vieja", "title": "T", "language": "es"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    # Still exportable, and back on offer once unarchived.
    assert logged_in_client.get("/plans/reforma-vieja.toml").status_code == 200
    services.unarchive_plan(facilitator, "reforma-vieja")
    db.session.commit()
    assert services.plan_by_slug("reforma-vieja").slug == "reforma-vieja"


def test_save_as_plan_keeps_the_workshops_snapshot(app, facilitator, workshop):
    saved = services.save_workshop_plan_as(facilitator, workshop, "usf-san-lorenzo", "Plan de San Lorenzo")
    db.session.commit()
    plan = services.plan_by_slug("usf-san-lorenzo")
    assert plan.stages == workshop.plan.stages
    assert plan.title["es"] == "Plan de San Lorenzo"
    assert "USF San Lorenzo" in (saved.origin or "")
    # A workshop created from the stored plan runs it, slug and all.
    again = create_workshop(facilitator, plan, "Segunda vuelta")
    db.session.commit()
    assert again.plan_slug == "usf-san-lorenzo" and again.plan == plan


# --- pages ---------------------------------------------------------------------------


def test_library_page_lists_shipped_and_stored_plans(app, facilitator, logged_in_client):
    services.duplicate_plan(facilitator, "pd-discovery", "mi-copia")
    services.import_plan_toml(facilitator, GN_EXAMPLE.read_bytes(), filename=GN_EXAMPLE.name)
    db.session.commit()
    page = logged_in_client.get("/plans/").get_data(as_text=True)
    for slug in [*SHIPPED, "mi-copia", "pd-gn-example"]:
        assert f'id="plan-{slug}"' in page
    assert page.count("Shipped (read-only)") == len(SHIPPED)
    assert page.count(">Archive<") == 2  # only the stored ones
    assert "Prompts also in: Guarani (gn)" in page
    assert logged_in_client.get("/plans/", headers={"Accept-Language": "es"}).status_code == 200


def test_library_pages_need_a_login(client):
    assert client.get("/plans/").status_code == 302
    assert client.get("/plans/pd-discovery.toml").status_code == 302
    assert client.post("/plans/import").status_code == 302


def test_export_download_is_the_file(app, logged_in_client):
    response = logged_in_client.get("/plans/reverse-engineering.toml")
    assert response.status_code == 200
    assert 'filename="reverse-engineering.toml"' in response.headers["Content-Disposition"]
    data = tomllib.loads(response.get_data(as_text=True))
    assert plan_from_data(data, "reverse-engineering") == services.plan_by_slug("reverse-engineering")
    assert logged_in_client.get("/plans/ghost.toml").status_code == 404


def _upload(client, text: str | bytes, name: str = "plan.toml", **fields):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        "/plans/import",
        data={"file": (io.BytesIO(content), name), **fields},
        content_type="multipart/form-data",
    )


def test_import_form_stores_a_plan_or_shows_the_error_beside_the_field(app, logged_in_client):
    response = _upload(logged_in_client, VALID, "desde-archivo.toml")
    assert response.status_code == 302
    assert services.plan_by_slug("desde-archivo").title["es"] == "Plan de prueba"
    broken = VALID.replace('kind = "write"', 'kind = "brainstorm"')
    response = _upload(logged_in_client, broken, "roto.toml")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="import-file-error"><p>Nothing was imported: .*</p><p>roto\.toml, stage 2', page)
    assert "&#39;brainstorm&#39;" in page
    assert services.stored_plan("roto") is None
    response = _upload(logged_in_client, VALID, "desde-archivo.toml")
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    response = _upload(
        logged_in_client, VALID.replace("Plan de prueba", "Otro"), "x.toml", slug="desde-archivo", replace="y"
    )
    assert response.status_code == 302
    assert services.plan_by_slug("desde-archivo").title["es"] == "Otro"


def test_duplicate_and_save_as_pages(app, logged_in_client, workshop):
    form = logged_in_client.get("/plans/pd-discovery/duplicate").get_data(as_text=True)
    assert 'value="pd-discovery-copy"' in form
    response = logged_in_client.post("/plans/pd-discovery/duplicate", data={"slug": "pd-discovery"})
    assert response.status_code == 400 and "shipped with the app" in response.get_data(as_text=True)
    response = logged_in_client.post(
        "/plans/pd-discovery/duplicate", data={"slug": "copia", "title": "Copia"}
    )
    assert response.status_code == 302
    console = logged_in_client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert f'href="/w/{workshop.id}/save-plan"' in console
    response = logged_in_client.post(f"/w/{workshop.id}/save-plan", data={"slug": "de-la-usf"})
    assert response.status_code == 302
    assert services.plan_by_slug("de-la-usf").stages == workshop.plan.stages
    response = logged_in_client.post("/plans/de-la-usf/archive")
    assert response.status_code == 302 and services.stored_plan("de-la-usf").archived


def test_a_workshop_is_created_from_a_stored_plan_in_the_browser(app, facilitator, logged_in_client):
    services.import_plan_toml(facilitator, GN_EXAMPLE.read_text(encoding="utf-8"), filename=GN_EXAMPLE.name)
    db.session.commit()
    response = logged_in_client.post(
        "/w/new",
        data={"plan": "pd-gn-example", "title": "USF Itauguá", "language": "es", "second_language": "gn"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    workshop = db.session.scalars(db.select(Workshop)).one()
    assert (workshop.plan_slug, workshop.second_language) == ("pd-gn-example", "gn")
    response = logged_in_client.post(
        "/w/new", data={"plan": "pd-discovery", "title": "X", "language": "es", "second_language": "gn"}
    )
    assert response.status_code == 200
    assert "This plan has no prompts in language gn." in response.get_data(as_text=True)


# --- the command line -------------------------------------------------------------------


def run(runner, *args):
    from workshop.cli import main

    return runner.invoke(main, list(args), catch_exceptions=False)


def test_cli_export_import_and_list(runner, tmp_path):
    """On a fresh database: export a shipped plan, import it under a new slug, list it."""
    out = tmp_path / "reform-codesign.toml"
    result = run(runner, "plans", "export", "reform-codesign", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert plan_from_data(
        tomllib.loads(out.read_text(encoding="utf-8")), "reform-codesign"
    ) == services.plan_by_slug("reform-codesign")
    result = run(runner, "plans", "import", str(out))
    assert result.exit_code == 1 and "shipped with the app" in result.output
    result = run(runner, "plans", "import", str(out), "--slug", "reforma-usf")
    assert result.exit_code == 0, result.output
    result = run(runner, "plans", "import", str(out), "--slug", "reforma-usf")
    assert result.exit_code == 1 and "already exists" in result.output
    assert run(runner, "plans", "import", str(out), "--slug", "reforma-usf", "--replace").exit_code == 0
    listed = {plan["slug"]: plan for plan in json.loads(run(runner, "plans", "--json").output)}
    assert listed["reforma-usf"]["stored"] is True and listed["reform-codesign"]["stored"] is False
    text = run(runner, "plans").output
    assert re.search(r"reforma-usf .*\[stored\]", text)
    assert run(runner, "plans", "export", "reforma-usf").output == out.read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(VALID.replace('kind = "write"', 'kind = "brainstorm"'), encoding="utf-8")
    result = run(runner, "plans", "import", str(broken))
    assert result.exit_code == 1 and "broken.toml, stage 2 ('works'), field 'kind'" in result.output
    result = run(runner, "plans", "export", "ghost")
    assert result.exit_code == 1 and "no plan called 'ghost'" in result.output


def test_cli_new_from_a_stored_plan_with_a_second_language(runner, facilitator):
    assert run(runner, "plans", "import", str(GN_EXAMPLE)).exit_code == 0
    result = run(
        runner,
        "new",
        "--plan",
        "pd-gn-example",
        "--title",
        "USF Itá",
        "--owner",
        factories.EMAIL,
        "--second-language",
        "gn",
        "--json",
    )
    assert result.exit_code == 0, result.output
    workshop = db.session.get(Workshop, json.loads(result.output)["id"])
    assert workshop.second_language == "gn"


def test_hostile_plan_files_are_refused_never_a_crash(app, facilitator):
    """Any bytes, or TOML of any shape: stored when the loader accepts it, else InvalidInput."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.dates())
    tomlish = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=12,
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        st.one_of(
            st.binary(max_size=200),
            st.dictionaries(st.sampled_from(["title", "stages", "languages", "lanes", "x"]), tomlish).map(
                lambda data: VALID + "\n" + "\n".join(f"{k!r} = {v!r}" for k, v in data.items())
            ),
            st.text(max_size=300).map(lambda extra: VALID.replace("Plan de prueba", extra)),
        )
    )
    def fuzz(content):
        try:
            services.import_plan_toml(facilitator, content, slug="fuzz", replace=True)
        except InvalidInput as error:
            messages.append(error.message)
        db.session.rollback()

    messages: list[str] = []
    fuzz()
    assert messages and all(messages)
    assert services.stored_plan("fuzz") is None
