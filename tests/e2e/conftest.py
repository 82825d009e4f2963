"""End-to-end fixtures: a real `workshop serve` process and Playwright driving
Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
FACILITATOR = ("ana@example.org", "una clave larga 123")
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "es-PY",
}
DESKTOP = {"viewport": {"width": 1366, "height": 850}, "locale": "es-PY"}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "locale": "es-PY"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def workshop_command(*args: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop.cli", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=True,
        **kwargs,
    )


def workshop_from_plan_text(server: dict, folder, plan_text: str, title: str, name: str = "plan") -> dict:
    """`workshop new --json` on the test server with a plan written from `plan_text`:
    the workshop's id, code, join_url, facilitator_url and screen_url."""
    plan = folder / f"{name}.toml"
    plan.write_text(plan_text)
    done = workshop_command(
        "new", "--plan", str(plan), "--title", title, "--owner", FACILITATOR[0], "--json", env=server["env"]
    )
    return json.loads(done.stdout)


def log_in(page, base_url: str) -> None:
    """Log the facilitator in through the login form, as a person does."""
    page.goto(base_url + "/login")
    page.fill("#email", FACILITATOR[0])
    page.fill("#password", FACILITATOR[1])
    page.click("button[type=submit].primary")


def open_console(page, base_url: str, facilitator_url: str) -> None:
    """Log in, open a workshop's console and wait until it is connected."""
    from playwright.sync_api import expect

    log_in(page, base_url)
    page.goto(facilitator_url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")


@contextmanager
def server_app(server: dict):
    """The database of a running test server, in this process: a room is built with the
    services (tests/factories.py) instead of clicked together; pages load it afterwards.
    Yields the facilitator; every transaction inside is a writer's (BEGIN IMMEDIATE), so
    it waits for the server's writes instead of failing on SQLite's lock."""
    from sqlalchemy import select

    from workshop import create_app
    from workshop.accounts.models import Facilitator
    from workshop.database import writing
    from workshop.extensions import db

    instance = Path(server["instance"])
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "BASE_URL": server["url"],
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'workshop.db'}",
        }
    )
    with app.app_context(), writing(app):
        owner = db.session.scalar(select(Facilitator).where(Facilitator.email == FACILITATOR[0]))
        try:
            yield owner
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run installs it")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """`workshop serve` on a free port with a fresh instance folder and one facilitator.

    A test module may set ``SERVER_ENV`` (a dict of WORKSHOP_* settings) for its server,
    and ``CREATE_FACILITATOR = False`` to start with none (the first-run setup page).
    """
    instance = tmp_path_factory.mktemp("e2e-instance")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "WORKSHOP_INSTANCE_PATH": str(instance),
        "WORKSHOP_BASE_URL": base_url,
        **getattr(request.module, "SERVER_ENV", {}),
    }
    env.pop("WORKSHOP_DATABASE_URL", None)
    if getattr(request.module, "CREATE_FACILITATOR", True):
        workshop_command(
            "create-facilitator", FACILITATOR[0], "--password-stdin", env=env, input=FACILITATOR[1] + "\n"
        )
    log = (instance / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base_url + "/", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start: " + (instance / "server.log").read_text())
    yield {"url": base_url, "env": env, "instance": instance}
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
