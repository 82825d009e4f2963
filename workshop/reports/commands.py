"""`workshop export`: one workshop's report or data as a file, from the command line.

The same document and the same formats as the downloads in the facilitator's
console (`formats.export_bytes`), so a file made here and one downloaded there
are identical.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from workshop.core.codes import normalise_code
from workshop.core.models import Workshop
from workshop.database import upgrade_database
from workshop.errors import DomainError, NotAllowed
from workshop.extensions import db
from workshop.reports.data import build_report
from workshop.reports.formats import FORMATS, TEXT_FORMATS, export_bytes, export_filename
from workshop.workshops.services import find_workshop


def _find(reference: str) -> Workshop:
    """The workshop with this id or join code, closed ones included.

    `find_workshop` refuses the code of a closed workshop (a code stops letting
    people join once the workshop ends), but a closed workshop is exactly the one
    people export. Raises NotFound.
    """
    try:
        return find_workshop(reference)
    except NotAllowed:
        workshop = db.session.scalar(select(Workshop).where(Workshop.code == normalise_code(reference)))
        if workshop is None:  # pragma: no cover - NotAllowed means the code exists
            raise
        return workshop


def _check_writable(path: Path) -> None:
    """Fail before the (possibly slow) rendering when the file cannot be written."""
    folder = path.parent
    if path.is_dir():
        raise click.ClickException(f"cannot write {path}: it is a folder; give a file name")
    if not folder.is_dir():
        raise click.ClickException(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.ClickException(f"cannot write {path}: permission denied")


@click.command("export")
@click.argument("reference", metavar="WORKSHOP")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="pdf (the report), html (its print page), csv (one row per note), "
    "json (the whole document, see report.schema.json) or md (a summary).",
)
@click.option(
    "--output",
    "-o",
    default=None,
    metavar="FILE",
    help="File to write; - for standard output (not for pdf). Default: TITLE-DATE.EXT in the current folder.",
)
@with_appcontext
def export_command(reference: str, fmt: str, output: str | None) -> None:
    """Export a workshop's report or data; WORKSHOP is its number or its join code.

    Participants are anonymous in every format (P1, P2 …); a note its author
    deleted keeps its row without its text.
    """
    upgrade_database(current_app._get_current_object())
    try:
        workshop = _find(reference)
    except DomainError as error:
        raise click.ClickException(f"{reference}: {error.message}") from None
    report = build_report(workshop)
    db.session.rollback()  # plain data from here on: hold no transaction while rendering
    target = output or export_filename(report, fmt)
    if target == "-" and fmt not in TEXT_FORMATS:
        raise click.ClickException(
            f"--output - writes text to standard output; a {fmt} file needs a file name"
        )
    path = None if target == "-" else Path(target)
    if path is not None:
        _check_writable(path)
    try:
        body = export_bytes(report, fmt)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if path is None:
        click.echo(body, nl=False)  # bytes go to the binary stream, untouched
        return
    try:
        path.write_bytes(body)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from None
    click.echo(f"wrote {path} ({len(body):,} bytes, {fmt})")
