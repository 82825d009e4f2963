"""Facilitator account operations, shared by the setup form, the login form and the CLI."""

from __future__ import annotations

import re
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from workshop.accounts.models import Facilitator, FacilitatorLogin
from workshop.errors import InvalidInput, NotFound
from workshop.extensions import db

MIN_PASSWORD_LENGTH = 10
LOGIN_KEY = "login"  # session cookie: the token of this logged-in session (FacilitatorLogin)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Werkzeug's strong default. The `PASSWORD_HASH_METHOD` setting exists for the tests, which
# create hundreds of accounts and set a cheap method; a stored hash names its own method,
# so checking a password never depends on the setting.
HASH_METHOD = "scrypt"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """The hash stored for a password, made with the app's `PASSWORD_HASH_METHOD`."""
    return generate_password_hash(
        password, method=current_app.config.get("PASSWORD_HASH_METHOD", HASH_METHOD)
    )


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
    facilitator = Facilitator(email=email, password_hash=hash_password(password))
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


def start_login(facilitator: Facilitator) -> str:
    """Record a new logged-in session; returns the token the session cookie carries."""
    token = secrets.token_urlsafe(32)
    db.session.add(FacilitatorLogin(token=token, facilitator_id=facilitator.id))
    db.session.flush()
    return token


def end_login(token: str | None) -> None:
    """Log this session out for good: its cookie (and any copy) no longer logs anyone in."""
    if token:
        login = db.session.get(FacilitatorLogin, token)
        if login is not None:
            db.session.delete(login)
            db.session.flush()


def facilitator_for_login(facilitator_id: str, token: str | None) -> Facilitator | None:
    """The facilitator a session cookie names, if that session was not logged out."""
    if not facilitator_id.isdigit() or not token:
        return None
    login = db.session.get(FacilitatorLogin, token)
    if login is None or str(login.facilitator_id) != facilitator_id:
        return None
    return db.session.get(Facilitator, login.facilitator_id)
