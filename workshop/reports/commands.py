"""Placeholder: being written."""

import click


@click.command("export")
def export_command() -> None:
    """Export a workshop (being written)."""
