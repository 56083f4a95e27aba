"""The modals: the opt-in's evidence of consent (the card redraws where it was), and what a
client meant by an opt-out marked misread (the alert redraws, saying who corrected it)."""

from __future__ import annotations

import json
import logging

from slack_sdk.webhook import WebhookClient

from bot import ids, with_db
from bot.alerts import redraw_posted
from bot.cards import draw, staff
from bot.permissions import NOT_EDITOR
from store.consent import change_consent, correct_misread
from store.errors import ConsentRefused, StoreError
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

    @app.view(ids.MISREAD_MODAL)
    @with_db
    def misread(ack, body, view, client):
        user = body["user"]["id"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        e164, event_id = metadata.get("phone"), metadata.get("event_id")
        note = (view["state"]["values"].get(ids.MISREAD_BLOCK, {})
                .get(ids.MISREAD_INPUT, {}).get("value") or "")
        if not permissions.may_edit(user):
            ack(response_action="errors", errors={ids.MISREAD_BLOCK: NOT_EDITOR})
            return
        try:
            result = correct_misread(e164, int(event_id), actor=staff(user), note=note)
        except (StoreError, TypeError, ValueError) as exc:
            ack(response_action="errors", errors={ids.MISREAD_BLOCK: f"Not changed: {exc}."})
            return
        if result.refusal is not None:  # recorded; said in plain words where the note is
            ack(response_action="errors",
                errors={ids.MISREAD_BLOCK: f"Not changed: {result.refusal}."})
            return
        ack()
        log.info("%s marked opt-out %s of %s misread", user, event_id, mask(e164))
        redraw_posted(client, event_id=int(event_id))
