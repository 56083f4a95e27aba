"""The Slack bot: /smsprefs cards and actions, the modals, and alerts (SPEC section 6).

build_bolt_app() makes the Bolt app from configuration (None when Slack is not configured);
register() mounts it on the gateway's Flask app at /slack/events.

Laid out like Slack's bolt-python starter template: the listeners are plain functions, one
module per Slack surface (commands, actions, views, home), each with a register(app) that
this package calls. Around them: bot.middleware (replays, the settings in Bolt's context, a
database connection per listener) and bot.permissions (the workspace and the editors).
This package imports those modules, never the other way round; Slack's libraries load only
when Slack is configured.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from flask import Flask, request

# Bolt runs every listener on this pool after ack(); too small a pool makes Slack time out
# (a sixth slow listener cannot even ack within 3 s), so it is sized for a busy showroom.
LISTENER_THREADS = 16


def build_bolt_app(config, *, executor: Executor | None = None):
    """Return the Bolt app for `config`, or None when Slack is not configured."""
    if not config.slack_enabled:
        return None
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot import actions, commands, home, views
    from bot.middleware import (
        Settings,
        give_listeners_connections,
        refuse_foreign_addresses,
        refuse_replays,
        refuse_untypable_text,
    )
    from bot.permissions import GROUP_LOOKUP_TIMEOUT, Permissions, only_our_workspace

    token, api_url = config.slack_bot_token.reveal(), config.slack_api_url
    # before_authorize runs right after Bolt has verified the signature, before anything else
    app = App(signing_secret=config.slack_signing_secret.reveal(),
              client=WebClient(token=token, base_url=api_url, timeout=10),
              token_verification_enabled=False, before_authorize=refuse_replays,
              listener_executor=executor or ThreadPoolExecutor(max_workers=LISTENER_THREADS))
    permissions = Permissions(
        editors=config.editors, team_id=config.slack_team_id,
        client=WebClient(token=token, base_url=api_url, timeout=GROUP_LOOKUP_TIMEOUT))
    app.use(Settings(config, permissions))
    app.use(only_our_workspace)
    app.use(refuse_foreign_addresses)  # the shape first: the text check reads inside it
    app.use(refuse_untypable_text)
    give_listeners_connections(app)
    for surface in (commands, actions, views, home):
        surface.register(app)
    return app


def register(flask_app: Flask, bolt_app) -> None:
    """Serve every Slack request (commands, interactivity, events) at POST /slack/events."""
    from slack_bolt.adapter.flask.handler import to_bolt_request, to_flask_response
    from werkzeug.exceptions import BadRequest

    from bot.ids import check_shape

    @flask_app.post("/slack/events")
    def slack_events():
        # What SlackRequestHandler.handle() does for a POST, with a step more: Bolt reads
        # the body and its ids (team, user, channel…) before it checks the signature, and
        # the actions or the view of a click or a modal before any middleware; it raises on
        # a body that is not a form or a JSON object, or on parts of other shapes. Anyone
        # could send one: it is a 400, not a 500 (and nothing is answered to its
        # response_url, which only a signed request may be).
        try:
            read = to_bolt_request(request)
            check_shape(read.body)
        except (ValueError, TypeError, AttributeError, LookupError):
            # logged: were a Bolt upgrade to misread Slack's own bodies, someone should see
            logging.getLogger("smsprefs.bot").warning(
                "refused a Slack request Bolt could not read", exc_info=True)
            raise BadRequest("a Slack request is a form or a JSON object of Slack's shape, as "
                             "Slack sends it") from None
        return to_flask_response(bolt_app.dispatch(read))
