"""One delivery round: claim what is due, check consent again, hand it to the transport.

Paced to VONAGE_MAX_RPS; passing failures go back in the queue with a growing delay,
permanent ones are recorded. The lease in store.outbox keeps two workers off one message.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import timedelta

from gateway.transports import PermanentError, SmsTransport, TransientError
from store.consent import mark_opt_in_requested
from store.outbox import DEFERRED, claim_due, mark_failed, mark_sent, recheck, retry_later
from store.phones import mask

log = logging.getLogger("smsprefs.delivery")
ASKS_FOR_YES = re.compile(r"\breply\s+[\"'“]?yes\b", re.IGNORECASE)
# One message is claimed at a time, so only the one in flight waits for its lease when a
# worker dies; the lease outlasts the transport's timeout several times over.
LEASE = timedelta(seconds=90)


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


def backoff(attempts: int) -> timedelta:
    """Return the wait before attempt number `attempts + 1`: 1 s, 2 s, 4 s … up to 5 min."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


def deliver_due(transport: SmsTransport, pacer: Pacer, *, budget: float = 50.0,
                batch: int = 1, lease: timedelta = LEASE, zone: str = "America/New_York",
                keep=lambda: True) -> dict[str, int]:
    """Send what is due until nothing is, `budget` seconds pass, or keep() says stop.

    Returns {"sent", "cancelled", "retry", "failed", "next_retry"} where next_retry is the
    shortest delay (seconds) before a retried message is due, or 0.
    """
    counts = {"sent": 0, "cancelled": 0, "retry": 0, "failed": 0, "next_retry": 0}
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline and keep():  # keep() renews this worker's lease
        messages = claim_due(limit=batch, lease=lease)
        if not messages:
            break
        for message in messages:
            _deliver_one(message, transport, pacer, counts, zone)
    return counts


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
        delay = backoff(message.attempts)
        retry_later(message.id, delay=delay, reason=f"retry: {exc}")
        counts["retry"] += 1
        seconds = int(delay.total_seconds())
        counts["next_retry"] = min(counts["next_retry"] or seconds, seconds)
        log.warning("retrying %s in %ss: %s", who, seconds, exc)
        return
    except PermanentError as exc:
        mark_failed(message.id, reason=str(exc))
        counts["failed"] += 1
        log.error("failed %s: %s", who, exc)
        return
    mark_sent(message.id, vonage_message_id=provider_id)
    if ASKS_FOR_YES.search(message.text):
        # a YES within 24 hours of this text is the client's opt-in (SPEC section 4)
        mark_opt_in_requested(message.to)
    counts["sent"] += 1
    log.info("sent %s via %s as %s", who, transport.name, provider_id)
