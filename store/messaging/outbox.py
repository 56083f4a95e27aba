"""The outbox: outbound texts from acceptance to delivery, drained by the send worker.

A message is accepted only if consent allows it (or recorded as `blocked`), checked again
by recheck() immediately before it is handed to Vonage, and claimed under a lease so that
several workers never hand the same message over at the same time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from peewee import Case

from store.clock import now_or, utcnow
from store.consent.changes import get_state, mark_opt_in_requested, set_carrier_block
from store.db import db, lock_rows
from store.errors import NotFound
from store.leases import claim_rows
from store.messaging.sending import block_reason, check_kind, check_text, decide, next_send_time
from store.models import Alert, OutboundMessage, Phone, Review
from store.phones import try_parse_phone
from store.vocabulary import (
    ALERT_CARRIER_BLOCK,
    CANCELLED,
    DELIVERED,
    FAILED,
    MESSAGE_BLOCKED,
    QUEUED,
    QUIET_HOURS_KINDS,
    REVIEW_CARRIER,
    SCHEDULED,
    SENDING,
    SENT,
    WAITING,
)

CARRIER_OPT_OUT = "9"  # SMS API err-code: the user asked not to receive these messages
# In a Messages API rejection's title or detail: Vonage documents no code for "the recipient
# opted out", so the words are matched; a spam-filter or unroutable rejection is not enough.
OPT_OUT_WORDS = ("opted out", "opted-out", "opt-out", "opt out", "unsubscribed")
FAILED_RECEIPTS = ("failed", "rejected", "undeliverable", "undelivered", "expired")
ASKS_FOR_YES = re.compile(r"\breply\s+[\"'“]?yes\b", re.IGNORECASE)


def get_message(message_id: int) -> OutboundMessage:
    """Return the outbound text `message_id`; raise NotFound when there is none."""
    message = OutboundMessage.get_or_none(OutboundMessage.id == message_id)
    if message is None:
        raise NotFound(f"no message has id {message_id}")
    return message


def public_status(status: str) -> str:
    """Return a message's status as told outside the store: the worker's claim is still queued
    until Vonage accepts the text."""
    return QUEUED if status == SENDING else status


def queue_message(
    *, to: str, text: str, kind: str, automation: str | None = None, actor: str | None = None,
    region: str = "US", fallback_zone: str, now: datetime | None = None,
) -> OutboundMessage:
    """Accept a text for sending, or record why consent refuses it (status `blocked`)."""
    check_kind(kind, automation)
    check_text(text)
    now = now_or(now)
    e164 = try_parse_phone(to, region=region) if isinstance(to, str) else None
    state = get_state(e164) if e164 else None
    decision = decide(state, kind=kind, automation=automation, now=now,
                      fallback_zone=fallback_zone)
    status = (MESSAGE_BLOCKED if not decision.allowed
              else QUEUED if decision.send_at <= now else SCHEDULED)
    return OutboundMessage.create(
        phone=state.phone_id if state else None, to=e164 or str(to)[:40], text=text, kind=kind,
        automation=automation, actor=actor, status=status, reason=decision.reason,
        send_at=decision.send_at or now, created_at=now, updated_at=now)


def _due(now: datetime):
    """Pending and due, or claimed by a worker whose claim ended (it died mid-send)."""
    return ((OutboundMessage.status.in_(WAITING) & (OutboundMessage.send_at <= now))
            | ((OutboundMessage.status == SENDING) & (OutboundMessage.lease_until < now)))


def claim_due(*, limit: int = 50, lease: timedelta = timedelta(minutes=2),
              now: datetime | None = None) -> list[OutboundMessage]:
    """Claim up to `limit` messages that are due, for this worker only, until the lease ends.

    A message whose worker died mid-send is claimed again once its lease ends.
    """
    now = now_or(now)
    # replies that expire (opt-out confirmations, HELP) go before any campaign backlog
    replies_first = Case(None, [(OutboundMessage.expires_at.is_null(False), 0)], 1)
    return claim_rows(OutboundMessage, _due(now), limit=limit,
                      order_by=(replies_first, OutboundMessage.send_at, OutboundMessage.id),
                      claim={"status": SENDING, "lease_until": now + lease,
                             "attempts": OutboundMessage.attempts + 1, "updated_at": now})


def renew_claim(message_id: int, *, held_until: datetime, lease: timedelta) -> datetime | None:
    """Extend the claim on a message being sent; return its new end, None if it was lost.

    `held_until` is the end this worker last set: a worker that claimed the message again
    after the lease ended has set another, and the claim is then its, not ours.
    """
    until = utcnow() + lease
    renewed = (OutboundMessage.update(lease_until=until)
               .where(OutboundMessage.id == message_id, OutboundMessage.status == SENDING,
                      OutboundMessage.lease_until == held_until)
               .execute())
    return until if renewed else None


DEFERRED = "deferred"


def anything_due(*, now: datetime | None = None) -> bool:
    """Return whether a message is waiting to be sent now (or claimed by a worker that died)."""
    now = now_or(now)
    return OutboundMessage.select().where(_due(now)).exists()


def next_due_at(*, within: timedelta, now: datetime | None = None) -> datetime | None:
    """Return when the next message falls due within `within`, or None.

    That is a retry or a scheduled text coming due, or the claim of a message in flight
    ending (if its worker died, the message is then claimed again).
    """
    now = now_or(now)
    horizon = now + within
    retry = (OutboundMessage.select(OutboundMessage.send_at)
             .where(OutboundMessage.status.in_(WAITING), OutboundMessage.send_at > now,
                    OutboundMessage.send_at <= horizon)
             .order_by(OutboundMessage.send_at).first())
    claim = (OutboundMessage.select(OutboundMessage.lease_until)
             .where(OutboundMessage.status == SENDING, OutboundMessage.lease_until >= now,
                    OutboundMessage.lease_until <= horizon)
             .order_by(OutboundMessage.lease_until).first())
    times = [*([retry.send_at] if retry else []), *([claim.lease_until] if claim else [])]
    return min(times) if times else None


def recheck(message: OutboundMessage, *, now: datetime | None = None,
            fallback_zone: str) -> str | None:
    """Check consent and the hour again right before sending; say why not, if not.

    Refused by consent: cancelled, and the reason returned. A confirmation that could not
    leave within 5 minutes of the client's text is dropped ("expired"). Outside the
    recipient's texting day (a backlog or a retry ran late): rescheduled, "deferred".
    """
    now = now_or(now)
    reason = None
    if message.expires_at and now > message.expires_at:
        reason = "expired"
    elif try_parse_phone(message.to) is None:
        reason = "invalid_number"
    else:
        reason = block_reason(get_state(message.to), kind=message.kind,
                              automation=message.automation,
                              include_unknown=bool(message.campaign_id
                                                   and message.campaign.include_unknown))
    if reason:
        _finish(message.id, status=CANCELLED, reason=reason)
        return reason
    if message.kind in QUIET_HOURS_KINDS:
        send_at = next_send_time(message.to, now, fallback_zone)
        if send_at > now:
            (OutboundMessage.update(status=SCHEDULED, send_at=send_at, lease_until=None,
                                    updated_at=now)
             .where(OutboundMessage.id == message.id).execute())
            return DEFERRED
    return None


def mark_sent(message_id: int, *, vonage_message_id: str | None) -> None:
    """Record that Vonage accepted the message (one transaction, safe to repeat).

    A text asking the client to reply YES opens the 24 hours in which a YES is the client's
    opt-in (SPEC section 4).
    """
    with db.atomic():
        _finish(message_id, status=SENT, reason=None, vonage_message_id=vonage_message_id,
                sent_at=utcnow())
        sent = (OutboundMessage.select(OutboundMessage.to, OutboundMessage.text)
                .where(OutboundMessage.id == message_id).first())
        if sent and ASKS_FOR_YES.search(sent.text):
            mark_opt_in_requested(sent.to)


def mark_failed(message_id: int, *, reason: str) -> None:
    """Record that the message will not be sent (a permanent error)."""
    _finish(message_id, status=FAILED, reason=reason[:40])


def retry_later(message_id: int, *, delay: timedelta, reason: str) -> None:
    """Put the message back in the queue after a passing failure (throttled, 5xx, timeout)."""
    now = utcnow()
    (OutboundMessage.update(status=QUEUED, send_at=now + delay, lease_until=None,
                            reason=reason[:40], updated_at=now)
     .where(OutboundMessage.id == message_id, OutboundMessage.status == SENDING).execute())


def _finish(message_id: int, **fields) -> None:
    (OutboundMessage.update(lease_until=None, updated_at=utcnow(), **fields)
     .where(OutboundMessage.id == message_id).execute())


def is_carrier_opt_out(*, status: str, err_code: str | None = None, rejection: str = "") -> bool:
    """Return whether a receipt says the network holds an opt-out for the phone: the SMS API's
    err-code 9, or a Messages API rejection whose title or detail (`rejection`) says so."""
    if status == "rejected" and any(w in rejection.lower() for w in OPT_OUT_WORDS):
        return True
    return str(err_code) == CARRIER_OPT_OUT and status in FAILED_RECEIPTS


def record_receipt(*, vonage_message_id: str, status: str, err_code: str | None = None,
                   rejection: str = "") -> bool:
    """Apply a delivery receipt; return False when no message has that Vonage id.

    A carrier opt-out (is_carrier_opt_out) marks the phone carrier_blocked and records a
    review and its alert.
    """
    delivered = status in (DELIVERED, "read")
    failed = status in FAILED_RECEIPTS
    code = CARRIER_OPT_OUT if is_carrier_opt_out(status=status, err_code=err_code,
                                                 rejection=rejection) else err_code
    with db.atomic():
        message = (lock_rows(OutboundMessage.select()
                             .where(OutboundMessage.vonage_message_id == vonage_message_id))
                   .first())
        if message is None:
            return False
        new_status = DELIVERED if delivered else FAILED if failed else message.status
        if message.status != DELIVERED:  # delivered is final: a late receipt changes nothing
            (OutboundMessage.update(status=new_status,
                                    reason=f"receipt:{status}:{code}"[:40] if failed
                                    else OutboundMessage.reason, updated_at=utcnow())
             .where(OutboundMessage.id == message.id).execute())
        if code == CARRIER_OPT_OUT:
            block_at_carrier(message.to)
    return True


def block_at_carrier(e164: str) -> None:
    """Mark the phone blocked at the network, and ask a person to review it."""
    event_ids = set_carrier_block(e164, blocked=True)
    if not event_ids:
        return  # already blocked: one review, one alert
    phone = Phone.get(Phone.e164 == e164)
    review = Review.create(phone=phone, kind=REVIEW_CARRIER)
    Alert.insert(kind=ALERT_CARRIER_BLOCK, phone=phone, event=event_ids[0], review=review).execute()
