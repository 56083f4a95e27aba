"""The alerts outbox: Slack posts recorded with the change they report, posted by the worker.

Claimed under a lease like outbound texts, so two workers never post one alert at once;
details() gathers what a manager reads: who, the last four digits, the text, what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from store.classifier import classify
from store.clock import now_or, utcnow
from store.consent.changes import get_state
from store.consent.rules import ConsentState
from store.db import insert_returning
from store.leases import claim_rows
from store.models import Alert, Client, ConsentEvent, Review
from store.vocabulary import PENDING, POSTED


@dataclass
class AlertDetails:
    alert: Alert
    e164: str
    names: list[str]
    text: str | None  # what the client texted, when a text caused it
    events: list[ConsentEvent]  # the change it reports (first event and its siblings)
    review: Review | None
    state: ConsentState
    # the characters of `text` that decided how it was read, when the classifier of today
    # reads it as it did then (same rule, same version): shown in bold
    spans: tuple[tuple[int, int], ...] = ()


def record_alert(kind: str, phone_id: int, *, event: int | None = None,
                 review: Review | None = None) -> int:
    """Record an alert to post (in the caller's transaction); return its id."""
    return insert_returning(Alert, {"kind": kind, "phone": phone_id, "event": event,
                                    "review": review.id if review else None}).id


def claim_alerts(*, limit: int = 10, lease: timedelta = timedelta(seconds=90),
                 now: datetime | None = None) -> list[Alert]:
    """Claim pending alerts whose lease is free, for this worker only."""
    now = now_or(now)
    due = (Alert.status == PENDING) & (Alert.lease_until.is_null() | (Alert.lease_until < now))
    return claim_rows(Alert, due, order_by=(Alert.id,), limit=limit,
                      claim={"lease_until": now + lease, "attempts": Alert.attempts + 1})


def mark_posted(alert_id: int, *, channel: str | None, ts: str | None) -> None:
    """Record that the alert is in the channel (ts None: printed, Slack being off)."""
    (Alert.update(status=POSTED, posted_at=utcnow(), lease_until=None, slack_channel=channel,
                  slack_ts=ts).where(Alert.id == alert_id).execute())


def retry_alert(alert_id: int, *, delay: timedelta) -> None:
    """Leave the alert pending, to be tried again after `delay`."""
    Alert.update(lease_until=utcnow() + delay).where(Alert.id == alert_id).execute()


def details(alert: Alert) -> AlertDetails:
    """Return what the alert shows, read from the records it points at."""
    e164 = alert.phone.e164
    names = [c.name for c in Client.select().where(Client.phone == alert.phone_id)
             .order_by(Client.name)]
    events: list[ConsentEvent] = []
    text = read_as = None
    if alert.event_id:
        first = ConsentEvent.get_by_id(alert.event_id)
        # the events written with it: same phone, same moment, same actor
        events = list(ConsentEvent.select().where(
            ConsentEvent.phone == first.phone_id, ConsentEvent.recorded_at == first.recorded_at,
            ConsentEvent.actor == first.actor).order_by(ConsentEvent.id))
        text = first.raw_text
        read_as = (first.rule, first.classifier_version)
    review = Review.get_by_id(alert.review_id) if alert.review_id else None
    if review is not None and text is None:
        text = review.text
        inbound = review.inbound
        read_as = (inbound.rule, inbound.classifier_version) if inbound else None
    return AlertDetails(alert, e164, names, text, events, review, get_state(e164),
                        _deciding_words(text, read_as))


def _deciding_words(text: str | None, read_as: tuple[str, str] | None) -> tuple:
    """Return the spans of the words that decided `text`, if read the same way today."""
    if not text or read_as is None:
        return ()
    result = classify(text)
    return result.spans if (result.rule, result.version) == read_as else ()


def posted_alerts(*, review_id: int | None = None, event_id: int | None = None) -> list[Alert]:
    """Return the alerts already in Slack that report the review or the event given."""
    match = Alert.review == review_id if review_id is not None else Alert.event == event_id
    return list(Alert.select().where(match, Alert.slack_ts.is_null(False)))
