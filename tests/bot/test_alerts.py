"""Alerts reach the channel exactly once, through Slack failing and timing out for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot import alerts
from bot.alerts import ConsoleNotifier, SlackNotifier, deliver_alerts
from store.clock import utcnow
from store.consent.reviews import next_business_day, remind_overdue
from store.messaging.inbound import receive_text
from store.models import Alert, Review
from tests.factories import PHONE
from tests.fakes.slack_server import SlackError, Status, Timeout

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def slack(fake_slack):
    return fake_slack


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(alerts, "backoff", lambda attempts, **_: timedelta(0))


def texted(text: str, n: int = 1):
    return receive_text(provider_id=f"t{n}", from_number=PHONE.lstrip("+"), text=text)


def notifier(slack, timeout=1):
    return SlackNotifier(WebClient(token="xoxb-test", base_url=slack.api_url, timeout=timeout),
                         "C_ALERTS")


def test_each_opt_out_opt_in_and_review_is_posted_once(slack):
    texted("STOP", 1)
    texted("START", 2)
    texted("cancel my appointment please", 3)
    counts = deliver_alerts(notifier(slack))
    assert counts == {"posted": 3, "retry": 0}
    assert [p.text.split(" ")[0] for p in slack.posted("C_ALERTS")] == ["❌", "✅", "⚠️"]
    assert all(p.metadata["event_payload"]["alert_id"] for p in slack.posted())
    assert deliver_alerts(notifier(slack)) == {"posted": 0, "retry": 0}
    assert [a.status for a in Alert.select()] == ["posted"] * 3


@pytest.mark.parametrize("failures", [
    [Status(500), Status(503)],
    [SlackError("ratelimited", retry_after=1)],
    [Timeout(3)],  # the post landed, but the client gave up before hearing so
    [Status(500), Timeout(3), Status(502)],
], ids=["5xx", "ratelimited", "timeout", "mixed"])
def test_slack_failing_for_a_while_still_delivers_exactly_once(slack, failures):
    texted("STOP")
    slack.script("chat.postMessage", failures)
    totals = {"posted": 0, "retry": 0}
    for _ in range(len(failures) + 2):
        for key, value in deliver_alerts(notifier(slack)).items():
            totals[key] += value
    assert totals["posted"] == 1
    assert len(slack.posted("C_ALERTS")) == 1
    alert = Alert.get()
    assert alert.status == "posted" and alert.slack_ts == slack.posted("C_ALERTS")[0].ts


def test_without_slack_alerts_are_printed(capsys):
    texted("STOP")
    printer = ConsoleNotifier()
    assert deliver_alerts(printer)["posted"] == 1
    assert "[alert] ❌" in capsys.readouterr().out
    assert Alert.get().status == "posted"


def test_an_undecided_review_gets_one_reminder_after_a_business_day(slack):
    texted("I'll stop by Friday")
    review = Review.get()
    zone = "America/New_York"
    assert remind_overdue(zone=zone, now=utcnow() + timedelta(hours=2)) == []
    later = next_business_day(review.created_at, zone) + timedelta(minutes=1)
    assert len(remind_overdue(zone=zone, now=later)) == 1
    assert remind_overdue(zone=zone, now=later + timedelta(days=3)) == []
    deliver_alerts(notifier(slack))
    texts = [p.text for p in slack.posted("C_ALERTS")]
    assert len(texts) == 2 and texts[1].startswith("⏰")


def test_a_business_day_skips_the_weekend():
    from datetime import datetime

    friday_noon_ny = datetime(2026, 11, 27, 17, 0)
    assert next_business_day(friday_noon_ny, "America/New_York") == datetime(2026, 11, 30, 17, 0)
