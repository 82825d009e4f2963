"""Fixtures: a throwaway database (SQLite, and PostgreSQL when
WORKSHOP_TEST_DATABASE_URL is set: every database test then runs on both),
the app, clients, and small factories."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from workshop import create_app
from workshop.database import upgrade_database
from workshop.extensions import db
from workshop.plans import load_plan

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite"]
if os.environ.get("WORKSHOP_TEST_DATABASE_URL"):
    BACKENDS.append("postgresql")


def _postgres_url(schema: str) -> str:
    url = os.environ["WORKSHOP_TEST_DATABASE_URL"]
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database for the whole run, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        schema = None
    else:
        schema = f"test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(
            os.environ["WORKSHOP_TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        )
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _postgres_url(schema)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        }
    )
    upgrade_database(app)
    with app.app_context():
        db.engine.dispose()
    yield url
    if schema:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BASE_URL": "http://workshop.test",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "LIVE_COALESCE_SECONDS": 0,  # send coalesced updates at once, so tests can see them
        "TESTING": True,
    }


@pytest.fixture
def app(database_url, app_config):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A browser asking for English, so assertions read the source strings."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def plans_dir() -> Path:
    return ROOT / "sessions"


@pytest.fixture
def plan(plans_dir):
    """pd-discovery: 0 discuss, 1 write, 2 write with lanes, ... 6 vote."""
    return load_plan("pd-discovery", plans_dir)


@pytest.fixture
def facilitator(app):
    from workshop.accounts.services import create_facilitator

    account = create_facilitator("ana@example.org", "correct horse battery")
    db.session.commit()
    return account


@pytest.fixture
def make_workshop(app, facilitator, plan):
    from workshop.workshops.services import change_stage, create_workshop

    def make(title: str = "USF San Lorenzo", stage: int = 1, language: str = "es", **kwargs):
        workshop = create_workshop(facilitator, kwargs.pop("plan", plan), title, language, **kwargs)
        if stage:
            change_stage(workshop, facilitator, stage)
        db.session.commit()
        return workshop

    return make


@pytest.fixture
def workshop(make_workshop):
    """A workshop on its first write stage (index 1)."""
    return make_workshop()


@pytest.fixture
def make_participant(app):
    from workshop.workshops.services import join_workshop

    def make(workshop, name: str | None = None):
        participant = join_workshop(workshop, name)
        db.session.commit()
        return participant

    return make


@pytest.fixture
def participant(workshop, make_participant):
    return make_participant(workshop)


def new_client_id() -> str:
    return uuid.uuid4().hex
