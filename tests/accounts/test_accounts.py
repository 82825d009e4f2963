"""Facilitator accounts called directly: the first one only once, input checked."""

from __future__ import annotations

import pytest

from workshop.accounts import services as accounts
from workshop.errors import InvalidInput
from workshop.extensions import db


def test_first_facilitator_only_once(app):
    accounts.create_first_facilitator("Ana@Example.org ", "long enough password")
    db.session.commit()
    with pytest.raises(InvalidInput, match="already done"):
        accounts.create_first_facilitator("other@example.org", "long enough password")
    assert accounts.authenticate("ana@example.org", "long enough password") is not None
    assert accounts.authenticate("ana@example.org", "wrong password!") is None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "long enough password", "valid email"),
        ("ana@example.org", "short", "at least 10"),
    ],
)
def test_facilitator_input_is_checked(app, email, password, message):
    with pytest.raises(InvalidInput, match=message):
        accounts.create_facilitator(email, password)
