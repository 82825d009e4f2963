"""Fixtures for tests against a real server: clients that are closed at the end."""

from __future__ import annotations

import pytest

from tests.phones import Clients


@pytest.fixture
def clients():
    with Clients() as opened:
        yield opened
