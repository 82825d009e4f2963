"""The demo account and workshop: the only direct database writes of the demo."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

DEMO_EMAIL = "demo@workshop.invalid"


@dataclass(frozen=True)
class DemoWorkshop:
    """What the driver needs from the database, as plain values (no open session)."""

    id: int
    code: str
    join_url: str
    facilitator_url: str
    screen_url: str
    email: str
    password: str
    stages: int

    def links(self) -> dict[str, Any]:
        """The same fields, in the same order, as `workshop new` prints."""
        return {
            "id": self.id,
            "code": self.code,
            "join_url": self.join_url,
            "facilitator_url": self.facilitator_url,
            "screen_url": self.screen_url,
        }


def demo_facilitator(password: str):
    """Create the demo account, or give the existing one this run's password.

    A fresh random password each run means no fixed credential ever exists on
    a server where the demo was once run; the driver is the only one who knows it.
    """
    from workshop.accounts.services import create_facilitator, find_facilitator, hash_password
    from workshop.extensions import db

    facilitator = find_facilitator(DEMO_EMAIL)
    if facilitator is None:
        return create_facilitator(DEMO_EMAIL, password)
    facilitator.password_hash = hash_password(password)
    db.session.flush()
    return facilitator


def create_demo_workshop(plan_ref: str, language: str, base_url: str) -> DemoWorkshop:
    """Create the account and the workshop, commit, and return plain values.

    Needs an app context. Links are built from `base_url` (the server the demo
    drives), so they open the workshop the phones are in. The session is closed
    afterwards: the server, not this process, writes from here on.
    Raises PlanError or DomainError.
    """
    from flask import current_app

    from workshop.audiences.state import public_links
    from workshop.core.codes import format_code
    from workshop.extensions import db
    from workshop.plans import load_plan
    from workshop.workshops.services import create_workshop

    plan = load_plan(plan_ref, Path(current_app.config["PLANS_DIR"]))
    password = secrets.token_urlsafe(24)
    try:
        facilitator = demo_facilitator(password)
        title = f"Demo · {plan.text('title', language)}"[:200]
        workshop = create_workshop(
            facilitator, plan, title, language, "Demo", date.today(), question=plan.question.get(language)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    configured = current_app.config["BASE_URL"]
    current_app.config["BASE_URL"] = base_url  # only this process's app: links point to --url
    try:
        links = public_links(workshop)
    finally:
        current_app.config["BASE_URL"] = configured
    result = DemoWorkshop(
        id=workshop.id,
        code=format_code(workshop.code),
        email=DEMO_EMAIL,
        password=password,
        stages=len(plan.stages),
        **links,
    )
    db.session.close()
    return result
