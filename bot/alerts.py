"""Posting alerts: to SLACK_ALERT_CHANNEL through slack_sdk, or printed when Slack is off.

One post per alert, even when a retry follows a timeout whose post did land: every post
carries the alert id in its message metadata, and a retry first looks for it in the
channel's recent history before posting again.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.alert_blocks import alert_message, rate_alert_message
from store.clock import backoff, to_aware
from store.consent import corrections_of
from store.messaging import (
    ALERT_OPT_OUT_RATE,
    claim_alerts,
    details,
    mark_posted,
    posted_alerts,
    record_rate_alerts,
    retry_alert,
)
from store.vocabulary import ALERT_OPT_OUT

log = logging.getLogger("smsprefs.alerts")
EVENT_TYPE = "smsprefs_alert"
RETRY_FIRST, RETRY_CAP = 5, 600  # seconds to wait after a failed post: doubling, at most


class AlertFailed(Exception):
    """Slack did not take the alert now; try again later."""


class Notifier(Protocol):
    def post(self, alert, text: str, blocks: list[dict]) -> tuple[str | None, str | None]: ...


class ConsoleNotifier:
    """Print alerts (Slack is off): the local run and tests without Slack."""

    def __init__(self):
        self.posted: list[str] = []

    def post(self, alert, text, blocks):
        self.posted.append(text)
        print(f"[alert] {text}", flush=True)
        return None, None


class SlackNotifier:
    """Post alerts with the real slack_sdk WebClient."""

    def __init__(self, client, channel: str):
        self.client, self.channel = client, channel

    def post(self, alert, text, blocks):
        from slack_sdk.errors import SlackApiError

        if alert.attempts > 1:  # an earlier try may have landed without us hearing
            found = self._find(alert)
            if found:
                return self.channel, found
        try:
            response = self.client.chat_postMessage(
                channel=self.channel, text=text, blocks=blocks, unfurl_links=False,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"alert_id": alert.id}})
        except SlackApiError as exc:
            raise AlertFailed(f"Slack answered {exc.response.get('error')}") from exc
        except OSError as exc:  # timeouts and connection errors from urllib
            raise AlertFailed(type(exc).__name__) from exc
        return response["channel"], response["ts"]

    def _find(self, alert) -> str | None:
        from slack_sdk.errors import SlackApiError

        oldest = to_aware(alert.created_at).timestamp() - 60
        try:
            history = self.client.conversations_history(
                channel=self.channel, oldest=str(oldest), include_all_metadata=True, limit=200)
        except (SlackApiError, OSError) as exc:
            # without the history scope we cannot tell: a rare duplicate beats a lost alert
            log.warning("could not read the alert channel's history: %s", exc)
            return None
        for message in history.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("alert_id") == alert.id:
                return message["ts"]
        return None


def render(alert) -> tuple[str, list[dict]]:
    """Return (text, blocks) of `alert` as things stand now: decided, marked misread."""
    if alert.kind == ALERT_OPT_OUT_RATE:
        return rate_alert_message(alert.figures)
    correction = corrections_of(alert.event_id) if alert.kind == ALERT_OPT_OUT else []
    return alert_message(details(alert), correction=correction)


def redraw_posted(client, *, review_id: int | None = None, event_id: int | None = None) -> None:
    """Update in place the posted alerts of a review or an event, after someone acted on it."""
    from slack_sdk.errors import SlackApiError

    for alert in posted_alerts(review_id=review_id, event_id=event_id):
        text, blocks = render(alert)
        try:
            client.chat_update(channel=alert.slack_channel, ts=alert.slack_ts, text=text,
                               blocks=blocks)
        except (SlackApiError, OSError) as exc:  # the change stands; only its echo is lost
            log.warning("could not update alert %s in Slack: %s", alert.id, exc)


def deliver_alerts(notifier: Notifier, *, limit: int = 20,
                   opt_out_rate_alert: float | None = None) -> dict[str, int]:
    """Post every pending alert whose lease is free; return counts.

    With `opt_out_rate_alert`, first record a rate alert for each campaign or automation
    whose opt-out rate passed it (once each: store.messaging.record_rate_alerts).
    """
    counts = {"posted": 0, "retry": 0}
    if opt_out_rate_alert is not None:
        record_rate_alerts(threshold=opt_out_rate_alert)
    while True:
        alerts = claim_alerts(limit=limit)
        if not alerts:
            return counts
        for alert in alerts:
            text, blocks = render(alert)
            try:
                channel, ts = notifier.post(alert, text, blocks)
            except AlertFailed as exc:
                wait = backoff(alert.attempts, first=RETRY_FIRST, cap=RETRY_CAP)
                retry_alert(alert.id, delay=wait)
                counts["retry"] += 1
                log.warning("alert %s (%s) not posted, will retry: %s", alert.id, alert.kind,
                            exc)
                continue
            mark_posted(alert.id, channel=channel, ts=ts)
            counts["posted"] += 1
            log.info("alert %s (%s) posted", alert.id, alert.kind)
