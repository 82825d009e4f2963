"""The plan library's pages (facilitators only, plain forms that work without JavaScript):
the list of shipped and stored plans, import, export, duplicate, archive, and "save as
plan" from a workshop's console."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from workshop.core.lookups import get_workshop
from workshop.database import commit_with_retries
from workshop.errors import DomainError
from workshop.forms import Form
from workshop.library import services
from workshop.library.forms import ImportPlanForm, NewPlanForm
from workshop.plans import PlanError

blueprint = Blueprint("library", __name__)
T = TypeVar("T")


def language_name(code: str) -> str:
    """A language's name in the page's language (Guaraní for "gn"), from Babel's data."""
    locale = get_locale()
    name = locale.languages.get(code) if locale is not None else None
    return f"{name} ({code})" if name else code


def _plan_or_404(slug: str):
    try:
        return services.plan_by_slug(slug, include_archived=True)
    except PlanError:
        abort(404)


def _save(work: Callable[[], T], field) -> T | None:
    """Commit a library change; a refusal goes beside the form field, nothing is kept."""
    try:
        return commit_with_retries(work)
    except services.InvalidPlanFile as error:
        # The loader's words name the file, stage and field exactly; the lead says, in the
        # page's language, what happened and what to do.
        lead = _("Nothing was imported: the plan checker found a problem. Fix the file and try again.")
        field.errors = [*field.errors, lead, error.message]
    except DomainError as error:
        field.errors = [*field.errors, error.message]
    except IntegrityError:  # the same short name saved twice at once: one wins
        field.errors = [*field.errors, _("A plan with this short name was just saved: choose another.")]
    return None


def _library_page(import_form: ImportPlanForm | None = None, status: int = 200):
    show_archived = request.args.get("archived") == "1"
    try:
        entries = services.library_plans(include_archived=show_archived)
    except PlanError as error:
        flash(_("A session plan file is broken: %(error)s", error=str(error)), "error")
        entries = []
    return render_template(
        "library/plans.html",
        entries=entries,
        show_archived=show_archived,
        import_form=import_form or ImportPlanForm(),
        action_form=Form(),
        language_name=language_name,
    ), status


@blueprint.route("/plans/")
@login_required
def plans():
    return _library_page()


@blueprint.route("/plans/import", methods=["POST"])
@login_required
def import_plan():
    """Store an uploaded plan file; what is wrong with it shows beside the file field."""
    form = ImportPlanForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.stream.read(services.MAX_PLAN_BYTES + 1)
        facilitator = current_user._get_current_object()
        saved = _save(
            lambda: services.import_plan_toml(
                facilitator, content, form.slug.data, bool(form.replace.data), upload.filename
            ),
            form.file,
        )
        if saved is not None:
            flash(_("The plan “%(slug)s” is in the library.", slug=saved.slug))
            return redirect(url_for("library.plans") + f"#plan-{saved.slug}")
    return _library_page(form, status=400)


@blueprint.route("/plans/<slug>.toml")
@login_required
def export_plan(slug: str):
    """Download a plan (shipped or stored, archived too) as a `sessions/*.toml` file."""
    plan = _plan_or_404(slug)
    return Response(
        services.export_plan_toml(plan),
        mimetype="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{plan.slug}.toml"'},
    )


@blueprint.route("/plans/<slug>/duplicate", methods=["GET", "POST"])
@login_required
def duplicate_plan(slug: str):
    """Copy a plan under a new short name, to change it."""
    plan = _plan_or_404(slug)
    form = NewPlanForm()
    if request.method == "GET":
        form.slug.data = _free_slug(f"{plan.slug[:55]}-copy")
    status = 200
    if form.validate_on_submit():
        facilitator = current_user._get_current_object()
        saved = _save(
            lambda: services.duplicate_plan(facilitator, plan.slug, form.slug.data, form.title.data),
            form.slug,
        )
        if saved is not None:
            flash(_("The plan “%(slug)s” is in the library.", slug=saved.slug))
            return redirect(url_for("library.plans") + f"#plan-{saved.slug}")
    if request.method == "POST":
        status = 400
    return render_template(
        "library/new_plan.html",
        form=form,
        heading=_("Duplicate “%(title)s”", title=plan.text("title", str(get_locale() or "es"))),
        action=url_for("library.duplicate_plan", slug=plan.slug),
        back=url_for("library.plans"),
    ), status


def _free_slug(base: str) -> str:
    """A suggested short name no plan has yet (base, base-2, base-3 …)."""
    candidate, number = base, 1
    while services.slug_in_use(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _archive_change(slug: str, operation, done: str):
    if Form().validate_on_submit():
        facilitator = current_user._get_current_object()
        try:
            commit_with_retries(lambda: operation(facilitator, slug))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(done)
    return redirect(url_for("library.plans", archived=request.args.get("archived")) + f"#plan-{slug}")


@blueprint.route("/plans/<slug>/archive", methods=["POST"])
@login_required
def archive_plan(slug: str):
    return _archive_change(
        slug, services.archive_plan, _("Archived: the plan is no longer offered for new workshops.")
    )


@blueprint.route("/plans/<slug>/unarchive", methods=["POST"])
@login_required
def unarchive_plan(slug: str):
    return _archive_change(slug, services.unarchive_plan, _("The plan is offered for new workshops again."))


@blueprint.route("/w/<int:workshop_id>/save-plan", methods=["GET", "POST"])
@login_required
def save_workshop_plan(workshop_id: int):
    """ "Save as plan" from the console: the plan as this workshop runs it, under a new name."""
    workshop = get_workshop(workshop_id)
    form = NewPlanForm()
    if request.method == "GET":
        form.slug.data = _free_slug(f"{workshop.plan_slug[:55]}-copy")
    status = 200
    if form.validate_on_submit():
        facilitator = current_user._get_current_object()
        saved = _save(
            lambda: services.save_workshop_plan_as(facilitator, workshop, form.slug.data, form.title.data),
            form.slug,
        )
        if saved is not None:
            flash(_("The plan “%(slug)s” is in the library.", slug=saved.slug))
            return redirect(url_for("library.plans") + f"#plan-{saved.slug}")
    if request.method == "POST":
        status = 400
    return render_template(
        "library/new_plan.html",
        form=form,
        heading=_("Save the plan of “%(title)s” in the library", title=workshop.title),
        action=url_for("library.save_workshop_plan", workshop_id=workshop.id),
        back=url_for("workshops.facilitate", workshop_id=workshop.id),
    ), status
