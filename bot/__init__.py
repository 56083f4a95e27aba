"""The Slack bot: /smsprefs cards and actions, the opt-in modal, and alerts (SPEC section 6).

build_bolt_app() makes the Bolt app from configuration (None when Slack is not configured);
register() mounts it on the gateway's Flask app at /slack/events.
"""

from __future__ import annotations

import functools
from concurrent.futures import Executor, ThreadPoolExecutor

from flask import Flask, request

from bot.permissions import OTHER_TEAM, Permissions
from store.db import db

# Bolt runs every listener on this pool after ack(); too small a pool makes Slack time out
# (a sixth slow listener cannot even ack within 3 s), so it is sized for a busy showroom.
LISTENER_THREADS = 16


def with_db(listener):
    """Give a Bolt listener its own database connection (listeners run on Bolt's threads)."""

    @functools.wraps(listener)
    def wrapper(*args, **kwargs):
        opened = db.connect(reuse_if_open=True)
        try:
            return listener(*args, **kwargs)
        finally:
            if opened and not db.is_closed():
                db.close()

    return wrapper


def build_bolt_app(config, *, executor: Executor | None = None):
    """Return the Bolt app for `config`, or None when Slack is not configured."""
    if not config.slack_enabled:
        return None
    from slack_bolt import App, BoltResponse
    from slack_sdk import WebClient

    from bot.replays import refuse_replays

    client = WebClient(token=config.slack_bot_token.reveal(), base_url=config.slack_api_url,
                       timeout=10)
    # before_authorize runs right after Bolt has verified the signature, before anything else
    app = App(signing_secret=config.slack_signing_secret.reveal(), client=client,
              token_verification_enabled=False, before_authorize=refuse_replays,
              listener_executor=executor or ThreadPoolExecutor(max_workers=LISTENER_THREADS))
    permissions = Permissions(editors=config.editors, team_id=config.slack_team_id,
                              client=client)

    @app.middleware
    def only_our_workspace(context, body, next):
        if permissions.team_allowed(context.team_id):
            return next()
        # a slash command shows this text; an action from elsewhere just gets nothing done
        return BoltResponse(status=200, body=OTHER_TEAM if body.get("command") else "")

    from bot import actions, commands, views

    commands.register(app, config, permissions)
    actions.register(app, config, permissions)
    views.register(app, config, permissions)
    return app


def register(flask_app: Flask, bolt_app) -> None:
    """Serve every Slack request (commands, interactivity) at POST /slack/events."""
    from slack_bolt.adapter.flask import SlackRequestHandler

    handler = SlackRequestHandler(bolt_app)

    @flask_app.post("/slack/events")
    def slack_events():
        return handler.handle(request)
