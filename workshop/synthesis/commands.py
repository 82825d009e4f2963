"""Placeholder: being written."""

import click


@click.command("export-synthesis")
def export_synthesis_command() -> None:
    """Synthesis across workshops (being written)."""
