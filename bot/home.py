"""The bot's Home tab (SPEC section 6): drawn afresh whenever someone opens it, and again
for whoever takes a decision there.

Slack sends `app_home_opened` each time a person opens the app (the Home or the Messages
tab); the Home tab is published for that person with views.publish. Its review buttons are
the alert's, handled by bot.actions; a click in the Home tab comes with no response_url
and no message to replace, so `answers_in_home` gives that listener a respond() that
republishes the tab with what it would have said at the top.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.alert_blocks import DECIDED
from bot.home_blocks import (
    BLOCKS_SHOWN,
    OPT_OUT_DAYS,
    RECENT_DAYS,
    REVIEWS_SHOWN,
    home_view,
)
from bot.middleware import connected
from store.clock import utcnow
from store.messaging import opt_outs_by_source, recent_opt_out_rates
from store.phones import mask
from store.records import carrier_blocks, pending_reviews

log = logging.getLogger("smsprefs.bot")
HOME_TAB = "home"


def register(app) -> None:
    app.event("app_home_opened")(home_opened)


def home_opened(event, client, context):
    """Publish the Home tab for the person who opened it (Bolt acks events by itself)."""
    if event.get("tab", HOME_TAB) != HOME_TAB:  # the Messages tab: nothing to draw
        return
    publish(client, event["user"], context["config"])


def build(config, *, notice: str | None = None, now: datetime | None = None) -> dict:
    """Return the Home tab as things stand now."""
    now = now or utcnow()
    return home_view(
        reviews=pending_reviews(limit=REVIEWS_SHOWN),
        blocks=carrier_blocks(limit=BLOCKS_SHOWN),
        by_source=opt_outs_by_source(since=now - timedelta(days=OPT_OUT_DAYS)),
        rates=recent_opt_out_rates(since=now - timedelta(days=RECENT_DAYS)),
        zone=config.dealership_timezone, now=now, notice=notice,
        rate_alert=config.opt_out_rate_alert)


def publish(client, user_id: str, config, *, notice: str | None = None) -> None:
    """Publish the Home tab for `user_id`; a failure is logged, the tab stays as it was."""
    from slack_sdk.errors import SlackApiError

    view = build(config, notice=notice)
    try:
        client.views_publish(user_id=user_id, view=view)
    except (SlackApiError, OSError) as exc:  # the person sees the old tab; reopening retries
        log.warning("could not publish the Home tab of %s: %s", user_id, exc)


def in_home(body: dict) -> bool:
    """Return whether an interaction came from the Home tab."""
    return (body.get("view") or {}).get("type") == HOME_TAB


def decided_notice(user_id: str, status: str, e164: str) -> str:
    """Return what the Home tab says after `user_id` decided the review of `e164`."""
    return f"<@{user_id}> {DECIDED.get(status, status)} ({mask(e164)})."


class HomeRespond:
    """respond() for a click in the Home tab: republish the tab with `text` at its top."""

    def __init__(self, client, user_id: str, config):
        self.client, self.user_id, self.config = client, user_id, config

    def __call__(self, text: str = "", **_message) -> None:
        # called from a listener (its thread holds a connection) or from a listener
        # middleware such as editors_only, on the request's thread
        with connected():
            publish(self.client, self.user_id, self.config, notice=text or None)


def answers_in_home(context, body, next):
    """Let the listener after this answer a Home tab click in the tab (listener middleware)."""
    if in_home(body):
        context["respond"] = HomeRespond(context.client, context.user_id, context["config"])
    return next()
