"""Fixtures: a throwaway database (SQLite, and PostgreSQL when
WORKSHOP_TEST_DATABASE_URL is set: every database test then runs on both),
the app, clients, and fixtures around the factories of tests/factories.py."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests import factories
from workshop import create_app
from workshop.database import upgrade_database
from workshop.extensions import db
from workshop.plans import load_plan

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
        # Real password hashing (scrypt) costs ~0.1 s per account and login; tests check
        # behaviour, not the hash's strength.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
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
def logged_in_client(client, facilitator):
    """The test client, logged in as the `facilitator`."""
    return factories.logged_in(client)


@pytest.fixture
def plans_dir():
    return factories.PLANS_DIR


@pytest.fixture
def plan(plans_dir):
    """pd-discovery: 0 discuss, 1 write, 2 write with lanes, ... 6 vote."""
    return load_plan("pd-discovery", plans_dir)


@pytest.fixture
def facilitator(app):
    """ana@example.org, password `factories.PASSWORD`."""
    return factories.facilitator()


@pytest.fixture
def make_workshop(app, facilitator, plan):
    """Workshops of `facilitator`, pd-discovery unless `plan=`, on stage 1 unless `stage=`."""

    def make(title: str = "USF San Lorenzo", stage: int = 1, language: str = "es", **kwargs):
        return factories.workshop_from_plan(
            facilitator, kwargs.pop("plan", plan), title, stage, language, **kwargs
        )

    return make


@pytest.fixture
def workshop(make_workshop):
    """A workshop on its first write stage (index 1)."""
    return make_workshop()


@pytest.fixture
def make_participant(app):
    return factories.participant


@pytest.fixture
def participant(workshop, make_participant):
    return make_participant(workshop)
