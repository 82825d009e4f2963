"""Passwords are hashed with a strong method unless the app says otherwise (tests do)."""

from __future__ import annotations

from workshop.accounts.services import authenticate, create_facilitator, hash_password


def test_the_default_method_is_strong(app):
    app.config.pop("PASSWORD_HASH_METHOD")
    assert hash_password("correct horse battery").startswith("scrypt:")


def test_the_tests_cheap_method_still_logs_in(app):
    account = create_facilitator("rosa@example.org", "correct horse battery")
    assert account.password_hash.startswith("pbkdf2:sha256:1$")
    assert authenticate("rosa@example.org", "correct horse battery") == account
    assert authenticate("rosa@example.org", "wrong horse battery") is None
