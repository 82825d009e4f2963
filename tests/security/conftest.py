"""The security tests log in hundreds of times (a cell of the authorisation matrix each,
fuzzed login forms): accounts made here are hashed with one round, so what is measured
is who may act, not scrypt. The real hashing is what the other tests use."""

from __future__ import annotations

import functools

import pytest
from werkzeug.security import generate_password_hash

from workshop.accounts import services


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    monkeypatch.setattr(
        services,
        "generate_password_hash",
        functools.partial(generate_password_hash, method="pbkdf2:sha256:1"),
    )
