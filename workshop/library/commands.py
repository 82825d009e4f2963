"""`workshop plans`: list the plan library, export a plan to a file, import one."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _


def _ready() -> None:
    from workshop.database import upgrade_database

    upgrade_database(current_app._get_current_object())


@click.group("plans", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--archived", is_flag=True, help="List archived stored plans too.")
@click.pass_context
@with_appcontext
def plans_command(context: click.Context, as_json: bool, archived: bool) -> None:
    """List the session plans: shipped (sessions/) and stored in the library ([stored])."""
    if context.invoked_subcommand is not None:
        return
    from workshop.library.services import library_plans
    from workshop.plans import PlanError

    _ready()
    try:
        entries = library_plans(include_archived=archived)
    except PlanError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps([entry.summary() for entry in entries], ensure_ascii=False, indent=2))
        return
    for entry in entries:
        plan = entry.plan
        kinds = " → ".join(stage.kind for stage in plan.stages)
        mark = "" if entry.shipped else (" [stored, archived]" if entry.archived else " [stored]")
        click.echo(f"{plan.slug:24} {plan.text('title', 'es')}{mark}\n{'':24} {kinds}")


@plans_command.command("export")
@click.argument("slug")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout)."
)
@with_appcontext
def export_plan_command(slug: str, output: str | None) -> None:
    """Write a plan (shipped or stored) as a .toml file in the sessions/ format."""
    from workshop.errors import DomainError
    from workshop.library.services import export_plan_toml, plan_by_slug
    from workshop.plans import PlanError

    _ready()
    try:
        text = export_plan_toml(plan_by_slug(slug, include_archived=True))
    except PlanError as error:
        raise click.ClickException(str(error)) from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(_("Wrote the plan “%(slug)s” to %(path)s.", slug=slug, path=output), err=True)


@plans_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--slug", default=None, help="The plan's short name (default: the file's name).")
@click.option("--replace", is_flag=True, help="Replace a stored plan that has the same short name.")
@click.option("--owner", default=None, help="Email of the facilitator recorded as its author (optional).")
@with_appcontext
def import_plan_command(path: str, slug: str | None, replace: bool, owner: str | None) -> None:
    """Store a .toml plan file in the library (checked like the shipped plans)."""
    from workshop.accounts.services import get_facilitator
    from workshop.errors import DomainError
    from workshop.extensions import db
    from workshop.library.services import MAX_PLAN_BYTES, store_plan_file

    _ready()
    with open(path, "rb") as file:
        content = file.read(MAX_PLAN_BYTES + 1)
    try:
        author = get_facilitator(owner) if owner else None
        saved = store_plan_file(author, content, slug, replace, filename=Path(path).name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(_("The plan “%(slug)s” is in the library.", slug=saved.slug))
