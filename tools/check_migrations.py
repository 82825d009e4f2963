"""Check that the Alembic migrations build the schema the models describe.

Migrates a fresh, temporary SQLite database with the app's migrations, then asks
Alembic's autogenerate what it would still change to reach the models' metadata.
Anything it finds means a model changed without a migration (or the reverse).
With WORKSHOP_TEST_DATABASE_URL set (as in CI), PostgreSQL is checked too, in a
throwaway schema.

Run: .venv/bin/python tools/check_migrations.py   (exit status 1 on a difference)
"""

from __future__ import annotations

import contextlib
import os
import pprint
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from workshop import create_app
from workshop.database import upgrade_database
from workshop.extensions import db


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A throwaway schema; yields a URL whose connections use it."""
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"check_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def differences(database_url: str, folder: Path) -> list[object]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "check-migrations",
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    upgrade_database(app)
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "compare_server_default": True, "render_as_batch": True},
        )
        found = compare_metadata(context, db.metadata)
        db.engine.dispose()
    return list(found)


def check(name: str, database_url: str, folder: Path) -> bool:
    found = differences(database_url, folder)
    if not found:
        print(f"{name}: migrations match the models")
        return True
    print(f"{name}: the migrations do not build the schema the models describe. Alembic would still do:")
    for difference in found:
        print("  " + pprint.pformat(difference, width=100).replace("\n", "\n    "))
    return False


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="workshop-migrations-") as name:
        folder = Path(name)
        ok = check("SQLite", f"sqlite:///{folder / 'check.db'}", folder)
        if postgres := os.environ.get("WORKSHOP_TEST_DATABASE_URL"):
            with postgres_schema(postgres) as url:
                ok = check("PostgreSQL", url, folder) and ok
    if ok:
        return 0
    print(
        "\nAdd a migration for the model change: `.venv/bin/workshop db revision --autogenerate "
        "-m '...'` (Flask-Migrate), check it by hand (SQLite needs batch mode), then run this again."
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
