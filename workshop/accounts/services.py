"""Facilitator account operations, shared by the setup form, the login form and the CLI."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from workshop.accounts.models import Facilitator
from workshop.errors import InvalidInput, NotFound
from workshop.extensions import db

MIN_PASSWORD_LENGTH = 10
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def facilitator_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Facilitator)) or 0


def create_facilitator(email: str, password: str) -> Facilitator:
    """Create a facilitator account.

    Raises InvalidInput for a malformed email, a short password or an email
    already in use.
    """
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise InvalidInput(_("Enter a valid email address."))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("The password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    if find_facilitator(email) is not None:
        raise InvalidInput(_("A facilitator with this email already exists."))
    facilitator = Facilitator(email=email, password_hash=generate_password_hash(password))
    db.session.add(facilitator)
    db.session.flush()
    return facilitator


def create_first_facilitator(email: str, password: str) -> Facilitator:
    """Create the very first account; refused once any facilitator exists.

    The setup form is reachable without logging in, so it must close itself.
    """
    if facilitator_count() > 0:
        raise InvalidInput(_("Setup is already done: log in instead."))
    return create_facilitator(email, password)


def find_facilitator(email: str) -> Facilitator | None:
    return db.session.scalar(select(Facilitator).where(Facilitator.email == normalise_email(email)))


def get_facilitator(email: str) -> Facilitator:
    """Raises NotFound when no facilitator has this email."""
    facilitator = find_facilitator(email)
    if facilitator is None:
        raise NotFound(_("No facilitator with email %(email)s.", email=normalise_email(email)))
    return facilitator


def authenticate(email: str, password: str) -> Facilitator | None:
    """Return the facilitator when the password matches, else None."""
    facilitator = find_facilitator(email)
    if facilitator is None or not check_password_hash(facilitator.password_hash, password or ""):
        return None
    return facilitator
