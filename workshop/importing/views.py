"""The upload form's target on the facilitator page: import a CSV of field notes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired

from workshop.core.lookups import get_workshop
from workshop.errors import DomainError
from workshop.forms import Form
from workshop.importing.services import MAX_IMPORT_BYTES, import_field_notes
from workshop.live.announce import Changes
from workshop.live.units import run_change

blueprint = Blueprint("importing", __name__)


class ImportForm(Form):
    file = FileField(
        _l("CSV file of field notes"), validators=[FileRequired(_l("Choose a CSV file to import."))]
    )


def _back_to_console(workshop_id: int):
    return redirect(url_for("workshops.facilitate", workshop_id=workshop_id) + "#lifecycle")


@blueprint.route("/w/<int:workshop_id>/import", methods=["POST"])
@login_required
def import_notes(workshop_id: int):
    """Import the uploaded file (all rows or none), then show the result on the console."""
    workshop = get_workshop(workshop_id)
    form = ImportForm()
    if not form.validate_on_submit():
        errors = [error for errors in form.errors.values() for error in errors]
        flash(str(errors[0]) if errors else _("Choose a CSV file to import."), "error")
        return _back_to_console(workshop.id)
    upload = form.file.data
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    facilitator = current_user._get_current_object()

    def change(changes: Changes):
        result = import_field_notes(workshop, facilitator, data, upload.filename or "notes.csv")
        changes.everyone()
        return result

    try:
        result = run_change(workshop, change)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(result.summary())
    return _back_to_console(workshop.id)


@blueprint.errorhandler(413)
def upload_too_large(_error):
    """A file over the request limit: say so on the console instead of an error page."""
    flash(
        _(
            "The file is too large: at most %(size)s MB can be imported at once. Split it into "
            "several files.",
            size=MAX_IMPORT_BYTES // (1024 * 1024),
        ),
        "error",
    )
    workshop_id = (request.view_args or {}).get("workshop_id")
    if workshop_id is None:
        return redirect(url_for("workshops.dashboard"))
    return _back_to_console(workshop_id)
