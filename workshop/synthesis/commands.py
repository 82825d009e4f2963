"""`workshop export-synthesis W1 W2 … --output FILE.pdf`: the synthesis from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from workshop.database import upgrade_database
from workshop.errors import DomainError
from workshop.reports.pdf import render_pdf_isolated
from workshop.synthesis.services import (
    TOP_IDEAS,
    build_synthesis,
    synthesis_html,
    workshops_for_references,
)


@click.command("export-synthesis")
@click.argument("workshops", nargs=-1, required=True, metavar="WORKSHOP WORKSHOP…")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="File to write, e.g. synthesis.pdf ('-' for standard output).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["pdf", "html"]),
    default="pdf",
    show_default=True,
    help="pdf, or the print HTML the PDF is made from.",
)
@click.option(
    "--top",
    default=TOP_IDEAS,
    type=click.IntRange(min=1),
    show_default=True,
    help="Ideas shown from each workshop's ranking.",
)
@with_appcontext
def export_synthesis_command(workshops: tuple[str, ...], output: Path, output_format: str, top: int) -> None:
    """Compare two or more workshops (ids or join codes) in one PDF.

    Shows each workshop's ranking of ideas, the themes that recur across them
    and the totals, in the first workshop's language.
    """
    upgrade_database(current_app._get_current_object())
    try:
        synthesis = build_synthesis(workshops_for_references(list(workshops)), top=top)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    html = synthesis_html(synthesis)
    if output_format == "html":
        data = html.encode("utf-8")
    else:
        try:
            data = render_pdf_isolated(html)
        except DomainError as error:  # ReportError: too slow or too large
            raise click.ClickException(error.message) from None
    # Atomic: a failed write never leaves half a PDF behind. "-" is standard output.
    with click.open_file(output, "wb", atomic=True) as stream:
        stream.write(data)
    if str(output) == "-":
        return
    click.echo(
        f"wrote {output} ({synthesis['totals']['sites']} workshops, "
        f"{synthesis['totals']['themes']} recurring themes)"
    )
