"""Clicks on the card and on review alerts: every change through the store's rules."""

from __future__ import annotations

import logging
import re

from bot import blocks, ids, with_db
from bot.alerts import redraw_posted
from bot.cards import draw, staff
from bot.permissions import NOT_EDITOR
from store.consent import (
    AUTOMATIONS,
    change_consent,
    corrections_of,
    decide_review,
    get_event,
    get_state,
    list_events,
)
from store.errors import ConsentRefused, NotFound
from store.phones import mask
from store.records import clients_of

log = logging.getLogger("smsprefs.bot")


def register(app, config, permissions) -> None:
    zone = config.dealership_timezone

    def refuse_unless_editor(user: str, respond) -> bool:
        if permissions.may_edit(user):
            return False
        respond(text=NOT_EDITOR, replace_original=False)
        return True

    @app.action(re.compile(f"^{re.escape(ids.OVERALL)}"))
    @with_db
    def overall(ack, action, body, respond, client):
        ack()
        user, e164 = body["user"]["id"], action["value"]
        target = action["action_id"].removeprefix(ids.OVERALL)
        if refuse_unless_editor(user, respond):
            return
        if target == "opted_in":  # the evidence note first; trigger_id lives 3 seconds
            names = ", ".join(c.name for c in clients_of(e164)) or "this client"
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.opt_in_modal(e164, names, body.get("response_url")))
            return
        respond(replace_original=True, **_change(e164, zone, user, overall=target))

    @app.action(ids.SWITCHES)
    @with_db
    def switches(ack, action, body, respond):
        ack()
        user = body["user"]["id"]
        e164, drawn = ids.read_switches_block(action["block_id"])
        if refuse_unless_editor(user, respond):
            return
        chosen = {o["value"] for o in action.get("selected_options") or []}
        state = get_state(e164)
        clicked = [name for name, was in zip(AUTOMATIONS, drawn, strict=False)
                   if (name in chosen) != (was == "1")]
        wanted = {name: "on" if name in chosen else "off" for name in clicked}
        changes = {n: s for n, s in wanted.items() if state.switch(n).state != s}
        if not changes:
            respond(replace_original=True, **draw(e164, zone))
            return
        respond(replace_original=True, **_change(e164, zone, user, automations=changes))

    @app.action(ids.HISTORY)
    @with_db
    def history(ack, action, respond):
        ack()
        e164 = action["value"]
        text, body = blocks.history(e164, list_events(e164, limit=30), zone)
        respond(text=text, blocks=body, replace_original=False)

    @app.action(re.compile(f"^{re.escape(ids.PICK)}"))
    @with_db
    def pick(ack, action, respond):
        ack()
        respond(replace_original=True, **draw(action["value"], zone))

    @app.action(re.compile(f"^{re.escape(ids.REVIEW)}"))
    @with_db
    def review(ack, action, body, respond, client):
        ack()
        user = body["user"]["id"]
        if refuse_unless_editor(user, respond):
            return
        decision = action["action_id"].removeprefix(ids.REVIEW)
        outcome = decide_review(int(action["value"]), decision=decision, actor=staff(user))
        if not outcome.applied:
            respond(text=f"<@{outcome.decided_by}> already decided this one.",
                    replace_original=False)
        log.info("%s decided review %s: %s", user, outcome.review.id, decision)
        redraw_posted(client, review_id=outcome.review.id)

    @app.action(ids.MISREAD)
    @with_db
    def misread(ack, action, body, respond, client):
        """Open the modal asking what the client meant (SPEC rule 11); editors only."""
        ack()
        user = body["user"]["id"]
        if refuse_unless_editor(user, respond):
            return
        try:
            event = get_event(int(action["value"]))
        except (NotFound, ValueError):
            respond(text="This opt-out is no longer in the history.", replace_original=False)
            return
        done = corrections_of(event.id)
        if done:  # no note to ask for: say who did it, and redraw the stale alert
            who = f"<@{done[0].actor}>" if done[0].channel == "slack" else done[0].actor
            respond(text=f"{who} already marked this opt-out misread.", replace_original=False)
            redraw_posted(client, event_id=event.id)
            return
        e164 = event.phone.e164
        names = ", ".join(c.name for c in clients_of(e164)) or "this client"
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.misread_modal(e164, names, event.id, event.raw_text))


def _change(e164: str, zone: str, user: str, **request) -> dict:
    """Apply a staff change; return the redrawn card, saying why when a rule refused it."""
    try:
        change_consent(e164, actor=staff(user), **request)
    except ConsentRefused as exc:
        return draw(e164, zone, notice=f"⛔ Not changed: {exc}.")
    log.info("%s changed %s in Slack: %s", user, mask(e164), request)
    return draw(e164, zone, notice=f"Changed by <@{user}>.")
