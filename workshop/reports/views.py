"""Downloads of a workshop's report and data: PDF, print HTML, CSV, JSON and Markdown.

Every format is a view of the one report document (`data.build_report`) made by
`formats.export_bytes`, as `workshop export` does. Renderer failures are
DomainErrors, which the app's error handler turns into a friendly page (or a JSON
message for the console's fetch, which asks for JSON first).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import login_required

from workshop.commitments.services import commitments_across, record_data
from workshop.core.lookups import get_workshop
from workshop.extensions import db, talisman
from workshop.reports.data import build_report
from workshop.reports.formats import (
    FORMATS,
    MEDIA_TYPES,
    commitments_csv,
    export_bytes,
    export_filename,
    report_commitments_csv,
    slugify,
)
from workshop.reports.pdf import prepare_renderer

blueprint = Blueprint("reports", __name__)


@blueprint.before_app_request
def _warm_the_renderer() -> None:
    """A facilitator opening a console exports from it later: have the PDF renderer ready,
    so the first export of this process does not wait for WeasyPrint to load."""
    if request.endpoint == "workshops.facilitate" and request.method == "GET":
        prepare_renderer()


# The print page shows only its own stylesheet and embedded images (the charts): no
# script, no frame, no request anywhere else, whatever the notes contain.
PRINT_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:"
# Files meant to be saved, not shown: should a browser display one anyway, it runs nothing.
FILE_CSP = "default-src 'none'; sandbox"


@blueprint.route("/w/<int:workshop_id>/export/<fmt>")
@talisman(content_security_policy=None)  # this view sets a stricter policy per format
@login_required
def export(workshop_id: int, fmt: str):
    """One workshop in one format, named like ``co-diseno-usf-luque-2025-05-14.pdf``.

    Any facilitator may export any workshop of the lab (as any may run it).
    404 for an unknown workshop or format; a renderer error becomes a friendly page.
    """
    if fmt not in FORMATS:
        abort(404)
    workshop = get_workshop(workshop_id)
    report = build_report(workshop)
    # The report is plain data now: end the read transaction, so a PDF that takes a
    # while to render does not hold a database connection meanwhile.
    db.session.rollback()
    body = export_bytes(report, fmt)
    filename = export_filename(report, fmt)  # ASCII letters, digits, - and . only
    # The print page opens in the browser to be printed; the other formats are saved.
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        body,
        content_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Content-Security-Policy": PRINT_CSP if fmt == "html" else FILE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def _file(body: bytes, filename: str) -> Response:
    return Response(
        body,
        content_type=MEDIA_TYPES["csv"],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Security-Policy": FILE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@blueprint.route("/w/<int:workshop_id>/export/commitments.csv")
@talisman(content_security_policy=None)
@login_required
def export_commitments(workshop_id: int):
    """One workshop's commitments with their status history, as CSV."""
    report = build_report(get_workshop(workshop_id))
    db.session.rollback()
    name = f"{slugify(report['workshop']['title'])}-{report['workshop']['date']}-commitments.csv"
    return _file(report_commitments_csv(report).encode("utf-8"), name)


@blueprint.route("/commitments/export.csv")
@talisman(content_security_policy=None)
@login_required
def export_all_commitments():
    """Open commitments of every workshop (`?all=1`: every status), as CSV."""
    rows = []
    for commitment in commitments_across(only_open=request.args.get("all") != "1"):
        workshop = get_workshop(commitment.workshop_id)
        rows.append(({"id": workshop.id, "title": workshop.title}, record_data(commitment)))
    db.session.rollback()
    return _file(commitments_csv(rows).encode("utf-8"), "commitments.csv")
