"""The synthesis PDF, chosen from the dashboard: GET /synthesis?w=1&w=2…

A GET, because it changes nothing; a facilitator login is required, as for
every workshop page. A bad choice (fewer than two, unknown, twice the same)
goes back to the dashboard with a message saying what to fix.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_login import login_required

from workshop.errors import DomainError
from workshop.reports.pdf import render_pdf_isolated
from workshop.synthesis.services import build_synthesis, synthesis_html, workshops_for_references

blueprint = Blueprint("synthesis", __name__)


@blueprint.route("/synthesis")
@login_required
def synthesis_pdf():
    """One PDF comparing the chosen workshops (`w`, repeated: ids or join codes)."""
    try:
        workshops = workshops_for_references(request.args.getlist("w"))
        pdf = render_pdf_isolated(synthesis_html(build_synthesis(workshops)))
    except DomainError as error:  # a bad choice, or the renderer gave up (ReportError)
        flash(error.message, "error")
        return redirect(url_for("workshops.dashboard"))
    filename = f"synthesis-{date.today().isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
