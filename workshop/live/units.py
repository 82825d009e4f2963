"""Units of work: run a change, commit it, retry it when a concurrent writer got in the way.

Every door goes through here: Socket.IO events (`live_event`), HTTP views and CLI
commands (`run_change`). A domain error rolls back and reaches the door's own
error handling; a transient lock error (SQLite's "database is locked",
PostgreSQL's serialisation failure or deadlock) rolls back and runs the whole
change again; announcements are sent only after a successful commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from flask_babel import gettext as _

from workshop.core.models import Workshop
from workshop.database import commit_with_retries
from workshop.errors import DomainError
from workshop.live.announce import Changes

T = TypeVar("T")


def run_change(workshop: Workshop, work: Callable[[Changes], T], announced: list[bool] | None = None) -> T:
    """The HTTP and CLI twin of `live_event`: run a change, commit, then announce it.

    `work` receives the unit of work's `Changes` to queue announcements to the
    workshop's room on (`changes.everyone()`, `changes.note(...)`). DomainError
    propagates after the rollback, for the view to flash or the command to print.
    A change that announces nothing (a new account) uses `commit_with_retries`.
    `announced`, when given, receives whether every announcement went out (the CLI
    says so when a message queue could not be reached).
    """
    attempt_changes: list[Changes] = []

    def attempt() -> T:
        attempt_changes[:] = [Changes(workshop)]
        return work(attempt_changes[0])

    result = commit_with_retries(attempt)
    delivered = attempt_changes[0].send()
    if announced is not None:
        announced.append(delivered)
    return result


def run_cli_change(workshop: Workshop, work: Callable[[Changes], T]) -> T:
    """`run_change` for a CLI command: a domain error becomes the command's error
    message, and the operator is told when connected devices could not be reached."""
    announced: list[bool] = []
    try:
        result = run_change(workshop, work, announced)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if not all(announced):
        click.echo(_("(Connected devices will see the change when they reload.)"), err=True)
    return result
