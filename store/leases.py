"""Claims that hold across processes: leases on worker loops, and nonces of signed requests.

Leases: one process at a time delivers texts (so one pace holds across
processes) or posts alerts, and a process that dies without a word frees it by expiring.

huey's task locks have no expiry: a worker stopped mid-task (a Heroku restart) would hold
them forever. These do, and the holder renews its lease as it goes. Alarms, in the same
table, book the next wake-up of a loop, so that many wake-ups finding a lease busy schedule
one retry between them, not one each.

Claims on rows: the send worker's outbound texts and the alert poster's alerts are claimed
by one helper, claim_rows.

Nonces: each signed webhook or Slack request is acted on once; see accept_nonce.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from store.clock import utcnow
from store.db import db
from store.models import WebhookNonce, WorkerLease


def claim_rows(model, due, *, order_by: tuple, limit: int, claim: dict) -> list:
    """Claim up to `limit` rows of `model` matching `due` for this worker; return them.

    The rows are chosen in `order_by` order and updated with `claim` (a lease end, an
    attempt count), only while still `due`, in one transaction. On PostgreSQL rows another
    worker holds are skipped (FOR UPDATE SKIP LOCKED); SQLite serialises writers anyway.
    """
    with db.atomic():
        query = model.select(model.id).where(due).order_by(*order_by).limit(limit)
        if db.obj.for_update:
            query = query.for_update(skip_locked=True)
        ids = [row.id for row in query]
        if not ids:
            return []
        model.update(**claim).where(model.id.in_(ids), due).execute()
        # the rows are locked (PostgreSQL) or the database is (SQLite): all were claimed
        return list(model.select().where(model.id.in_(ids)).order_by(*order_by))


def acquire(name: str, holder: str, *, ttl: timedelta) -> bool:
    """Take or renew the lease `name` for `holder` for `ttl`; False when another holds it."""
    now = utcnow()
    with db.atomic():
        _ensure_row(name, now)
        taken = (WorkerLease.update(holder=holder, expires_at=now + ttl)
                 .where(WorkerLease.name == name,
                        (WorkerLease.holder == holder) | (WorkerLease.expires_at < now))
                 .execute())
    return bool(taken)


def renew(name: str, holder: str, *, ttl: timedelta) -> bool:
    """Extend the lease `name` by `ttl` if `holder` still holds it; False once it was lost.

    Unlike acquire(), a lease that already ended is not taken back: another worker may have
    taken it and let it go meanwhile, so the holder must stop, not carry on.
    """
    now = utcnow()
    renewed = (WorkerLease.update(expires_at=now + ttl)
               .where(WorkerLease.name == name, WorkerLease.holder == holder,
                      WorkerLease.expires_at >= now)
               .execute())
    return bool(renewed)


def release(name: str, holder: str) -> None:
    """Give the lease back (only if `holder` still holds it)."""
    (WorkerLease.update(expires_at=utcnow() - timedelta(seconds=1))
     .where(WorkerLease.name == name, WorkerLease.holder == holder).execute())


def ends_at(name: str) -> datetime | None:
    """Return when the lease `name` ends, or None when nobody holds it."""
    row = WorkerLease.get_or_none(WorkerLease.name == name)
    if row is None or row.expires_at < utcnow():
        return None
    return row.expires_at


def book_alarm(name: str, at: datetime) -> bool:
    """Book the wake-up `name` at `at`; False when one is booked already, at `at` or sooner.

    The caller schedules the wake-up only when this returns True. An alarm whose time has
    passed is free again, so a wake-up that got lost costs one alarm period, not more.
    """
    now = utcnow()
    with db.atomic():
        _ensure_row(name, now)
        booked = (WorkerLease.update(holder="alarm", expires_at=at)
                  .where(WorkerLease.name == name,
                         (WorkerLease.expires_at < now) | (WorkerLease.expires_at > at))
                  .execute())
    return bool(booked)


def _ensure_row(name: str, now: datetime) -> None:
    WorkerLease.insert(name=name, holder="", expires_at=now - timedelta(seconds=1)) \
        .on_conflict_ignore().execute()


NONCES_KEPT = timedelta(hours=1)  # well past the 5-minute window in which a signature is accepted


def accept_nonce(nonce: str) -> bool:
    """Record `nonce`; return False when it was seen before (a replay).

    Call it inside the transaction that acts on the webhook: if that rolls back, Vonage's
    retry of the same request is still accepted.

    `nonce` is "kind:what the sender signed" ("sms:", "jwt:", "slack:"). The part after the
    kind is the sender's and may hold anything: a NUL, which PostgreSQL cannot store, or
    more than the column holds, where cutting it would make two requests that differ only
    past the cut one. So it is remembered by its SHA-256: fixed length, hex, collision-free.
    """
    inserted = WebhookNonce.insert(nonce=nonce_key(nonce), seen_at=utcnow()).on_conflict_ignore()
    if db.obj.returning_clause:
        # the row it made, read back: in PostgreSQL's pipeline mode (store/pipeline.py) a row
        # count is known only once the result is read, and reading it is what waits for it
        return bool(list(inserted.returning(WebhookNonce.id).tuples().execute()))
    return bool(inserted.as_rowcount().execute())


def nonce_key(nonce: str) -> str:
    """Return the row that remembers `nonce` (accept_nonce): its kind and the SHA-256 of
    the rest."""
    kind, _, signed = nonce.partition(":")
    digest = hashlib.sha256(signed.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind[:32]}:{digest}"


def forget_old_nonces() -> int:
    """Delete nonces too old to matter; return how many."""
    return WebhookNonce.delete().where(WebhookNonce.seen_at < utcnow() - NONCES_KEPT).execute()
