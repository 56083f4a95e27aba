"""The send worker's queue, on huey: a wake-up after each commit, retries, a sweep a minute.

The outbox table is the durable record; huey only says when to look at it. So a crash
between a commit and its wake-up loses nothing: the minute sweep finds what is due.
A worker that starts looks at once, and a wake-up that finds another worker's lease busy
looks again when that lease would end: a worker killed mid-round is taken over within
LEASE_TTL, not at the next sweep.
Storage: PostgresHuey in the same PostgreSQL in production, a local SQLite file otherwise.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from huey import PostgresHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_INTERRUPTED

from bot.alerts import ConsoleNotifier, Notifier, SlackNotifier, deliver_alerts
from gateway.config import Config
from gateway.delivery import Heartbeat, Pacer, deliver_due
from gateway.transports import SmsTransport, make_transport
from gateway.webhooks import reply_settings
from store.clock import utcnow
from store.consent import remind_overdue
from store.db import connection, normalize_url
from store.leases import acquire, book_alarm, ends_at, forget_old_nonces, release, renew
from store.messaging import anything_due, assemble_stale_parts, next_due_at

log = logging.getLogger("smsprefs.queue")


# the names of huey's tables on PostgreSQL, which migration 0005 creates
HUEY_TABLE_PREFIX = "huey"


def make_huey(config: Config):
    """Return the huey instance for the configured database (creating no table there).

    On PostgreSQL the queue's tables belong to `smsprefs migrate` (migration 0005): huey's
    own CREATE TABLE IF NOT EXISTS at construction races when processes start together.
    On SQLite the queue is a local file of its own; huey creates its tables there inside
    BEGIN EXCLUSIVE, which SQLite serializes across processes, so that one is safe.
    """
    url = config.database_url.reveal()
    scheme, _, rest = normalize_url(url).partition("://")
    if scheme.startswith("postgres"):
        return PostgresHuey("smsprefs", dsn=f"postgresql://{rest}",
                            table_prefix=HUEY_TABLE_PREFIX, create_tables=False)
    path = Path(rest[1:])  # sqlite:///rel.db is rel.db; sqlite:////abs.db is /abs.db
    return SqliteHuey("smsprefs", filename=str(path.with_name(f"{path.stem}-queue.db")))


class Queue:
    """Tasks of the send worker, registered on one huey instance built from config."""

    def __init__(self, config: Config, *, transport: SmsTransport | None = None,
                 notifier: Notifier | None = None):
        self.config = config
        self._notifier = notifier
        self.huey = make_huey(config)
        self._transport = transport
        self.pacer = Pacer(config.vonage_max_rps)
        huey = self.huey
        self.deliver = huey.task(name="deliver", retries=0)(self._deliver)
        self.post_alerts = huey.task(name="alerts", retries=0)(self._post_alerts)
        self.deliver_and_alerts = huey.task(name="deliver+alerts", retries=0)(
            self._deliver_and_alerts)
        self.sweep = huey.periodic_task(crontab(minute="*"), name="sweep")(self._sweep)

        @huey.signal(SIGNAL_INTERRUPTED)
        def _requeue(signal, task, *args, **kwargs):
            # a deploy or restart stopped the task mid-run: the lease frees its messages,
            # and this puts the wake-up back so they go out without waiting for the sweep
            huey.enqueue(task)

    @property
    def transport(self) -> SmsTransport:
        if self._transport is None:
            self._transport = make_transport(self.config)
        return self._transport

    def wake(self, delay: float = 0) -> None:
        """Ask the worker to deliver what is due (now, or after `delay` seconds)."""
        if delay or not self._waiting("deliver"):
            self._call(self.deliver, delay)

    def wake_both(self) -> None:
        """Ask the worker to deliver what is due and to post pending alerts, with one
        wake-up: each is a write to the queue (with its fsync) before the webhook's 2xx."""
        if not self._waiting("deliver", "alerts"):
            self._call(self.deliver_and_alerts)

    def _waiting(self, *names: str) -> bool:
        """Return whether wake-ups doing all of `names` wait in the queue, not yet taken.

        Such a wake-up is taken after this look, so after the caller's commit: when it
        runs it sees what the caller committed, as the caller's own wake-up would. A read
        costs less than a write and its fsync; on any doubt, wake.
        """
        try:
            waiting = {task.name for task in self.huey.pending(limit=PEEK)}
        except Exception:
            return False
        return "deliver+alerts" in waiting or set(names) <= waiting

    def _call(self, task, delay: float = 0) -> None:
        try:
            if delay:
                task.schedule(delay=delay)
            else:
                task()
        except Exception:  # the sweep will find it: never fail the request over a wake-up
            log.exception("could not wake the send worker; the minute sweep will do it")

    def _deliver(self) -> None:
        with connection():
            with lease("deliver") as heartbeat:
                if heartbeat is None:
                    # another worker is delivering; should it have died, look when its
                    # lease ends (a live one renews it, and looks again before it stops)
                    self._look_when_free("deliver", self.deliver)
                    return
                counts = deliver_due(self.transport, self.pacer, heartbeat=heartbeat,
                                     keep=lambda: heartbeat.holds("deliver"),
                                     zone=self.config.dealership_timezone)
            if anything_due():
                self.wake()  # came due as the round ended, or the round ran out of time
            else:
                # a retry, a scheduled text, or the claim of a dead worker's text ending
                coming = next_due_at(within=SOON)
                if coming is not None:
                    self._alarm("deliver", coming, self.deliver)
        if any(counts.values()):
            log.debug("delivery round: %s", counts)  # each text has its own line

    def _deliver_and_alerts(self) -> None:
        # the alerts as a task of their own: a long delivery round does not hold them back
        self._call(self.post_alerts)
        self._deliver()

    def _look_when_free(self, name: str, task) -> None:
        self._alarm(name, ends_at(name) or utcnow(), task)

    def _alarm(self, name: str, at: datetime, task) -> None:
        """Run `task` at `at`, unless a wake-up of it is booked for then or sooner already
        (so wake-ups finding a lease busy schedule one retry between them, not one each)."""
        at += ALARM_MARGIN
        if book_alarm(f"{name}:alarm", at):
            self._call(task, delay=max((at - utcnow()).total_seconds(), 0.001))

    def _sweep(self) -> None:
        with connection():
            assemble_stale_parts(settings=reply_settings(self.config))
            remind_overdue(zone=self.config.dealership_timezone)
            forget_old_nonces()
        self._deliver()
        self._post_alerts()

    @property
    def notifier(self) -> Notifier:
        if self._notifier is None:
            self._notifier = make_notifier(self.config)
        return self._notifier

    def wake_alerts(self) -> None:
        """Ask the worker to post pending alerts to Slack."""
        if not self._waiting("alerts"):
            self._call(self.post_alerts)

    def _post_alerts(self) -> None:
        with connection(), lease("alerts") as heartbeat:
            if heartbeat is None:
                self._look_when_free("alerts", self.post_alerts)
                return
            counts = deliver_alerts(self.notifier,
                                    opt_out_rate_alert=self.config.opt_out_rate_alert)
        if counts["retry"]:
            self._call(self.post_alerts, delay=10)
        if counts["posted"] or counts["retry"]:
            log.debug("alerts round: %s", counts)  # each alert has its own line

    def consumer(self, *, workers: int = 2):
        """Return a huey consumer for these tasks, having asked it to look at once.

        A worker (re)started after a crash delivers what is due now, not at the next sweep.
        """
        # poll the queue at least every 2 s when idle (huey's default backs off to 10 s)
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread",
                                             periodic=True, max_delay=2.0)
        self._call(self.deliver)  # at start, whatever waits in the queue already
        self._call(self.post_alerts)
        return consumer


# A worker lease, renewed every few seconds by its holder's heartbeat: a worker killed
# while holding it is taken over this long after its last renewal.
LEASE_TTL = timedelta(seconds=8)
ALARM_MARGIN = timedelta(seconds=0.5)  # look just after a lease ends, not just before
SOON = timedelta(seconds=60)  # what comes due later than this, the minute sweep finds
PEEK = 8  # wake-ups looked at before adding one (a few: they are taken within moments)


@contextmanager
def lease(name: str):
    """Hold the worker lease `name` while the block runs, renewed by a heartbeat thread.

    Yield None when another worker holds it; otherwise the Heartbeat, whose holds(name)
    turns False if the lease was lost (the block should then stop).
    """
    holder = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]
    if not acquire(name, holder, ttl=LEASE_TTL):
        yield None
        return
    with Heartbeat() as heartbeat:
        heartbeat.hold(name, lambda: renew(name, holder, ttl=LEASE_TTL))
        try:
            yield heartbeat
        finally:
            heartbeat.stop()  # no renewal may come after the release
            release(name, holder)


def make_notifier(config: Config) -> Notifier:
    """Return where alerts go: the Slack alert channel, or printed when Slack is off."""
    if not (config.slack_enabled and config.slack_alert_channel):
        if config.slack_enabled:
            log.warning("SLACK_ALERT_CHANNEL is not set: alerts are printed, not posted")
        return ConsoleNotifier()
    from slack_sdk import WebClient

    # no retry handlers: slack_sdk would re-send a post whose connection dropped after Slack
    # took it; our own retry looks for the post in the channel first
    client = WebClient(token=config.slack_bot_token.reveal(), base_url=config.slack_api_url,
                       timeout=10, retry_handlers=[])
    return SlackNotifier(client, config.slack_alert_channel)
