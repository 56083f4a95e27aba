"""The alerts outbox: Slack posts recorded with the change they report, posted by the worker.

Claimed under a lease like outbound texts, so two workers never post one alert at once;
details() gathers what a manager reads: who, the last four digits, the text, what was done.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from store.classifier import classify
from store.clock import now_or, utcnow
from store.consent.changes import get_state
from store.consent.rules import ConsentState
from store.leases import claim_rows
from store.messaging.reports import answered_since, last_recipients_rate
from store.models import Alert, Campaign, Client, ConsentEvent, OutboundMessage, Review
from store.rows import insert_returning
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
    # an opt-out's likely cause: the text it answered (None when no text was sent to the
    # phone in the 7 days before it, or the alert is not of an opt-out)
    answering: Answering | None = None


@dataclass(frozen=True)
class Answering:
    """The text an opt-out answered, as its alert names it."""

    kind: str
    campaign: str | None  # the campaign's name
    automation: str | None
    before: timedelta  # how long before the opt-out it was sent


def record_alert(kind: str, phone_id: int, *, event: int | None = None,
                 review: Review | None = None) -> int:
    """Record an alert to post (in the caller's transaction); return its id."""
    return insert_returning(Alert, {"kind": kind, "phone": phone_id, "event": event,
                                    "review": review.id if review else None}).id


# The rate alert (SPEC section 11): a campaign's or an automation's opt-out rate over its
# last WINDOW recipients above OPT_OUT_RATE_ALERT, judged once MIN_RECIPIENTS got the text
# (3 opt-outs of 100 is a trend; 1 of 3 is one person). Told once per campaign, and once a
# month (UTC) per automation, which keeps texting for years: the once_key's unique index
# makes it once however many processes look at the same moment.
ALERT_OPT_OUT_RATE = "opt_out_rate"
WINDOW, MIN_RECIPIENTS = 500, 100
LOOK_BACK = timedelta(days=7)  # opt-outs this recent name the rates that may have risen


def record_rate_alerts(*, threshold: float, now: datetime | None = None) -> list[int]:
    """Record an alert for each campaign or automation whose rate passed `threshold` and
    was not told yet; return the new alerts' ids. Reads a few indexed rows per campaign
    or automation answered in the last 7 days: for the worker, not a request."""
    now = now_or(now)
    keys = {_once_key(what, key, now): (what, key)
            for what, key in answered_since(now - LOOK_BACK)}
    if not keys:
        return []
    told = set(Alert.select(Alert.once_key).where(Alert.once_key.in_(list(keys))).scalars())
    recorded = []
    for once_key, (what, key) in keys.items():
        if once_key in told:
            continue
        rate = last_recipients_rate(what, key, size=WINDOW)
        if rate.sent < MIN_RECIPIENTS or rate.rate is None or rate.rate <= threshold:
            continue
        figures = {**asdict(rate), "threshold": threshold, "window": WINDOW}
        inserted = (Alert.insert(kind=ALERT_OPT_OUT_RATE, once_key=once_key, figures=figures,
                                 created_at=now)
                    .on_conflict(conflict_target=[Alert.once_key], action="IGNORE")
                    .returning(Alert.id).tuples().execute())
        recorded += [row[0] for row in inserted]  # none: another process told it first
    return recorded


def _once_key(what: str, key: str, now: datetime) -> str:
    return (f"{ALERT_OPT_OUT_RATE}:campaign:{key}" if what == "campaign"
            else f"{ALERT_OPT_OUT_RATE}:automation:{key}:{now:%Y-%m}")


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
    text = read_as = answering = None
    if alert.event_id:
        first = ConsentEvent.get_by_id(alert.event_id)
        answering = _answering(first)
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
                        _deciding_words(text, read_as), answering)


def _answering(event: ConsentEvent) -> Answering | None:
    """Return the text the opt-out `event` answered, as recorded on it."""
    if event.cause_message_id is None:
        return None
    sent_at = (OutboundMessage.select(OutboundMessage.sent_at)
               .where(OutboundMessage.id == event.cause_message_id).scalar())
    campaign = (Campaign.select(Campaign.name).where(Campaign.id == event.cause_campaign_id)
                .scalar() if event.cause_campaign_id is not None else None)
    before = event.occurred_at - sent_at if sent_at else timedelta(0)
    return Answering(event.cause_kind, campaign, event.cause_automation,
                     max(before, timedelta(0)))


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
