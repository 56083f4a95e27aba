"""The send worker's delivery round, through the real Vonage SDK to a fake Vonage over TLS."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from gateway import delivery
from gateway.config import Config
from gateway.delivery import Pacer, deliver_due
from gateway.transports import ConsoleTransport, VonageTransport
from store.clock import utcnow
from store.models import OutboundMessage
from store.outbox import queue_message
from tests.factories import OTHER, PHONE, client_texts
from tests.fakes.vonage_server import Drop, Hang, Http, Throttle

pytestmark = pytest.mark.usefixtures("database")
# in texting hours in New York and in the past, so quiet-hours kinds are due now
NOON_YESTERDAY = utcnow().replace(hour=17, minute=0) - timedelta(days=1)


@pytest.fixture
def fake(fake_vonage):
    return fake_vonage


@pytest.fixture
def vonage(fake):
    config = Config.from_env({"VONAGE_API_KEY": "key", "VONAGE_API_SECRET": "secret",
                              "VONAGE_FROM_NUMBER": "12125550199",
                              "VONAGE_REST_HOST": fake.host, "VONAGE_API_HOST": fake.host})
    return VonageTransport(config, timeout=1)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(delivery, "backoff", lambda attempts: timedelta(0))


def run(transport, **kw):
    return deliver_due(transport, Pacer(1000), budget=30, **kw)


def test_a_queued_text_reaches_vonage_once_with_our_id_as_client_ref(fake, vonage):
    message = queue_message(to="(212) 555-0100", text="Your car is ready", kind="manual")
    assert run(vonage)["sent"] == 1
    [received] = fake.sms_sent
    assert received.body["to"] == "12125550100" and received.body["from"] == "12125550199"
    assert received.body["client-ref"] == str(message.id)
    assert received.body["text"] == "Your car is ready"
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.vonage_message_id) == ("sent", received.message_id)
    assert run(vonage)["sent"] == 0 and fake.count() == 1


@pytest.mark.parametrize("failure", [Http(500), Http(503), Http(429), Throttle(),
                                     Hang(3, then=Http(500)), Drop()],
                         ids=["500", "503", "429", "throttle", "hang", "drop"])
def test_passing_failures_are_retried_and_the_text_goes_exactly_once(fake, vonage, failure):
    message = queue_message(to=PHONE, text="hi", kind="manual")
    fake.script([failure, failure])
    counts = run(vonage)
    assert counts["sent"] == 1 and counts["retry"] == 2
    assert fake.count() == 1 and len(fake.received) == 3
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.attempts, stored.reason) == ("sent", 3, None)


def test_a_permanent_refusal_is_recorded_and_not_retried(fake, vonage):
    from tests.fakes.vonage_server import SmsStatus

    message = queue_message(to=PHONE, text="hi", kind="manual")
    fake.script([SmsStatus("7", "Number barred.")])
    assert run(vonage)["failed"] == 1
    assert OutboundMessage.get_by_id(message.id).status == "failed"
    assert len(fake.received) == 1


def test_a_text_queued_before_the_clients_stop_is_cancelled_not_sent(fake, vonage):
    message = queue_message(to=PHONE, text="Price drop on your truck!", kind="automation",
                            automation="price_reduction", now=NOON_YESTERDAY)
    client_texts(PHONE, "opt_out")
    assert run(vonage)["cancelled"] == 1
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.reason) == ("cancelled", "opted_out")
    assert fake.count() == 0


def test_a_scoped_stop_cancels_only_that_automation(fake, vonage):
    price = queue_message(to=PHONE, text="Price drop!", kind="automation",
                          automation="price_reduction", now=NOON_YESTERDAY)
    manual = queue_message(to=PHONE, text="Your car is ready", kind="manual")
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    run(vonage)
    assert OutboundMessage.get_by_id(price.id).reason == "automation_off"
    assert OutboundMessage.get_by_id(manual.id).status == "sent"
    assert fake.texts_to("12125550100") == ["Your car is ready"]


def test_a_confirmation_older_than_five_minutes_is_dropped(fake, vonage):
    from store.clock import utcnow
    from store.inbound import receive_text

    result = receive_text(provider_id="late", from_number=PHONE.lstrip("+"), text="STOP",
                          received_at=utcnow() - timedelta(minutes=6))
    assert result.reply.status == "queued"
    run(vonage)
    stored = OutboundMessage.get_by_id(result.reply.id)
    assert (stored.status, stored.reason) == ("cancelled", "expired")
    assert fake.count() == 0


def test_a_worker_killed_mid_batch_loses_nothing(fake, vonage):
    for n in range(5):  # manual texts: no quiet hours, whatever time the test runs
        queue_message(to=f"+1212555{n:04d}", text="Your car is ready", kind="manual")

    class Killed(BaseException):
        pass

    class DiesOnThird:
        name = "dies"

        def __init__(self):
            self.calls = 0

        def send(self, **kw):
            self.calls += 1
            if self.calls == 3:
                raise Killed  # the process dies with this message in flight
            return vonage.send(**kw)

    with pytest.raises(Killed):
        run(DiesOnThird(), lease=timedelta(seconds=1))
    assert fake.count() == 2
    counts = run(vonage, lease=timedelta(seconds=1))
    assert counts["sent"] == 2 and fake.count() == 4  # the in-flight one waits for its lease
    time.sleep(1.2)
    assert run(vonage)["sent"] == 1
    assert fake.count() == 5
    assert sorted([r.to for r in fake.sms_sent]) == sorted(f"1212555{n:04d}" for n in range(5))


def test_several_workers_never_send_one_message_twice(fake, vonage):
    import threading

    from store.db import db

    recipients = [f"+1212556{n:04d}" for n in range(30)]
    for phone in recipients:
        queue_message(to=phone, text="Your car is ready", kind="manual")

    def worker():
        with db.connection_context():
            run(vonage)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert fake.count() == 30
    assert len(set([r.to for r in fake.sms_sent])) == 30


def test_console_transport_records_and_prints(capsys):
    transport = ConsoleTransport()
    queue_message(to=OTHER, text="Hello from the console", kind="manual")
    assert run(transport)["sent"] == 1
    assert transport.sent == [{"to": OTHER, "text": "Hello from the console",
                               "client_ref": transport.sent[0]["client_ref"]}]
    out = capsys.readouterr().out
    assert "…0101" in out and "Hello from the console" in out and OTHER not in out


def test_a_sent_text_asking_to_reply_yes_makes_the_next_yes_an_opt_in(fake, vonage):
    from store.consent import classify_for

    assert classify_for(PHONE, "Yes").intent == "none"
    queue_message(to=PHONE, text="Acme Motors: want price alerts by text? Reply YES to join.",
                  kind="manual")
    run(vonage)
    assert (classify_for(PHONE, "Yes").intent, classify_for(PHONE, "Yes").scope) == (
        "opt_in", "all")
    assert classify_for(OTHER, "Yes").intent == "none"


def test_a_backlog_reaching_the_texting_days_end_waits_for_the_morning(fake, vonage):
    from datetime import datetime

    from store.outbox import DEFERRED, claim_due, recheck

    message = queue_message(to=PHONE, text="Sale", kind="work_plan", now=NOON_YESTERDAY)
    [claimed] = claim_due(limit=1)
    late = datetime(2026, 11, 27, 2, 30)  # 21:30 in New York
    assert recheck(claimed, now=late) == DEFERRED
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.send_at) == ("scheduled", datetime(2026, 11, 27, 13, 0))
    assert fake.count() == 0


def test_a_confirmation_goes_before_a_campaign_backlog(fake, vonage):
    from store.inbound import receive_text

    for n in range(20):
        queue_message(to=f"+1212557{n:04d}", text="Sale", kind="manual")
    receive_text(provider_id="stop-1", from_number=PHONE.lstrip("+"), text="STOP")
    deliver_due(vonage, Pacer(1000), budget=0.001)  # one round: one message
    assert fake.texts_to("12125550100")[0].startswith("Our dealership: you're unsubscribed")


@pytest.mark.parametrize("status", ["4", "8", "9", "29"])
def test_an_account_wide_refusal_keeps_texts_waiting_instead_of_failing_them(fake, vonage,
                                                                           status):
    from tests.fakes.vonage_server import SmsStatus

    message = queue_message(to=PHONE, text="hi", kind="manual")
    fake.script([SmsStatus(status, "Account problem")])
    counts = run(vonage)
    assert counts["failed"] == 0 and counts["sent"] == 1
    assert OutboundMessage.get_by_id(message.id).status == "sent"
