"""The modals: the opt-in's evidence of consent (the card redraws where it was), and what a
client meant by an opt-out marked misread (the alert redraws, saying who corrected it).

Both change consent, so both go through `editors_only`.
"""

from __future__ import annotations

import logging

from slack_sdk.webhook import WebhookClient

import bot.ids as ids
from bot.alerts import redraw_posted
from bot.blocks import draw
from bot.permissions import editors_only
from store.consent import change_consent, correct_misread
from store.errors import StoreError
from store.phones import mask
from store.vocabulary import OPTED_IN

log = logging.getLogger("smsprefs.bot")


def register(app) -> None:
    app.view(ids.OPT_IN_MODAL, middleware=[editors_only])(opt_in_submitted)
    app.view(ids.MISREAD_MODAL, middleware=[editors_only])(misread_submitted)


def opt_in_submitted(ack, view, context):
    """Opt the client in with the evidence typed, or say under the note why not."""
    user, metadata = context.user_id, ids.metadata(view)
    e164 = metadata.get("phone")
    note = ids.typed(view, ids.EVIDENCE_BLOCK, ids.EVIDENCE_INPUT).strip()
    try:
        change_consent(e164, actor=context["actor"], overall=OPTED_IN, note=note)
    except StoreError as exc:  # a rule refused it, or a number no longer valid
        ack(response_action="errors", errors={ids.EVIDENCE_BLOCK: f"Not changed: {exc}."})
        return
    ack()
    log.info("%s opted in %s in Slack with a note", user, mask(e164))
    if metadata.get("response_url"):  # redraw the card the button was on
        card = draw(e164, context["config"].dealership_timezone, notice=f"Opted in by <@{user}>.")
        try:  # the opt-in stands either way; only its echo on the card can be lost
            sent = WebhookClient(metadata["response_url"]).send(replace_original=True, **card)
        except OSError as exc:
            log.warning("could not redraw the card of %s: %s", mask(e164), exc)
        else:
            if sent.status_code != 200:  # an expired response_url: Slack allows 30 minutes
                log.warning("could not redraw the card of %s: Slack answered %s",
                            mask(e164), sent.status_code)


def misread_submitted(ack, view, client, context):
    """Undo an opt-out the client did not mean, with the note typed, or say why not."""
    user, metadata = context.user_id, ids.metadata(view)
    e164, event_id = metadata.get("phone"), metadata.get("event_id")
    note = ids.typed(view, ids.MISREAD_BLOCK, ids.MISREAD_INPUT)
    try:
        result = correct_misread(e164, int(event_id), actor=context["actor"], note=note)
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
