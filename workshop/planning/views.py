"""The plan editor's pages: edit a workshop's plan (a form that works without JavaScript),
and the plan's history. Facilitators only; in the workshop's language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.core.checks import typed_number
from workshop.core.lookups import get_workshop
from workshop.core.models import Workshop
from workshop.errors import DomainError
from workshop.i18n import use_page_language
from workshop.live.announce import Changes
from workshop.live.units import run_change
from workshop.planning import services
from workshop.planning.forms import (
    PlanForm,
    Row,
    apply_action,
    plan_data_from,
    rows_from_form,
    rows_from_plan,
)
from workshop.planning.messages import describe_change
from workshop.plans import STAGE_KINDS

blueprint = Blueprint("planning", __name__)

# Fields a refusal can be shown beside (the rest go at the top of the stage).
ROW_FIELDS = {"id", "kind", "title", "prompt", "minutes", "lanes", "private", "dots", "cap"}


def _languages(workshop: Workshop) -> tuple[str, ...]:
    """The languages the editor shows: the plan's, then its extra prompt languages (optional)."""
    plan = workshop.plan
    return tuple(plan.languages) + tuple(getattr(plan, "prompt_languages", ()))


def _held_by_id(workshop: Workshop) -> dict[str, str]:
    """What each stage of the stored plan holds, by stage id («3 notes, 5 dots»)."""
    held = services.stage_input(workshop)
    return {
        stage.id: services.describe_input(held[index])
        for index, stage in enumerate(workshop.plan.stages)
        if held.get(index)
    }


def _place_error(error: services.PlanRefused, rows: list[Row]) -> dict[str, list[str]]:
    """Put a refusal beside its field: on its stage's row, or on the plan's title, or at
    the top of the page (returned as {"": […]} / {"title": […]})."""
    if error.stage is not None and 1 <= error.stage <= len(rows):
        row = rows[error.stage - 1]
        name = error.field or ""
        if error.part and error.part.startswith("axis ") and name:
            name = f"axis{error.part.removeprefix('axis ')}-{name}"
            row.errors.setdefault(name, []).append(error.detail)
        elif name in ROW_FIELDS:
            row.errors.setdefault(name, []).append(error.detail)
        else:
            row.errors.setdefault("", []).append(error.message)
        return {}
    if error.stage is None and error.field == "title":
        return {"title": [error.detail]}
    return {"": [error.message]}


def _page(workshop: Workshop, rows: list[Row], title: dict[str, str], status: int = 200, **extra: Any):
    plan_data = workshop.plan_data
    lane_sets = {
        name: ", ".join(str((label or {}).get(workshop.language, key)) for key, label in lanes.items())
        for name, lanes in (plan_data.get("lanes") or {}).items()
        if isinstance(lanes, dict)
    }
    return render_template(
        "planning/editor.html",
        workshop=workshop,
        form=PlanForm(),
        rows=rows,
        plan_title=title,
        languages=_languages(workshop),
        kinds=STAGE_KINDS,
        lane_sets=lane_sets,
        held=_held_by_id(workshop),
        current_id=workshop.stage.id,
        errors=extra.pop("errors", {}),
        **extra,
    ), status


@blueprint.route("/w/<int:workshop_id>/plan", methods=["GET", "POST"])
@login_required
def editor(workshop_id: int):
    """The plan editor. Add, remove and move re-show the form (not saved yet); Save sends
    the whole plan through `edit_plan`, and a refusal shows beside its field."""
    workshop = get_workshop(workshop_id)
    use_page_language(workshop.language)
    languages = _languages(workshop)
    if request.method == "GET":
        return _page(workshop, rows_from_plan(workshop.plan_data), dict(workshop.plan.title))
    if not PlanForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("planning.editor", workshop_id=workshop.id))
    rows = rows_from_form(request.form, workshop.plan_data, languages)
    data = plan_data_from(rows, request.form, workshop.plan_data, languages)
    action = request.form.get("action", "save")
    if action != "save":
        kind = request.form.get("new_kind", "write")
        rows = apply_action(rows, action, kind if kind in STAGE_KINDS else "write", languages)
        return _page(workshop, rows, data["title"], unsaved=True)
    facilitator = current_user._get_current_object()
    version = typed_number(request.form.get("version", ""))

    def change(changes: Changes) -> services.PlanChange | None:
        made = services.edit_plan(workshop, facilitator, data, expected_version=version)
        if made is not None:
            changes.everyone()
        return made

    try:
        made = run_change(workshop, change)
    except services.PlanRefused as error:
        return _page(workshop, rows, data["title"], 400, errors=_place_error(error, rows), unsaved=True)
    except DomainError as error:
        return _page(workshop, rows, data["title"], error.status, errors={"": [error.message]}, unsaved=True)
    flash(_("Plan saved: phones, projector and console show it now.") if made else _("Nothing changed."))
    return redirect(url_for("planning.editor", workshop_id=workshop.id))


@blueprint.route("/w/<int:workshop_id>/plan/history")
@login_required
def history(workshop_id: int):
    """Every edit of the workshop's plan: when, who, what."""
    workshop = get_workshop(workshop_id)
    use_page_language(workshop.language)
    changes = [
        {
            "at": change.changed_at,
            "by": services.facilitator_label(change),
            "version": change.plan_version,
            "lines": [describe_change(item) for item in change.summary],
        }
        for change in reversed(services.plan_history(workshop))
    ]
    return render_template("planning/history.html", workshop=workshop, changes=changes)
