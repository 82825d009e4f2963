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
        # pysqlite's own transaction handling begins late and makes the outermost
        # SAVEPOINT's release a COMMIT; take it over so a rollback undoes everything
        # (SQLAlchemy's documented recipe for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


def is_transient_lock_error(error: Exception) -> bool:
    """SQLite's "database is locked" (a writer raced us) or PostgreSQL's serialisation
    failure and deadlock: the whole operation can simply be tried again."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "could not serialize" in text or "deadlock detected" in text


def upgrade_database(app: Flask) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
