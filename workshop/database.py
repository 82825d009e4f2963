"""Engine settings and schema upgrades for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event


def configure_engine_options(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # the scheme some hosts hand out
        uri = "postgresql+psycopg://" + uri.removeprefix("postgres://")
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        # Socket.IO handlers run on many threads; SQLite waits instead of failing on a lock.
        options.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 10)
        options.setdefault("max_overflow", 20)


def enable_sqlite_pragmas(app: Flask) -> None:
    """WAL lets readers (every phone's state) run while one writer commits a note."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from workshop.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def upgrade_database(app: Flask) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)


