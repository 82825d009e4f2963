"""Placeholder: being written."""

import click


@click.command("import")
def import_command() -> None:
    """Import field notes (being written)."""
