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


# --- what the client was answering, and the rate alert (SPEC section 11) -----------------------

def sent_campaign(recipients: list[str], name: str = "Black Friday") -> int:
    from store.messaging.campaigns import create_campaign
    from store.models import OutboundMessage

    noon = utcnow().replace(hour=17, minute=0)
    result = create_campaign(name=name, text="Deals!", recipients=recipients, actor="crm",
                             include_unknown=True, fallback_zone="America/New_York", now=noon)
    (OutboundMessage.update(sent_at=utcnow() - timedelta(hours=2, minutes=5), status="sent")
     .where(OutboundMessage.campaign == result.campaign.id).execute())
    return result.campaign.id


def many(n: int) -> list[str]:
    return [f"+1212555{1000 + i:04d}" for i in range(n)]


def stop_from(phone: str, text: str = "STOP"):
    return receive_text(provider_id=f"in-{phone}-{text}", from_number=phone.lstrip("+"),
                        text=text)


def test_an_opt_out_alert_says_which_text_the_client_was_answering(slack):
    sent_campaign([PHONE], name="Price <Drop> Weekend")
    texted("STOP")
    deliver_alerts(notifier(slack))
    [post] = slack.posted("C_ALERTS")
    assert post.text.endswith("opted out of all texts, replying to the Price &lt;Drop&gt; "
                              "Weekend text of 2 hours ago")


def test_an_automation_opt_out_names_the_automation_and_a_manual_one_its_kind(capsys):
    from store.messaging.outbox import mark_sent, queue_message
    from store.models import OutboundMessage

    for phone, kind, automation in ((PHONE, "automation", "price_reduction"),
                                    ("+12125550177", "work_plan", None)):
        message = queue_message(to=phone, text="Hi", kind=kind, automation=automation,
                                fallback_zone="America/New_York",
                                now=utcnow().replace(hour=17, minute=0))
        mark_sent(message.id, vonage_message_id=f"v-{message.id}")
        (OutboundMessage.update(sent_at=utcnow() - timedelta(minutes=3))
         .where(OutboundMessage.id == message.id).execute())
    stop_from(PHONE, "STOP PRICE DROP")
    stop_from("+12125550177")
    stop_from("+12125550178")  # never texted
    deliver_alerts(ConsoleNotifier())
    out = capsys.readouterr().out
    assert ("turned off Price Reduction Notifications by text, replying to the Price "
            "Reduction text of 3 minutes ago") in out
    assert "opted out of all texts, replying to the Work Plan text of 3 minutes ago" in out
    assert "(…0178) opted out of all texts\n" in out


def test_a_stop_with_no_recent_text_says_so_in_slack(slack):
    texted("STOP")
    deliver_alerts(notifier(slack))
    [post] = slack.posted("C_ALERTS")
    assert "replying" not in post.text
    assert "none went to this number in the 7 days before" in str(post.blocks)


def rate_posts(slack) -> list:
    return [p for p in slack.posted("C_ALERTS") if p.text.startswith("📈")]


def test_the_rate_alert_is_posted_exactly_once(slack):
    recipients = many(100)
    sent_campaign(recipients)
    for phone in recipients[:3]:  # 3 of 100: past 2 %
        stop_from(phone)
    for _ in range(3):
        deliver_alerts(notifier(slack), opt_out_rate_alert=0.02)
    stop_from(recipients[3])
    deliver_alerts(notifier(slack), opt_out_rate_alert=0.02)
    [post] = rate_posts(slack)
    assert post.text == ("📈 Opt-out rate of the campaign Black Friday: 3% — 3 of its 100 "
                         "recipients opted out, above the 2% alert level")
    assert post.metadata["event_payload"]["alert_id"]
    assert len(slack.posted("C_ALERTS")) == 4 + 1  # four opt-outs, one rate alert


def test_no_rate_alert_at_or_below_the_threshold(slack):
    recipients = many(100)
    sent_campaign(recipients)
    for phone in recipients[:2]:  # 2 of 100: not past 2 %
        stop_from(phone)
    deliver_alerts(notifier(slack), opt_out_rate_alert=0.02)
    assert rate_posts(slack) == [] and len(slack.posted("C_ALERTS")) == 2
    deliver_alerts(notifier(slack), opt_out_rate_alert=0.05)
    assert rate_posts(slack) == []
