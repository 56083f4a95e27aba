"""The one clock: naive UTC datetimes in the database, aware ones at the edges."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime, the form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(moment: datetime) -> datetime:
    """Return `moment` as naive UTC; a naive input is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def to_aware(moment: datetime | None) -> datetime | None:
    """Return a stored naive UTC datetime as an aware one (None stays None)."""
    return None if moment is None else moment.replace(tzinfo=UTC)
