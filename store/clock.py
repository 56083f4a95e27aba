"""The one clock: naive UTC datetimes in the database, aware ones at the edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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


def now_or(moment: datetime | None) -> datetime:
    """Return `moment` as naive UTC, or the current time when it is None (a caller's `now=`)."""
    return utcnow() if moment is None else to_naive_utc(moment)


def backoff(attempts: int, *, first: float, cap: float) -> timedelta:
    """Return how long to wait after the `attempts`-th failure: `first` seconds, doubling each
    time, never more than `cap` (the one backoff of the send worker and the alert poster)."""
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), cap))
