"""`workshop close` and `workshop delete`: a workshop's end of life from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _


def _find(reference: str):
    from workshop.database import upgrade_database
    from workshop.errors import DomainError
    from workshop.workshops.services import find_workshop

    upgrade_database(current_app._get_current_object())
    try:
        return find_workshop(reference)
    except DomainError as error:
        raise click.ClickException(error.message) from None


@click.command("close")
@click.argument("reference", metavar="WORKSHOP")
@click.option("--reopen", is_flag=True, help="Open a closed workshop again instead.")
@with_appcontext
def close_command(reference: str, reopen: bool) -> None:
    """Close a workshop (its id or join code): read-only, its code stops working,
    exports still work. With --reopen, open it again."""
    from workshop.core.codes import format_code
    from workshop.live.units import run_cli_change
    from workshop.workshops.services import close_workshop, reopen_workshop

    workshop = _find(reference)
    operation = reopen_workshop if reopen else close_workshop

    def change(changes) -> None:
        operation(workshop, workshop.owner)
        changes.everyone()

    run_cli_change(workshop, change)
    values = {"title": workshop.title, "code": format_code(workshop.code)}
    if reopen:
        click.echo(_('Workshop "%(title)s" (%(code)s) is open again.', **values))
    else:
        click.echo(_('Workshop "%(title)s" (%(code)s) is closed: read-only, exports still work.', **values))


@click.command("delete")
@click.argument("reference", metavar="WORKSHOP")
@click.option(
    "--yes", is_flag=True, help="Do not ask: delete at once (for scripts). Without it you are asked twice."
)
@with_appcontext
def delete_command(reference: str, yes: bool) -> None:
    """Delete a workshop (its id or join code) and everything in it, for good.

    Asks twice: first to confirm, then to type the workshop's join code.
    """
    from workshop.core.codes import format_code
    from workshop.live.presence import connection_ids
    from workshop.live.units import run_cli_change
    from workshop.workshops.services import code_matches, delete_workshop, workshop_contents

    workshop = _find(reference)
    title, code = workshop.title, format_code(workshop.code)
    if not yes:
        contents = workshop_contents(workshop)
        click.echo(
            _(
                'Workshop "%(title)s" (%(code)s) holds %(notes)d notes, %(participants)d '
                "participants, %(clusters)d groups, %(dots)d dots and %(ratings)d ratings.",
                title=title,
                code=code,
                **contents,
            )
        )
        click.confirm(_("Delete it and all of this for good? It cannot be undone"), abort=True)
        typed = click.prompt(
            _("To confirm, type the workshop's join code (%(code)s)", code=code),
            default="",
            show_default=False,
        )
        if not code_matches(workshop, typed):
            raise click.ClickException(_("The code does not match; nothing was deleted."))

    def delete(changes) -> None:
        sids = connection_ids(workshop_id=workshop.id)
        delete_workshop(workshop, workshop.owner)
        changes.close(sids, "ended")

    run_cli_change(workshop, delete)
    click.echo(_('Deleted workshop "%(title)s" (%(code)s) and everything in it.', title=title, code=code))


@click.command("question")
@click.argument("reference", metavar="WORKSHOP")
@click.argument("text", required=False, default="")
@with_appcontext
def question_command(reference: str, text: str) -> None:
    """Set the challenge question of a workshop (its id or join code); connected phones,
    projector and console show it at once. Without TEXT, the question is removed."""
    from workshop.live.units import run_cli_change
    from workshop.workshops.services import set_question

    workshop = _find(reference)

    def change(changes) -> None:
        set_question(workshop, workshop.owner, text)
        changes.everyone()

    run_cli_change(workshop, change)
    if workshop.question:
        click.echo(_("Question: %(question)s", question=workshop.question))
    else:
        click.echo(_("The workshop has no question now."))
