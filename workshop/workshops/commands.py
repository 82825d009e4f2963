"""Placeholder: being written."""

import click


@click.command("close")
def close_command() -> None:
    """Close a workshop (being written)."""


@click.command("delete")
def delete_command() -> None:
    """Delete a workshop (being written)."""
