"""The send worker's queue, on huey: a wake-up after each commit, retries, a sweep a minute.

The outbox table is the durable record; huey only says when to look at it. So a crash
between a commit and its wake-up loses nothing: the minute sweep finds what is due.
Storage: PostgresHuey in the same PostgreSQL in production, a local SQLite file otherwise.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from huey import PostgresHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_INTERRUPTED

from bot.alerts import ConsoleNotifier, Notifier, SlackNotifier, deliver_alerts
from gateway.config import Config
from gateway.delivery import Pacer, deliver_due
from gateway.transports import SmsTransport, make_transport
from gateway.webhooks import reply_settings
from store.db import db, normalize_url
from store.inbound import assemble_stale_parts
from store.leases import acquire, release
from store.nonces import forget_old_nonces
from store.outbox import anything_due
from store.reviews import remind_overdue

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

    def wake(self, delay: int = 0) -> None:
        """Ask the worker to deliver what is due (now, or after `delay` seconds)."""
        try:
            if delay:
                self.deliver.schedule(delay=delay)
            else:
                self.deliver()
        except Exception:  # the sweep will find it: never fail the request over a wake-up
            log.exception("could not wake the send worker; the minute sweep will deliver")

    def _deliver(self) -> None:
        with db.connection_context(), lease("deliver") as keep:
            if keep is None:
                return  # another worker is delivering; it keeps going while anything is due
            counts = deliver_due(self.transport, self.pacer, keep=keep,
                                 zone=self.config.dealership_timezone)
        with db.connection_context():
            # a wake-up that came while this round held the lease found it busy: look again
            if anything_due():
                self.wake()
        if counts["next_retry"]:
            self.wake(delay=counts["next_retry"])
        if any(counts[k] for k in ("sent", "cancelled", "retry", "failed")):
            log.info("delivery round: %s", counts)

    def _sweep(self) -> None:
        with db.connection_context():
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
        try:
            self.post_alerts()
        except Exception:  # the sweep will find them: never fail the request over this
            log.exception("could not wake the alert poster; the minute sweep will post")

    def _post_alerts(self) -> None:
        with db.connection_context(), lease("alerts") as keep:
            if keep is None:
                return
            counts = deliver_alerts(self.notifier)
        if counts["retry"]:
            self.post_alerts.schedule(delay=10)
        if counts["posted"] or counts["retry"]:
            log.info("alerts round: %s", counts)

    def consumer(self, *, workers: int = 2):
        """Return a huey consumer for these tasks (locks left by a dead worker are flushed)."""
        # poll the queue at least every 2 s when idle (huey's default backs off to 10 s)
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         max_delay=2.0)


LEASE_TTL = timedelta(seconds=90)


@contextmanager
def lease(name: str):
    """Hold the worker lease `name` while the block runs; yield None when another holds it.

    Otherwise yield a function that renews it (False once it was lost).
    """
    holder = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]
    if not acquire(name, holder, ttl=LEASE_TTL):
        yield None
        return
    try:
        yield lambda: acquire(name, holder, ttl=LEASE_TTL)
    finally:
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
