"""Opt-out reports (SPEC section 11): counts and rates per campaign, automation and kind,
sent counts from the outbox, and opt-outs by source for the App Home."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.clock import utcnow
from store.consent.changes import CLIENT, correct_misread, record_change
from store.consent.history import EventContext, list_events
from store.messaging import (
    OptOutRate,
    campaign_opt_outs,
    opt_out_report,
    opt_outs_by_source,
    recent_opt_out_rates,
)
from store.messaging.campaigns import create_campaign
from store.messaging.inbound import receive_text
from store.messaging.outbox import mark_sent, queue_message
from store.models import OutboundMessage
from tests.factories import STAFF, ZONE, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
NOON = utcnow().replace(hour=17, minute=0)  # within every US zone's sending hours
WEEK_AGO = utcnow() - timedelta(days=7)


def phones(n: int, first: int = 0) -> list[str]:
    return [f"+1212555{1000 + first + i:04d}" for i in range(n)]


def campaign(name: str, recipients: list[str], *, sent: int | None = None,
             ago: timedelta = timedelta(hours=2)) -> int:
    """Create a campaign and mark its first `sent` recipients (all by default) sent."""
    result = create_campaign(name=name, text="Big sale!", recipients=recipients, actor="crm",
                             include_unknown=True, fallback_zone=ZONE, now=NOON)
    ids = [m.id for m in OutboundMessage.select(OutboundMessage.id).where(
        OutboundMessage.campaign == result.campaign.id).order_by(OutboundMessage.id)]
    (OutboundMessage.update(sent_at=utcnow() - ago, status="sent")
     .where(OutboundMessage.id.in_(ids[:sent])).execute())
    return result.campaign.id


def text(kind: str, to: str, *, automation: str | None = None,
         ago: timedelta = timedelta(hours=1)) -> int:
    message = queue_message(to=to, text="Hello", kind=kind, automation=automation,
                            fallback_zone=ZONE, now=NOON)
    mark_sent(message.id, vonage_message_id=f"v-{message.id}")
    OutboundMessage.update(sent_at=utcnow() - ago).where(OutboundMessage.id == message.id).execute()
    return message.id


def stop(phone: str, body: str = "STOP") -> None:
    receive_text(provider_id=f"in-{phone}-{body}", from_number=phone.lstrip("+"), text=body)


def by_key(rates: list[OptOutRate]) -> dict[str, tuple]:
    return {r.key: (r.sent, r.opt_outs, r.rate) for r in rates}


def test_a_campaigns_opt_outs_and_rate_count_sent_texts_and_each_recipient_once():
    recipients = phones(10)
    cid = campaign("Black Friday", recipients, sent=8)  # two never left the outbox
    stop(recipients[0])
    stop(recipients[1], "STOP PRICE DROP")  # scoped, then everything: one recipient
    stop(recipients[1], "STOP")
    assert campaign_opt_outs(cid) == OptOutRate("campaign", str(cid), "Black Friday", 8, 2, 0.25)


def test_a_campaign_that_sent_nothing_has_no_rate():
    cid = campaign("Draft", phones(3), sent=0)
    assert campaign_opt_outs(cid).rate is None and campaign_opt_outs(cid).sent == 0


def test_the_report_splits_opt_outs_by_campaign_automation_and_kind():
    a, b = phones(4), phones(2, first=10)
    black_friday = campaign("Black Friday", a)
    spring = campaign("Spring", b)
    stop(a[0])
    price_drop = phones(3, first=20)
    for phone in price_drop:
        text("automation", phone, automation="price_reduction")
    stop(price_drop[0], "please stop the price drop texts")
    manual = phones(2, first=30)
    text("manual", manual[0])
    text("work_plan", manual[1])
    stop(manual[1])
    client_texts(phones(1, first=40)[0], "opt_out")  # answers no text: in no rate
    report = opt_out_report(since=WEEK_AGO)
    assert [r.key for r in report.campaigns] == [str(spring), str(black_friday)]  # newest first
    assert by_key(report.campaigns) == {str(black_friday): (4, 1, 0.25), str(spring): (2, 0, 0.0)}
    assert by_key(report.automations) == {"price_reduction": (3, 1, 1 / 3),
                                          "new_vehicle_arrival": (0, 0, None)}
    assert report.automations[0].name == "Price Reduction Notifications"
    assert by_key(report.kinds) == {"campaign": (6, 1, 1 / 6), "automation": (3, 1, 1 / 3),
                                    "manual": (1, 0, 0.0), "work_plan": (1, 1, 1.0),
                                    "lead_autoresponder": (0, 0, None)}


def test_the_report_counts_only_texts_sent_since_and_the_opt_outs_answering_them():
    old, new = phones(2), phones(2, first=10)
    campaign("Old", old, ago=timedelta(days=3))
    recent = campaign("New", new, ago=timedelta(hours=1))
    stop(old[0])  # answers the old campaign: out of a report since yesterday
    stop(new[0])
    report = opt_out_report(since=utcnow() - timedelta(days=1))
    assert by_key(report.campaigns) == {str(recent): (2, 1, 0.5)}
    assert sum(r.opt_outs for r in report.kinds) == 1
    assert opt_out_report(since=utcnow() + timedelta(minutes=1)).campaigns == []


def test_confirmations_are_not_sent_texts_of_any_kind():
    phone = phones(1)[0]
    stop(phone)  # queues a confirmation
    OutboundMessage.update(sent_at=utcnow()).execute()
    assert all(r.sent == 0 for r in opt_out_report(since=WEEK_AGO).kinds)


def test_recent_rates_list_campaigns_then_automations_that_sent_anything():
    cid = campaign("Black Friday", phones(2))
    text("automation", phones(1, first=10)[0], automation="new_vehicle_arrival")
    rates = recent_opt_out_rates(since=WEEK_AGO)
    assert [(r.what, r.key, r.name, r.sent) for r in rates] == [
        ("campaign", str(cid), "Black Friday", 2),
        ("automation", "new_vehicle_arrival", "New Vehicle Arrival Notifications", 1)]
    assert recent_opt_out_rates(since=utcnow() + timedelta(minutes=1)) == []


def test_opt_outs_by_source_count_applied_opt_outs_since_not_cascades_or_refusals():
    a, b, c, d = phones(4)
    stop(a)  # client_keyword: overall, and its switches by cascade
    stop(b, "STOP PRICE DROP")  # client_keyword, scoped
    staff_sets(c, overall="opted_out")  # staff
    staff_sets(c, overall="opted_out")  # no change: not a second opt-out
    record_change(d, actor=CLIENT, overall="opted_out",  # before `since`
                  context=EventContext(occurred_at=utcnow() - timedelta(days=10)))
    assert opt_outs_by_source(since=WEEK_AGO) == {"client_keyword": 2, "staff": 1}
    assert opt_outs_by_source(since=utcnow() + timedelta(minutes=1)) == {}


def test_an_opt_out_marked_misread_counts_nowhere():
    phone = phones(1)[0]
    cid = campaign("Black Friday", [phone])
    stop(phone, "please remove me from your list")
    assert campaign_opt_outs(cid).opt_outs == 1
    [opt_out] = [e for e in list_events(phone) if e.scope == "overall"]
    correct_misread(phone, opt_out.id, actor=STAFF, note="asked about the mailing list")
    assert campaign_opt_outs(cid).opt_outs == 0
    assert opt_outs_by_source(since=WEEK_AGO) == {}
    assert by_key(opt_out_report(since=WEEK_AGO).campaigns)[str(cid)] == (1, 0, 0.0)
