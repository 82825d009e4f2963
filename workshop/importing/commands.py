"""`workshop import WORKSHOP FILE.csv`: field notes from a spreadsheet into a workshop."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("import")
@click.argument("reference", metavar="WORKSHOP")
@click.argument(
    "path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@with_appcontext
def import_command(reference: str, path: Path) -> None:
    """Import field notes from a CSV file into a workshop (its id or join code).

    One note per row. Columns: text (required), lane, stage (id or number;
    default: the first stage that takes notes), evidence_id, source; Spanish
    names work too (texto, carril, etapa, evidencia, fuente). If any row is
    wrong nothing is imported and every wrong line is listed. The notes are
    imported in the name of the workshop's owner.
    """
    from workshop.database import upgrade_database
    from workshop.errors import DomainError
    from workshop.importing.services import MAX_IMPORT_BYTES, import_field_notes
    from workshop.live.units import run_cli_change
    from workshop.workshops.services import find_workshop

    upgrade_database(current_app._get_current_object())
    try:
        workshop = find_workshop(reference)
        with path.open("rb") as file:
            data = file.read(MAX_IMPORT_BYTES + 1)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror or error}") from None

    def change(changes):
        result = import_field_notes(workshop, workshop.owner, data, path.name)
        changes.everyone()
        return result

    click.echo(run_cli_change(workshop, change).summary())
