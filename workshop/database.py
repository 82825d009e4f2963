"""Engine settings and schema upgrades for SQLite (the embedded default) and PostgreSQL.

SQLite allows one writer at a time. A unit of work that will write (`writing()`) takes
the process's write lock, then begins with `BEGIN IMMEDIATE`, so it holds SQLite's
write lock from its first statement: writers of this process queue on a Python lock
(fairly, without SQLite's polling busy handler), readers never wait (WAL), and no
transaction ever has to upgrade a stale read snapshot to a write — the cause of
"database is locked" errors that no busy timeout can wait out. Writers in other
processes (a CLI command beside the server) are waited for by SQLite's busy timeout.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from workshop.extensions import db, socketio

T = TypeVar("T")
ATTEMPTS = 3

_writing: ContextVar[bool] = ContextVar("writing", default=False)
POOL_SIZE, POOL_OVERFLOW = 10, 20
# PostgreSQL: how many writers of this process run at once. A burst of 400 taps would
# otherwise take every pooled connection, most of them only to wait on a row lock
# (one participant's taps serialise on their row); queued here, they hold nothing.
WRITERS_AT_ONCE = POOL_SIZE


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
        options.setdefault("pool_size", POOL_SIZE)
        options.setdefault("max_overflow", POOL_OVERFLOW)
        # Writers queue on WRITERS_AT_ONCE (below) before they take a connection, so a
        # wait here means readers are many; let them wait rather than fail.
        options.setdefault("pool_timeout", 120)
    app.extensions["workshop.writers"] = threading.BoundedSemaphore(
        1 if uri.startswith("sqlite") else WRITERS_AT_ONCE
    )


def enable_sqlite_pragmas(app: Flask) -> None:
    """WAL lets readers (every phone's state) run while one writer commits a note."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


@contextlib.contextmanager
def writing(app: Flask) -> Iterator[None]:
    """Mark a unit of work as a writer (see the module's docstring) and queue it.

    SQLite: one writer at a time in this process, its transaction begun IMMEDIATE.
    PostgreSQL: at most WRITERS_AT_ONCE writers at a time (row locks and MVCC do the
    rest). The caller must not be inside a transaction yet: the next one this thread or
    greenlet begins is the writer's. With gevent's monkey-patching the queue is
    cooperative.
    """
    if _writing.get():
        yield  # already inside this writer's unit of work
        return
    with app.extensions["workshop.writers"]:
        token = _writing.set(True)
        try:
            yield
        finally:
            _writing.reset(token)


def is_transient_lock_error(error: Exception) -> bool:
    """SQLite's "database is locked" (a writer raced us) or PostgreSQL's serialisation
    failure and deadlock: the whole operation can simply be tried again."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "could not serialize" in text or "deadlock detected" in text


def commit_with_retries(work: Callable[[], T], attempts: int = ATTEMPTS, writes: bool = True) -> T:
    """Run `work` and commit; on a transient lock error roll back and run it again.

    Each attempt starts a fresh transaction (whatever the caller read before is
    expired and read again inside it); a writer (`writes`, the default) takes the
    database's write lock at its start on SQLite (see `workshop.database`). So
    everything the unit changes must happen inside `work`.
    """
    app = current_app._get_current_object()
    for attempt in range(attempts):
        db.session.rollback()
        try:
            with writing(app) if writes else contextlib.nullcontext():
                result = work()
                db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            if attempt + 1 == attempts or not is_transient_lock_error(error):
                raise
            socketio.sleep(0.05 * (attempt + 1))  # cooperative under gevent
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("attempts must be at least 1")


def upgrade_database(app: Flask) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
