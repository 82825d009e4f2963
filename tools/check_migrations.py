"""Check that the Alembic migrations build the schema the models describe.

Migrates a fresh, temporary SQLite database with the app's migrations, then asks
Alembic's autogenerate what it would still change to reach the models' metadata.
Anything it finds means a model changed without a migration (or the reverse).

Run: .venv/bin/python tools/check_migrations.py   (exit status 1 on a difference)
"""

from __future__ import annotations

import pprint
import sys
import tempfile
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from workshop import create_app
from workshop.database import upgrade_database
from workshop.extensions import db


def differences(folder: Path) -> list[object]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'check.db'}",
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


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="workshop-migrations-") as folder:
        found = differences(Path(folder))
    if not found:
        print("migrations match the models")
        return 0
    print("The migrations do not build the schema the models describe. Alembic would still do:")
    for difference in found:
        print("  " + pprint.pformat(difference, width=100).replace("\n", "\n    "))
    print(
        "\nAdd a migration for the model change: `.venv/bin/workshop db revision --autogenerate "
        "-m '...'` (Flask-Migrate), check it by hand (SQLite needs batch mode), then run this again."
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
