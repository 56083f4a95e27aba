"""The rate alert (SPEC section 11): recorded once per campaign (and once a month per
automation) when the opt-out rate of its last 500 recipients passes the threshold, judged
from 100 recipients; once even when several processes look at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from store.clock import utcnow
from store.db import db
from store.messaging import alerts, record_rate_alerts
from store.messaging.campaigns import create_campaign
from store.messaging.inbound import receive_text
from store.messaging.outbox import mark_sent, queue_message
from store.models import Alert, OutboundMessage
from tests.factories import ZONE

pytestmark = pytest.mark.usefixtures("database")
NOON = utcnow().replace(hour=17, minute=0)


def phones(n: int, first: int = 0) -> list[str]:
    return [f"+1212555{1000 + first + i:04d}" for i in range(n)]


def sent_campaign(recipients: list[str], name: str = "Black Friday") -> int:
    result = create_campaign(name=name, text="Deals!", recipients=recipients, actor="crm",
                             include_unknown=True, fallback_zone=ZONE, now=NOON)
    (OutboundMessage.update(sent_at=utcnow() - timedelta(hours=1), status="sent")
     .where(OutboundMessage.campaign == result.campaign.id).execute())
    return result.campaign.id


def stops(recipients: list[str]) -> None:
    for phone in recipients:
        receive_text(provider_id=f"in-{phone}", from_number=phone.lstrip("+"), text="STOP")


def rate_alerts() -> list[Alert]:
    return list(Alert.select().where(Alert.kind == "opt_out_rate"))


def test_a_campaign_past_the_threshold_is_recorded_once_with_its_figures():
    recipients = phones(100)
    campaign_id = sent_campaign(recipients)
    stops(recipients[:3])  # 3 %
    assert len(record_rate_alerts(threshold=0.02)) == 1
    stops(recipients[3:5])  # higher still: already told
    assert record_rate_alerts(threshold=0.02) == []
    [alert] = rate_alerts()
    assert alert.once_key == f"opt_out_rate:campaign:{campaign_id}"
    assert alert.phone_id is None
    assert {k: alert.figures[k] for k in ("what", "key", "name", "sent", "opt_outs", "rate",
                                          "threshold", "window")} == {
        "what": "campaign", "key": str(campaign_id), "name": "Black Friday", "sent": 100,
        "opt_outs": 3, "rate": 0.03, "threshold": 0.02, "window": 500}


def test_at_or_below_the_threshold_nothing_is_recorded():
    recipients = phones(100)
    sent_campaign(recipients)
    stops(recipients[:2])  # 2 %: not past 2 %
    assert record_rate_alerts(threshold=0.02) == []
    assert record_rate_alerts(threshold=0.019) != []


def test_fewer_than_100_recipients_are_not_judged():
    recipients = phones(99)
    sent_campaign(recipients)
    stops(recipients[:10])
    assert record_rate_alerts(threshold=0.02) == []


def test_only_the_last_500_recipients_count():
    recipients = phones(600)
    campaign_id = sent_campaign(recipients)
    ids = [m.id for m in OutboundMessage.select(OutboundMessage.id).where(
        OutboundMessage.campaign == campaign_id).order_by(OutboundMessage.id)]
    # the first 100 went out a day earlier: their opt-outs are outside the last 500
    (OutboundMessage.update(sent_at=utcnow() - timedelta(days=1))
     .where(OutboundMessage.id.in_(ids[:100])).execute())
    stops(recipients[:20])
    assert record_rate_alerts(threshold=0.02) == []
    stops(recipients[100:111])  # 11 of the last 500: 2.2 %
    [alert_id] = record_rate_alerts(threshold=0.02)
    assert (Alert.get_by_id(alert_id).figures["opt_outs"],
            Alert.get_by_id(alert_id).figures["sent"]) == (11, 500)


def test_an_automation_is_told_once_a_month(monkeypatch):
    recipients = phones(100)
    for phone in recipients:
        message = queue_message(to=phone, text="Price drop!", kind="automation",
                                automation="price_reduction", fallback_zone=ZONE, now=NOON)
        mark_sent(message.id, vonage_message_id=f"v-{message.id}")
    stops(recipients[:5])
    [alert_id] = record_rate_alerts(threshold=0.02)
    alert = Alert.get_by_id(alert_id)
    assert alert.once_key == f"opt_out_rate:automation:price_reduction:{utcnow():%Y-%m}"
    assert alert.figures["name"] == "Price Reduction Notifications"
    assert record_rate_alerts(threshold=0.02) == []
    next_month = (utcnow().replace(day=28) + timedelta(days=4)).replace(day=1, hour=0)
    assert record_rate_alerts(threshold=0.02, now=next_month + timedelta(days=8)) == []
    monkeypatch.setattr(alerts, "LOOK_BACK", timedelta(days=40))  # the opt-outs still recent
    [again] = record_rate_alerts(threshold=0.02, now=next_month + timedelta(days=8))
    assert Alert.get_by_id(again).once_key.endswith(f":{next_month:%Y-%m}")


def test_several_processes_looking_at_once_record_one_alert():
    recipients = phones(100)
    sent_campaign(recipients)
    stops(recipients[:4])
    barrier, found, errors = threading.Barrier(6), [], []

    def look():
        try:
            with db.connection_context():
                barrier.wait()
                found.extend(record_rate_alerts(threshold=0.02))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=look) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(found) == 1 and len(rate_alerts()) == 1
