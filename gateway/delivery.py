"""One delivery round: claim what is due, check consent again, hand it to the transport.

Paced to VONAGE_MAX_RPS; passing failures go back in the queue with a growing delay,
permanent ones are recorded. The claim in store.messaging.outbox keeps two workers off one message;
a heartbeat renews it while the text is in flight, so the claim of a worker that died ends
within LEASE, and a live worker keeps it however long one send takes. What became of a
send is recorded through a database blip (retried, the claim kept alive meanwhile): a
claim left to end would send an accepted text a second time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from gateway.transports import PermanentError, SmsTransport, TransientError
from store.clock import backoff
from store.db import ConnectionLost, DatabaseError, connection, reconnect
from store.messaging import (
    DEFERRED,
    claim_due,
    mark_failed,
    mark_sent,
    recheck,
    renew_claim,
    retry_later,
)
from store.phones import mask

log = logging.getLogger("smsprefs.delivery")
# A claim on a message, renewed every RENEW_EVERY seconds while its worker lives: a worker
# killed mid-send frees its message within LEASE, a slow send (the transport waits up to
# 10 s to connect and 10 s to read) keeps it.
LEASE = timedelta(seconds=8)
RENEW_EVERY = 2.0  # four beats to a lease: a beat or two late (a busy database) loses nothing
# A thread holding a lease this long is stuck (a round lasts 50 s, a send at most about
# 20 s, recording it at most RECORD_FOR): its leases are no longer renewed, so they end.
MAX_HOLD = 240.0
# How long the outcome of a send is retried through a database outage (PostgreSQL
# restarting or failing over takes seconds to a minute), and the longest wait between tries.
RECORD_FOR = 120.0
RECORD_BACKOFF_MAX = 2.0


class Heartbeat:
    """Renew leases every `every` seconds, on a thread of its own, while the block runs.

    hold(key, renew) adds a lease (renew() returns False once it was lost) and drop(key)
    removes it; holds(key) says whether it is still held. A lease held past `max_hold` is
    no longer renewed: a thread stuck that long must not keep other workers waiting.
    """

    def __init__(self, *, every: float = RENEW_EVERY, max_hold: float = MAX_HOLD):
        self.every = every
        self.max_hold = max_hold
        self._held: dict[str, tuple[Callable[[], bool], float]] = {}
        self._lost: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """Renew nothing more (waiting briefly for a renewal under way)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.every + 5)

    def hold(self, key: str, renew: Callable[[], bool]) -> None:
        with self._lock:
            self._held[key] = (renew, time.monotonic())
            self._lost.discard(key)

    def drop(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)

    def holds(self, key: str) -> bool:
        with self._lock:
            return key not in self._lost

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with connection():
                    self._beat()
            except DatabaseError as exc:
                log.warning("could not renew leases (%s); trying again in %ss",
                            _first_line(exc), self.every)

    def _beat(self) -> None:
        with self._lock:
            held = list(self._held.items())
        for key, (renew, since) in held:
            if self._stop.is_set():
                return
            if time.monotonic() - since > self.max_hold:
                log.error("%s held for over %ss: no longer renewed", key, self.max_hold)
                lost = True
            else:
                lost = not renew()
            if lost:
                with self._lock:
                    self._held.pop(key, None)
                    self._lost.add(key)


class Pacer:
    """Space calls at least 1/rate seconds apart (one pacer per process, shared by threads)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            time.sleep(delay)


def deliver_due(transport: SmsTransport, pacer: Pacer, *, budget: float = 50.0,
                batch: int = 1, lease: timedelta = LEASE, zone: str,
                keep=lambda: True, heartbeat: Heartbeat | None = None) -> dict[str, int]:
    """Send what is due until nothing is, `budget` seconds pass, or keep() says stop.

    Claims are renewed by `heartbeat` (by one of its own when not given). Returns the
    counts {"sent", "cancelled", "retry", "failed"}.
    """
    if heartbeat is None:
        with Heartbeat(every=min(RENEW_EVERY, lease.total_seconds() / 3)) as own:
            return deliver_due(transport, pacer, budget=budget, batch=batch, lease=lease,
                               zone=zone, keep=keep, heartbeat=own)
    counts = {"sent": 0, "cancelled": 0, "retry": 0, "failed": 0}
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline and keep():  # keep(): this worker still holds its lease
        messages = claim_due(limit=batch, lease=lease)
        if not messages:
            break
        for message in messages:
            heartbeat.hold(_claim_key(message), _claim_renewal(message, lease))
        try:
            for message in messages:
                _deliver_one(message, transport, pacer, counts, zone)
        finally:
            for message in messages:
                heartbeat.drop(_claim_key(message))
    return counts


def _claim_key(message) -> str:
    return f"message {message.id}"


def _claim_renewal(message, lease: timedelta) -> Callable[[], bool]:
    held_until = message.lease_until

    def renew() -> bool:
        nonlocal held_until
        renewed = renew_claim(message.id, held_until=held_until, lease=lease)
        if renewed is None:
            return False
        held_until = renewed
        return True

    return renew


def _deliver_one(message, transport: SmsTransport, pacer: Pacer, counts: dict,
                 zone: str) -> None:
    who = f"message {message.id} ({message.kind}) to {mask(message.to)}"
    reason = recheck(message, fallback_zone=zone)
    if reason == DEFERRED:
        log.info("deferred %s to the recipient's texting hours", who)
        return
    if reason:
        counts["cancelled"] += 1
        log.info("cancelled %s: %s", who, reason)
        return
    pacer.wait()
    try:
        provider_id = transport.send(to=message.to, text=message.text, client_ref=str(message.id))
    except TransientError as exc:
        # 1 s, 2 s, 4 s … up to 5 minutes between tries
        delay, why = backoff(message.attempts, first=1, cap=300), f"retry: {exc}"
        record(lambda: retry_later(message.id, delay=delay, reason=why), who)
        counts["retry"] += 1
        log.warning("retrying %s in %ss: %s", who, int(delay.total_seconds()), exc)
        return
    except PermanentError as exc:
        why = str(exc)
        record(lambda: mark_failed(message.id, reason=why), who)
        counts["failed"] += 1
        log.error("failed %s: %s", who, exc)
        return
    record(lambda: mark_sent(message.id, vonage_message_id=provider_id), who)
    counts["sent"] += 1
    log.info("sent %s via %s as %s", who, transport.name, provider_id)


def record(write: Callable[[], None], who: str, *, patience: float | None = None) -> None:
    """Run `write`, the outcome of a send of `who`, retrying through a database blip.

    The text has left (or Vonage answered): giving up here would leave the message claimed
    until its claim ends, and then send it again. So a lost connection is reopened and the
    write tried again, with a short backoff, for RECORD_FOR seconds; the caller's heartbeat
    keeps the claim alive meanwhile. No transaction is open across the send itself.
    """
    deadline = time.monotonic() + (RECORD_FOR if patience is None else patience)
    wait = 0.2
    while True:
        try:
            write()
            return
        except ConnectionLost as exc:
            if time.monotonic() + wait > deadline:
                log.error("could not record what became of %s (%s): it may be sent again "
                          "when its claim ends", who, _first_line(exc))
                raise
            log.warning("could not record what became of %s (%s); trying again in %.1fs",
                        who, _first_line(exc), wait)
            time.sleep(wait)
            reconnect()
            wait = min(wait * 2, RECORD_BACKOFF_MAX)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
