"""The `workshop` command: everything a lab's operator needs.

Every command that touches data first creates or migrates the database, so
each works on a fresh install.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from workshop import create_app
from workshop.config import SETTINGS
from workshop.database import upgrade_database
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.plans import PlanError, load_plan


def _app_factory():
    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_app_factory,
    add_version_option=False,
    add_default_commands=True,
    load_dotenv=False,
)
def main() -> None:
    """Run co-design workshops: serve the app, manage facilitators, plans and workshops."""


def _ready() -> None:
    upgrade_database(current_app._get_current_object())


def _fail(message: str) -> None:
    raise click.ClickException(message)


@main.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the database to the newest schema."""
    _ready()
    click.echo("database is up to date")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option(
    "--connections",
    "--threads",
    "connections",
    default=None,
    type=click.IntRange(1, 100_000),
    help="Connections this process can hold at once (each phone uses one). "
    "Default: 10000 with gevent, 500 with threading.",
)
@click.option(
    "--processes",
    default=1,
    type=click.IntRange(1, 64),
    show_default=True,
    help="Run this many single-worker processes behind HAProxy (deploy/haproxy.cfg); "
    "needs PostgreSQL (WORKSHOP_DATABASE_URL) and Redis (WORKSHOP_MESSAGE_QUEUE).",
)
@with_appcontext
def serve(host: str, port: int, connections: int | None, processes: int) -> None:
    """Serve the app (HTTP and Socket.IO) with one gunicorn worker process.

    One worker per process, as Flask-SocketIO requires; `--processes N` runs N of them
    behind HAProxy with sticky sessions, sharing PostgreSQL and the Redis message queue.
    """
    _ready()
    if processes > 1:
        _serve_processes(host, port, connections, processes)
        return
    from workshop.server import run_server

    app = current_app._get_current_object()
    click.echo(serving_message(app, host, port))
    run_server(app, host, port, connections)


def _serve_processes(host: str, port: int, connections: int | None, processes: int) -> None:
    from workshop.processes import CannotServe, serve_processes

    app = current_app._get_current_object()
    try:
        supervisor = serve_processes(app.config, host, port, processes, connections, Path(app.instance_path))
    except CannotServe as error:
        _fail(str(error))
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    ports = ", ".join(str(worker.port) for worker in supervisor.workers)
    click.echo(
        f"workshop serving on http://{host}:{port}: HAProxy in front of {processes} processes ({ports})"
    )
    supervisor.watch()


def serving_message(app, host: str, port: int) -> str:
    """What `serve` prints: where it listens and the address phones join at. Remembers
    the local-network address (`LAN_URL`) for join links of pages opened on 127.0.0.1."""
    from workshop.delivery.lan import is_loopback, lan_url

    shown = f"[{host}]" if ":" in host else host
    lines = [f"workshop serving on http://{shown}:{port}"]
    if app.config.get("BASE_URL_FROM_ENVIRONMENT"):
        lines.append(f"join links use {app.config['BASE_URL']} (WORKSHOP_BASE_URL)")
        return "\n".join(lines)
    lan = lan_url(host, port)
    if lan:
        app.config["LAN_URL"] = lan
        lines.append(f"phones in the room join at {lan} (this machine on the local network)")
        lines.append(f"a console opened at 127.0.0.1 shows {lan} in its QR code and join link")
    elif is_loopback(host):
        lines.append(
            "only this machine can open it: for phones, `make run HOST=0.0.0.0` "
            "(see README, Running for a real room)"
        )
    else:
        lines.append(
            "no local-network address found: phones need this machine's address, or set WORKSHOP_BASE_URL"
        )
    return "\n".join(lines)


@main.command("create-facilitator")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_facilitator_command(email: str, password_stdin: bool) -> None:
    """Create a facilitator account."""
    from workshop.accounts.services import create_facilitator

    _ready()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        facilitator = create_facilitator(email, password)
    except DomainError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"created facilitator {facilitator.email}")


@main.command("new")
@click.option(
    "--plan", "plan_ref", required=True, help="Plan slug (shipped or in the library) or path to a .toml file."
)
@click.option("--title", required=True)
@click.option("--owner", required=True, help="Email of the facilitator who owns it.")
@click.option("--lang", "language", type=click.Choice(["es", "en"]), default="es", show_default=True)
@click.option("--place", default=None)
@click.option("--date", "held_on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option(
    "--question",
    default=None,
    help='The challenge question ("¿Cómo podríamos…?"); default: the plan\'s suggestion, if any. '
    'Give "" for none.',
)
@click.option(
    "--second-language",
    default=None,
    help='Show the prompts in this language too (one the plan has, e.g. "gn").',
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@with_appcontext
def new_command(
    plan_ref: str,
    title: str,
    owner: str,
    language: str,
    place: str | None,
    held_on,
    question: str | None,
    second_language: str | None,
    as_json: bool,
) -> None:
    """Create a workshop from a plan and print its links."""
    from workshop.accounts.services import get_facilitator
    from workshop.audiences.state import public_links
    from workshop.core.codes import format_code
    from workshop.library.services import plan_by_slug
    from workshop.workshops.services import create_workshop

    _ready()
    try:
        if plan_ref.endswith(".toml") or "/" in plan_ref:
            plan = load_plan(plan_ref, Path(current_app.config["PLANS_DIR"]))
        else:
            plan = plan_by_slug(plan_ref)
        workshop = create_workshop(
            get_facilitator(owner),
            plan,
            title,
            language,
            place,
            held_on.date() if held_on else None,
            question=plan.question.get(language) if question is None else question,
            second_language=second_language,
        )
    except PlanError as error:
        _fail(str(error))
    except DomainError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    result = {"id": workshop.id, "code": format_code(workshop.code), **public_links(workshop)}
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            click.echo(f"{key:16} {value}")


@main.command("demo")
@click.option(
    "--participants",
    default=8,
    type=int,
    show_default=True,
    help="Simulated phones (at most 15: the server's join and note rate limits).",
)
@click.option(
    "--plan",
    "plan_ref",
    default="reform-codesign",
    show_default=True,
    help="Plan slug or path to a .toml file.",
)
@click.option(
    "--url", default=None, help="Address of the running server to drive. Default: WORKSHOP_BASE_URL."
)
@click.option(
    "--pace",
    default=2.0,
    type=float,
    show_default=True,
    help="Seconds between steps, so people watching can follow.",
)
@click.option("--lang", "language", type=click.Choice(["es", "en"]), default="es", show_default=True)
@with_appcontext
def demo_command(participants: int, plan_ref: str, url: str | None, pace: float, language: str) -> None:
    """Play a demo workshop with simulated participants against a running server.

    Creates the workshop (and the demo@workshop.invalid facilitator, with a new
    random password each run), prints its links, then drives it over HTTP and
    Socket.IO through every stage: notes, groups, dots, ratings. Open the
    screen_url on the projector to watch it happen.
    """
    from workshop.demo.client import DemoError, check_server
    from workshop.demo.scenario import MAX_PARTICIPANTS, drive
    from workshop.demo.setup import create_demo_workshop

    if not 1 <= participants <= MAX_PARTICIPANTS:
        _fail(
            f"--participants must be between 1 and {MAX_PARTICIPANTS}: the server lets "
            "one address join 20 times a minute, and the demo's phones all come from here."
        )
    if pace < 0:
        _fail("--pace cannot be negative.")
    url = (url or current_app.config["BASE_URL"]).rstrip("/")
    _ready()
    try:
        check_server(url)
        workshop = create_demo_workshop(plan_ref, language, url)
    except PlanError as error:
        _fail(str(error))
    except DomainError as error:
        _fail(error.message)
    except DemoError as error:
        _fail(str(error))
    for key, value in workshop.links().items():
        click.echo(f"{key:16} {value}")
    click.echo(
        f"Open the screen_url on the projector to watch; driving {url} with "
        f"{participants} simulated participants, {pace:g} s between steps."
    )
    try:
        drive(url, workshop, participants, pace, language, click.echo)
    except DemoError as error:
        _fail(str(error))


@main.command("config")
def config_command() -> None:
    """Print the WORKSHOP_* settings and what they do."""
    for setting in SETTINGS:
        click.echo(f"{setting.env:28} {setting.help}")


def _add_feature_commands() -> None:
    """Commands that live with their feature package."""
    from workshop.importing.commands import import_command
    from workshop.library.commands import plans_command
    from workshop.reports.commands import export_command
    from workshop.synthesis.commands import export_synthesis_command
    from workshop.workshops.commands import close_command, delete_command, question_command

    for command in (
        plans_command,
        export_command,
        import_command,
        export_synthesis_command,
        close_command,
        delete_command,
        question_command,
    ):
        main.add_command(command)


_add_feature_commands()


if __name__ == "__main__":  # `python -m workshop.cli`
    main()
