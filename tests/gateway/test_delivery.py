"""The send worker's delivery round, through the real Vonage SDK to a fake Vonage over TLS."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from gateway import delivery
from gateway.config import Config
from gateway.delivery import Pacer, deliver_due
from gateway.transports import ConsoleTransport, VonageTransport
from store.clock import utcnow
from store.messaging.outbox import queue_message
from store.models import OutboundMessage
from tests.factories import OTHER, PHONE, ZONE, client_texts
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
    monkeypatch.setattr(delivery, "backoff", lambda attempts, **_: timedelta(0))


def run(transport, **kw):
    return deliver_due(transport, Pacer(1000), budget=30, **{"zone": ZONE, **kw})


def test_a_queued_text_reaches_vonage_once_with_our_id_as_client_ref(fake, vonage):
    message = queue_message(to="(212) 555-0100", text="Your car is ready", kind="manual",
                            fallback_zone=ZONE)
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
    message = queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    fake.script([failure, failure])
    counts = run(vonage)
    assert counts["sent"] == 1 and counts["retry"] == 2
    assert fake.count() == 1 and len(fake.received) == 3
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.attempts, stored.reason) == ("sent", 3, None)


def test_a_permanent_refusal_is_recorded_and_not_retried(fake, vonage):
    from tests.fakes.vonage_server import SmsStatus

    message = queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    fake.script([SmsStatus("7", "Number barred.")])
    assert run(vonage)["failed"] == 1
    assert OutboundMessage.get_by_id(message.id).status == "failed"
    assert len(fake.received) == 1


def test_a_text_queued_before_the_clients_stop_is_cancelled_not_sent(fake, vonage):
    message = queue_message(to=PHONE, text="Price drop on your truck!", kind="automation",
                            automation="price_reduction", now=NOON_YESTERDAY, fallback_zone=ZONE)
    client_texts(PHONE, "opt_out")
    assert run(vonage)["cancelled"] == 1
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.reason) == ("cancelled", "opted_out")
    assert fake.count() == 0


def test_a_scoped_stop_cancels_only_that_automation(fake, vonage):
    price = queue_message(to=PHONE, text="Price drop!", kind="automation",
                          automation="price_reduction", now=NOON_YESTERDAY, fallback_zone=ZONE)
    manual = queue_message(to=PHONE, text="Your car is ready", kind="manual", fallback_zone=ZONE)
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    run(vonage)
    assert OutboundMessage.get_by_id(price.id).reason == "automation_off"
    assert OutboundMessage.get_by_id(manual.id).status == "sent"
    assert fake.texts_to("12125550100") == ["Your car is ready"]


def test_a_confirmation_older_than_five_minutes_is_dropped(fake, vonage):
    from store.clock import utcnow
    from store.messaging.inbound import receive_text

    result = receive_text(provider_id="late", from_number=PHONE.lstrip("+"), text="STOP",
                          received_at=utcnow() - timedelta(minutes=6))
    assert result.reply.status == "queued"
    run(vonage)
    stored = OutboundMessage.get_by_id(result.reply.id)
    assert (stored.status, stored.reason) == ("cancelled", "expired")
    assert fake.count() == 0


def test_a_worker_killed_mid_batch_loses_nothing(fake, vonage):
    for n in range(5):  # manual texts: no quiet hours, whatever time the test runs
        queue_message(to=f"+1212555{n:04d}", text="Your car is ready", kind="manual",
                      fallback_zone=ZONE)

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
        queue_message(to=phone, text="Your car is ready", kind="manual", fallback_zone=ZONE)

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
    queue_message(to=OTHER, text="Hello from the console", kind="manual", fallback_zone=ZONE)
    assert run(transport)["sent"] == 1
    assert transport.sent == [{"to": OTHER, "text": "Hello from the console",
                               "client_ref": transport.sent[0]["client_ref"]}]
    out = capsys.readouterr().out
    assert "…0101" in out and "Hello from the console" in out and OTHER not in out


def test_a_sent_text_asking_to_reply_yes_makes_the_next_yes_an_opt_in(fake, vonage):
    from store.consent.changes import classify_for

    assert classify_for(PHONE, "Yes").intent == "none"
    queue_message(to=PHONE, text="Acme Motors: want price alerts by text? Reply YES to join.",
                  kind="manual", fallback_zone=ZONE)
    run(vonage)
    assert (classify_for(PHONE, "Yes").intent, classify_for(PHONE, "Yes").scope) == (
        "opt_in", "all")
    assert classify_for(OTHER, "Yes").intent == "none"


def test_a_backlog_reaching_the_texting_days_end_waits_for_the_morning(fake, vonage):
    from datetime import datetime

    from store.messaging.outbox import DEFERRED, claim_due, recheck

    message = queue_message(to=PHONE, text="Sale", kind="work_plan", now=NOON_YESTERDAY,
                            fallback_zone=ZONE)
    [claimed] = claim_due(limit=1)
    late = datetime(2026, 11, 27, 2, 30)  # 21:30 in New York
    assert recheck(claimed, now=late, fallback_zone=ZONE) == DEFERRED
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.send_at) == ("scheduled", datetime(2026, 11, 27, 13, 0))
    assert fake.count() == 0


def test_a_confirmation_goes_before_a_campaign_backlog(fake, vonage):
    from store.messaging.inbound import receive_text

    for n in range(20):
        queue_message(to=f"+1212557{n:04d}", text="Sale", kind="manual", fallback_zone=ZONE)
    receive_text(provider_id="stop-1", from_number=PHONE.lstrip("+"), text="STOP")
    deliver_due(vonage, Pacer(1000), budget=0.001, zone=ZONE)  # one round: one message
    assert fake.texts_to("12125550100")[0].startswith("Our dealership: you're unsubscribed")


@pytest.mark.parametrize("status", ["4", "8", "9", "29"])
def test_an_account_wide_refusal_keeps_texts_waiting_instead_of_failing_them(fake, vonage,
                                                                           status):
    from tests.fakes.vonage_server import SmsStatus

    message = queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    fake.script([SmsStatus(status, "Account problem")])
    counts = run(vonage)
    assert counts["failed"] == 0 and counts["sent"] == 1
    assert OutboundMessage.get_by_id(message.id).status == "sent"


# --- a claim kept while the text is in flight, a send recorded through a database blip --


def in_another_thread(work):
    """Run `work` on a thread of its own (its own connection, as a worker thread has)."""
    import threading

    failures = []

    def run_it():
        try:
            work()
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run_it)
    thread.start()
    thread.join(60)
    if failures:
        raise failures[0]


def test_a_claim_is_renewed_while_its_text_is_in_flight(fake, vonage):
    from store.db import db
    from store.messaging.outbox import claim_due

    queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    taken_by_another = []

    def another_worker_claims():
        with db.connection_context():
            taken_by_another.extend(claim_due(limit=1, lease=timedelta(seconds=5)))

    class Slow:
        name = "slow"

        def send(self, **kw):
            time.sleep(1.5)  # three times the claim: only its renewals keep it ours
            in_another_thread(another_worker_claims)
            return vonage.send(**kw)

    assert run(Slow(), lease=timedelta(seconds=0.5))["sent"] == 1
    assert taken_by_another == [] and fake.count() == 1


def cut_the_connection(database) -> None:
    """Kill this thread's PostgreSQL connection from the server side, as a restart does."""
    import psycopg

    from store.db import db

    pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_sent_text_is_recorded_through_a_database_blip_and_never_sent_again(
        database, fake, vonage, monkeypatch):
    from peewee import OperationalError

    from store.db import is_postgres

    message = queue_message(to=PHONE, text="You're unsubscribed", kind="manual", fallback_zone=ZONE)
    failures = []
    if is_postgres():
        class CutAfterSending:  # Vonage takes the text, then the database goes away
            name = "vonage"

            def send(self, **kw):
                provider_id = vonage.send(**kw)
                cut_the_connection(database)
                return provider_id

        transport = CutAfterSending()
    else:  # SQLite has no server to lose: the edge's writes fail twice instead
        real_mark_sent = delivery.mark_sent

        def flaky_mark_sent(*args, **kw):
            if len(failures) < 2:
                failures.append(1)
                raise OperationalError("disk I/O error")
            return real_mark_sent(*args, **kw)

        monkeypatch.setattr(delivery, "mark_sent", flaky_mark_sent)
        transport = vonage

    assert run(transport, lease=timedelta(seconds=0.5))["sent"] == 1
    stored = OutboundMessage.get_by_id(message.id)
    assert (stored.status, stored.vonage_message_id) == ("sent", fake.sent[0].message_id)
    time.sleep(0.6)  # the claim would have ended by now: nothing is left to send again
    assert run(vonage)["sent"] == 0
    assert fake.count() == 1


def test_recording_gives_up_after_its_patience_and_says_so(caplog):
    from peewee import OperationalError

    def always_down():
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        delivery.record(always_down, "message 1 (manual) to …0100", patience=0.5)
    assert "may be sent again" in caplog.text


# --- the worker: takes over a dead worker's lease when it ends, looks at once at start ---


@pytest.fixture
def queue(database, tmp_path, monkeypatch):
    """Return the send worker's Queue on the test database, recording what it schedules."""
    from gateway.queue import Queue

    config = Config.from_env({"DATABASE_URL": database.url, "SMS_TRANSPORT": "console"},
                             dotenv=False)
    queue = Queue(config)
    queue.scheduled = []
    monkeypatch.setattr(queue, "_call",
                        lambda task, delay=0: queue.scheduled.append((task.name, delay)))
    return queue


def test_a_wake_up_finding_the_lease_busy_looks_again_when_it_ends(queue):
    from store.leases import acquire

    acquire("deliver", "a worker killed mid-round", ttl=timedelta(seconds=4))
    in_another_thread(queue._deliver)
    in_another_thread(queue._deliver)  # a second wake-up: that retry is booked already
    [(task, delay)] = queue.scheduled
    assert task == "deliver" and 3.5 <= delay <= 4.6


def test_the_claim_of_a_dead_workers_text_is_looked_at_when_it_ends(queue):
    from store.messaging.outbox import claim_due

    queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    claim_due(limit=1, lease=timedelta(seconds=3))  # a worker that then died
    in_another_thread(queue._deliver)
    [(task, delay)] = queue.scheduled
    assert task == "deliver" and 2.5 <= delay <= 3.6


def test_a_worker_looks_at_once_when_it_starts(queue):
    queue.consumer(workers=1)
    assert sorted(queue.scheduled) == [("alerts", 0), ("deliver", 0)]


def start_worker(env: dict, log_path: Path, cwd: Path):
    import os
    import subprocess
    import sys

    from tests.fakes.gunicorn import with_bytecode_cache

    with log_path.open("ab") as log:
        return subprocess.Popen([str(Path(sys.executable).parent / "smsprefs"), "worker"],
                                env=with_bytecode_cache({**os.environ, **env}), cwd=cwd,
                                stdout=log, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_send_is_taken_over_within_15_seconds(database, fake, tmp_path):
    from tests.fakes.vonage_server import Ok

    recipients = [f"+1212558{n:04d}" for n in range(4)]
    for phone in recipients:
        queue_message(to=phone, text="Your car is ready", kind="manual", fallback_zone=ZONE)
    # the second text hangs at Vonage: the worker is mid-send, holding every lease it has
    fake.script([Ok(), Hang(60, then=Http(500))])
    env = {"DATABASE_URL": database.url, "VONAGE_API_KEY": "key",
           "VONAGE_API_SECRET": "secret", "VONAGE_FROM_NUMBER": "12125550199",
           "VONAGE_REST_HOST": fake.host, "VONAGE_API_HOST": fake.host,
           "REQUESTS_CA_BUNDLE": str(fake.ca_path), "SMSPREFS_API_TOKEN": "t"}
    log = tmp_path / "workers.log"
    first = start_worker(env, log, tmp_path)
    second = None
    try:
        deadline = time.monotonic() + 60
        while len(fake.received) < 2:
            assert first.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        first.kill()  # kill -9: no goodbye, its leases stay until they end
        first.wait()
        killed = time.monotonic()
        second = start_worker(env, log, tmp_path)
        fake.wait_for_sent(2, timeout=30)
        took = time.monotonic() - killed
        assert took <= 15, f"the new worker sent its first text {took:.1f}s after the kill"
        # the text in flight went too, once its claim ended; Vonage never took it twice
        fake.wait_for_sent(4, timeout=30)
        assert sorted(r.to for r in fake.sent) == [p.lstrip("+") for p in recipients]
    except BaseException:
        print(log.read_text())
        raise
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.kill()
                worker.wait()
