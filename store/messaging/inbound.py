"""An inbound text, read once: recorded, classified, and everything it causes.

receive_text() does it all in one transaction, so the gateway answers Vonage only once
the consent change, its events, the reply to send and the alert to post are durable.
A repeated provider id (Vonage retries for 24 hours) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peewee import fn

from store.classifier import classify
from store.clock import to_naive_utc, utcnow
from store.consent import chain
from store.consent.changes import (
    ChangeResult,
    apply_client_intent,
    ensure_phones,
    locked_state,
    state_from_rows,
    yes_means_opt_in,
)
from store.consent.history import EventContext
from store.consent.rules import ConsentState
from store.controls import PROSE_CONTROLS
from store.db import db, lock_rows
from store.leases import accept_nonce
from store.messaging.alerts import record_alert
from store.messaging.inbound_rows import record_asking_nothing
from store.messaging.replies import (
    ReplySettings,
    confirmed_recently,
    help_reply,
    opt_in_confirmation,
    opt_out_confirmation,
    queue_reply,
)
from store.models import InboundMessage, InboundPart, OutboundMessage, Phone, Review
from store.phones import parse_msisdn
from store.pipeline import pipelined_transaction
from store.rows import get_by, insert_returning
from store.vocabulary import (
    ALERT_REVIEW,
    ALL,
    CONFIRMATION,
    HELP,
    HELP_REPLY,
    NONE,
    OPT_IN,
    OPT_OUT,
    OPTED_OUT,
    REVIEW,
    REVIEW_TEXT,
)

MAX_INBOUND_TEXT = 10_000  # far beyond any real SMS; a longer body is cut, never refused
# A sender's clock more than a day off is not believed (SPEC section 5): the receipt time is.
PLAUSIBLE = timedelta(days=1)
# The one reading the sender's context changes: a bare YES is an opt-in after their STOP
# or our request to opt in (yes_means_opt_in), and means nothing otherwise.
YES_WITHOUT_CONTEXT = "yes_without_context"


def clean_text(text: str | None) -> str:
    """Return a client's text without control characters, cut to MAX_INBOUND_TEXT."""
    # NUL cannot be stored in PostgreSQL, and no control character but tab, line feed and
    # carriage return is something a client wrote (SPEC section 5)
    return PROSE_CONTROLS.sub("", text or "")[:MAX_INBOUND_TEXT]


def plausible_time(moment: datetime | None, now: datetime) -> datetime:
    """Return `moment` as naive UTC, or `now` when it is missing or more than a day off."""
    if moment is None:
        return now
    try:
        moment = to_naive_utc(moment)
    except (OverflowError, ValueError):
        return now
    return moment if abs(moment - now) <= PLAUSIBLE else now


@dataclass
class InboundResult:
    """What one inbound text caused."""

    message: InboundMessage | None
    duplicate: bool = False
    change: ChangeResult | None = None
    reply: OutboundMessage | None = None
    review: Review | None = None
    alerts: list[int] = field(default_factory=list)


def receive_text(
    *, provider_id: str, from_number: str, text: str, to_number: str | None = None,
    received_at: datetime | None = None, settings: ReplySettings | None = None,
    nonce: str | None = None,
) -> InboundResult:
    """Record and act on one inbound text; a provider id seen before changes nothing.

    `nonce`, a signed webhook's (store.leases.accept_nonce), is remembered with the text,
    committed or not with it: a nonce seen before changes nothing either (the result says
    duplicate). Run outside a transaction, this makes the text's own, so that a text that
    asks for nothing is one statement on PostgreSQL with its nonce as without it.
    """
    settings = settings or ReplySettings()
    now = utcnow()
    # and never later than now: a sender's clock ahead must not date the opt-out in the future
    # nor stretch its confirmation's five minutes
    received_at = min(plausible_time(received_at, now), now)
    text = clean_text(text)
    e164 = parse_msisdn(from_number)
    found = classify(text)  # the sender's context can change only a bare YES (below)
    values = {"provider_id": provider_id, "from_number": from_number, "to_number": to_number,
              "text": text, "received_at": received_at, "intent": found.intent,
              "scope": found.scope, "rule": found.rule, "classifier_version": found.version}
    if (e164 and found.intent == NONE and found.rule != YES_WITHOUT_CONTEXT
            and db.obj.returning_clause):
        message = record_asking_nothing(values, e164, nonce=nonce)
        return InboundResult(message=message, duplicate=message is None)
    with pipelined_transaction():
        # The nonce before the chain's lock: a replay is answered at once, even while an
        # import holds the lock. Only another copy of this very request can hold its row,
        # and that copy takes it first too, holding nothing else: no deadlock.
        if nonce is not None and not accept_nonce(nonce):
            return InboundResult(message=None, duplicate=True)  # a signed request replayed
        keyword = bool(e164) and found.intent in (OPT_OUT, OPT_IN)
        if keyword or (e164 and found.rule == YES_WITHOUT_CONTEXT):
            chain.lock()  # it may append events: the chain's lock before any row (chain.py)
        # a keyword's sender is read once, locked, for the message and for the change
        state = locked_state(e164) if keyword else None
        phone = _sender(e164) if e164 and not keyword else None
        if found.rule == YES_WITHOUT_CONTEXT and phone is not None and yes_means_opt_in(
                state_from_rows(phone, []), phone.opt_in_requested_at):
            found = classify(text, yes_is_opt_in=True)
            values.update(intent=found.intent, scope=found.scope, rule=found.rule)
        # one INSERT … RETURNING: the row as stored, or None for a provider id seen before
        message = insert_returning(InboundMessage, {
            **values, "phone": state.phone_id if state else phone.id if phone else None,
            "processed_at": utcnow()},
            conflict=InboundMessage.provider_id)
        if message is None:
            return InboundResult(message=None, duplicate=True)
        result = InboundResult(message=message)
        if e164 is None:
            return result  # a short code or a sender name: recorded, nothing to act on
        if found.intent in (OPT_OUT, OPT_IN):
            _apply_keyword(result, e164, found, settings, state)
        elif found.intent == HELP:
            result.reply = queue_reply(message, e164, HELP_REPLY, help_reply(settings),
                                       received_at)
        elif found.intent == REVIEW:
            result.review = Review.create(phone=phone.id, kind=REVIEW_TEXT, inbound=message,
                                          text=text)
            result.alerts.append(record_alert(ALERT_REVIEW, phone.id, review=result.review))
        return result


def _sender(e164: str) -> Phone:
    """Return the sender's phone row, creating it when new (an existing row is not touched).

    The row read here is the one the YES context and the message's phone come from: one
    query for a phone seen before, where ensure_phones() and two reads took three.
    """
    phone = get_by(Phone, Phone.e164, e164)
    if phone is None:
        ensure_phones([e164])
        phone = get_by(Phone, Phone.e164, e164)
    return phone


def _apply_keyword(result: InboundResult, e164: str, found, settings: ReplySettings,
                   state: ConsentState | None) -> None:
    message = result.message
    context = EventContext(inbound_message_id=message.provider_id, raw_text=message.text,
                           rule=found.rule, classifier_version=found.version,
                           occurred_at=message.received_at)
    change = apply_client_intent(e164, intent=found.intent, scope=found.scope, context=context,
                                 widen_scoped_stop=settings.widen_scoped_stop, state=state)
    result.change = change
    scope = ALL if found.intent == OPT_OUT and settings.widen_scoped_stop else found.scope
    if change.changed:
        result.alerts.append(record_alert(found.intent, message.phone_id,
                                          event=change.event_ids[0]))
    if found.intent == OPT_IN:
        if change.changed:
            text = opt_in_confirmation(settings, scope)
            # read again: a START lifts a carrier block after change.state was taken
            result.reply = queue_reply(message, e164, CONFIRMATION, text, message.received_at)
        return
    if scope == ALL and settings.confirmation_owner != "app":
        return  # the network (Opt-Out Assist, a toll-free carrier) already confirmed it
    if not change.changed and confirmed_recently(message.phone_id, message.received_at):
        return  # a repeated STOP within 24 hours gets no second confirmation
    if scope != ALL and change.state.overall == OPTED_OUT:
        return  # already opted out of everything: "other texts continue" would be false
    text = opt_out_confirmation(settings, scope)
    # change.state is the phone as this transaction holds it locked: no second read
    result.reply = queue_reply(message, e164, CONFIRMATION, text, message.received_at,
                               state=change.state)


def receive_part(
    *, provider_id: str, from_number: str, concat_ref: str, part: int, total: int, text: str,
    to_number: str | None = None, settings: ReplySettings | None = None,
) -> InboundResult:
    """Keep one part of a concatenated text; read the whole text once every part is in.

    A part is stamped with its arrival here, not Vonage's time, so a part Vonage retried
    late still waits for its siblings before the sweep reads it alone.
    """
    received_at = utcnow()
    with db.atomic():
        e164 = parse_msisdn(from_number)
        chain.lock()  # the last part may complete an opt-out: before any row lock (chain.py)
        if e164:  # the sender's row lock makes two parts arriving at once see each other
            ensure_phones([e164])
            list(lock_rows(Phone.select(Phone.id).where(Phone.e164 == e164)))
        inserted = (InboundPart.insert(
            provider_id=provider_id, from_number=from_number, to_number=to_number,
            concat_ref=concat_ref, part=part, total=total, text=clean_text(text),
            received_at=received_at).on_conflict_ignore().execute())
        if not inserted:
            return InboundResult(message=None, duplicate=True)
        parts = _open_parts(from_number, concat_ref, total)
        if len(parts) < total:
            return InboundResult(message=None)  # waiting for the other parts
        return _assemble(parts, settings)


def assemble_stale_parts(*, older_than: timedelta = timedelta(minutes=2),
                         settings: ReplySettings | None = None) -> list[InboundResult]:
    """Read the texts whose missing parts never came, from the parts that did."""
    cutoff = utcnow() - older_than
    groups = (InboundPart.select(InboundPart.from_number, InboundPart.concat_ref,
                                 InboundPart.total)
              .where(InboundPart.assembled_into.is_null())
              .group_by(InboundPart.from_number, InboundPart.concat_ref, InboundPart.total)
              .having(fn.MAX(InboundPart.received_at) < cutoff).tuples())
    results = []
    for from_number, concat_ref, total in list(groups):
        with db.atomic():
            parts = _open_parts(from_number, concat_ref, total)
            if parts:
                results.append(_assemble(parts, settings))
    return results


def _open_parts(from_number: str, concat_ref: str, total: int) -> list[InboundPart]:
    """Return the first copy of each part of the group not yet assembled, in order."""
    by_number: dict[int, InboundPart] = {}
    for p in (InboundPart.select()
              .where(InboundPart.from_number == from_number, InboundPart.concat_ref == concat_ref,
                     InboundPart.total == total, InboundPart.assembled_into.is_null())
              .order_by(InboundPart.part, InboundPart.id)):
        by_number.setdefault(p.part, p)
    return [by_number[n] for n in sorted(by_number)]


def _assemble(parts: list[InboundPart], settings: ReplySettings | None) -> InboundResult:
    first = parts[0]
    result = receive_text(
        provider_id=f"concat:{first.provider_id}", from_number=first.from_number,
        to_number=first.to_number, text="".join(p.text for p in parts),
        received_at=min(p.received_at for p in parts), settings=settings)
    if result.message is not None:
        # every copy of the parts read (Vonage may deliver one twice, under another id)
        (InboundPart.update(assembled_into=result.message)
         .where(InboundPart.from_number == first.from_number,
                InboundPart.concat_ref == first.concat_ref, InboundPart.total == first.total,
                InboundPart.part.in_([p.part for p in parts]),
                InboundPart.assembled_into.is_null()).execute())
    return result
