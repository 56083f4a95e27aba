"""Leases on worker loops: one process at a time delivers texts (so one pace holds across
processes) or posts alerts, and a process that dies without a word frees it by expiring.

huey's task locks have no expiry: a worker stopped mid-task (a Heroku restart) would hold
them forever. These do, and the holder renews its lease as it goes.
"""

from __future__ import annotations

from datetime import timedelta

from store.clock import utcnow
from store.db import db
from store.models import WorkerLease


def acquire(name: str, holder: str, *, ttl: timedelta) -> bool:
    """Take or renew the lease `name` for `holder` for `ttl`; False when another holds it."""
    now = utcnow()
    with db.atomic():
        WorkerLease.insert(name=name, holder=holder, expires_at=now - timedelta(seconds=1)) \
            .on_conflict_ignore().execute()
        taken = (WorkerLease.update(holder=holder, expires_at=now + ttl)
                 .where(WorkerLease.name == name,
                        (WorkerLease.holder == holder) | (WorkerLease.expires_at < now))
                 .execute())
    return bool(taken)


def release(name: str, holder: str) -> None:
    """Give the lease back (only if `holder` still holds it)."""
    (WorkerLease.update(expires_at=utcnow() - timedelta(seconds=1))
     .where(WorkerLease.name == name, WorkerLease.holder == holder).execute())
