"""The server's clock. Timestamps are stored as naive UTC (SQLite has no time zones)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC, without a time zone, as every table stores it."""
    return datetime.now(UTC).replace(tzinfo=None)
