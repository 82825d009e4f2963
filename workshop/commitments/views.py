"""Follow-up pages: the commitments of one workshop and of all workshops, and the
facilitator's dated status updates. Plain forms (CSRF), no JavaScript needed."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.commitments import services
from workshop.commitments.forms import StatusForm
from workshop.commitments.models import OPEN_STATUSES, STATUSES
from workshop.core.clock import now
from workshop.core.lookups import get_workshop
from workshop.core.models import Workshop
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.live.units import run_change
from workshop.safe_urls import same_site_path

blueprint = Blueprint("commitments", __name__)


def _rows(commitments) -> list[dict]:
    """Commitments with their workshop, history and a status form each."""
    workshops: dict[int, Workshop] = {}
    rows = []
    for commitment in commitments:
        workshop = workshops.get(commitment.workshop_id) or db.session.get(Workshop, commitment.workshop_id)
        workshops[commitment.workshop_id] = workshop
        form = StatusForm(formdata=None, status=commitment.status, noted_on=now().date())
        rows.append(
            {
                "commitment": services.commitment_data(commitment),
                "history": services.history_data(commitment),
                "workshop": workshop,
                "overdue": commitment.status in OPEN_STATUSES and commitment.due_on < now().date(),
                "form": form,
            }
        )
    return rows


@blueprint.route("/w/<int:workshop_id>/commitments")
@login_required
def workshop_commitments(workshop_id: int):
    """Every commitment of one workshop, with its history and a form to update its status."""
    workshop = get_workshop(workshop_id)
    rows = _rows(services.workshop_commitments(workshop))
    return render_template(
        "commitments/follow_up.html", workshop=workshop, rows=rows, show_all=True, statuses=STATUSES
    )


@blueprint.route("/commitments")
@login_required
def all_commitments():
    """Open commitments (planned or started) of every workshop, soonest deadline first;
    `?all=1` lists done and dropped ones too."""
    show_all = request.args.get("all") == "1"
    rows = _rows(services.commitments_across(only_open=not show_all))
    return render_template(
        "commitments/follow_up.html", workshop=None, rows=rows, show_all=show_all, statuses=STATUSES
    )


@blueprint.route("/w/<int:workshop_id>/commitments/<int:commitment_id>/status", methods=["POST"])
@login_required
def update_status(workshop_id: int, commitment_id: int):
    """Record a dated status update; back to the page it was sent from."""
    workshop = get_workshop(workshop_id)
    form = StatusForm()
    back = same_site_path(form.next.data) or url_for(
        "commitments.workshop_commitments", workshop_id=workshop.id
    )
    if not form.validate_on_submit():
        messages = [message for errors in form.errors.values() for message in errors]
        flash(" ".join(str(m) for m in messages) or _("Please check the form."), "error")
        return redirect(back)
    facilitator = current_user._get_current_object()

    def change(changes) -> None:
        services.update_status(
            workshop, facilitator, commitment_id, form.status.data, form.noted_on.data, form.note.data
        )
        if workshop.is_open:
            changes.commitments()

    try:
        run_change(workshop, change)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Status saved."))
    return redirect(back)
