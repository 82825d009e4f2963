"""The console's breakdown page and the anonymity floor setting (facilitators only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.core.lookups import get_workshop
from workshop.database import commit_with_retries
from workshop.errors import DomainError
from workshop.forms import Form
from workshop.profiles import services
from workshop.profiles.breakdown import breakdowns

blueprint = Blueprint("profiles", __name__)


@blueprint.get("/workshops/<int:workshop_id>/breakdown")
@login_required
def breakdown(workshop_id: int):
    workshop = get_workshop(workshop_id)
    return render_template(
        "profiles/breakdown.html",
        workshop=workshop,
        breakdowns=breakdowns(workshop, str(get_locale() or workshop.language)),
        floor_form=Form(),
    )


@blueprint.post("/workshops/<int:workshop_id>/anonymity-floor")
@login_required
def set_floor(workshop_id: int):
    workshop = get_workshop(workshop_id)
    if not Form().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
    else:
        try:
            commit_with_retries(
                lambda: services.set_anonymity_floor(
                    workshop, current_user._get_current_object(), request.form.get("floor", "")
                )
            )
            flash(_("Saved."))
        except DomainError as error:
            flash(error.message, "error")
    return redirect(url_for("profiles.breakdown", workshop_id=workshop.id))
