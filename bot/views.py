"""The opt-in modal: staff give the evidence of consent; the card redraws where it was."""

from __future__ import annotations

import json
import logging

from slack_sdk.webhook import WebhookClient

from bot import ids, with_db
from bot.cards import draw, staff
from bot.permissions import NOT_EDITOR
from store.consent import change_consent
from store.errors import ConsentRefused
from store.phones import mask

log = logging.getLogger("smsprefs.bot")


def register(app, config, permissions) -> None:
    @app.view(ids.OPT_IN_MODAL)
    @with_db
    def opt_in(ack, body, view):
        user = body["user"]["id"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        e164 = metadata.get("phone")
        note = (view["state"]["values"].get(ids.EVIDENCE_BLOCK, {})
                .get(ids.EVIDENCE_INPUT, {}).get("value") or "").strip()
        if not permissions.may_edit(user):
            ack(response_action="errors", errors={ids.EVIDENCE_BLOCK: NOT_EDITOR})
            return
        try:
            change_consent(e164, actor=staff(user), overall="opted_in", note=note)
        except ConsentRefused as exc:
            ack(response_action="errors", errors={ids.EVIDENCE_BLOCK: f"Not changed: {exc}."})
            return
        ack()
        log.info("%s opted in %s in Slack with a note", user, mask(e164))
        if metadata.get("response_url"):  # redraw the card the button was on
            WebhookClient(metadata["response_url"]).send(
                replace_original=True,
                **draw(e164, config.dealership_timezone, notice=f"Opted in by <@{user}>."))
