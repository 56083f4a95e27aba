"""Clicks on the card and on the alerts: every change through the store's rules.

The buttons that change consent (overall state, automation switches, a review's decision,
"Not what they meant") go through `editors_only`; History and a pick list's Open are for
everyone. A review's buttons are also in the Home tab (bot.home), which is redrawn there.
"""

from __future__ import annotations

import logging

import bot.ids as ids
from bot.alerts import redraw_posted
from bot.blocks import draw, history, mention, misread_modal, opt_in_modal
from bot.home import answers_in_home, decided_notice, in_home, publish
from bot.permissions import editors_only
from store.consent import (
    AUTOMATIONS,
    change_consent,
    corrections_of,
    decide_review,
    get_event,
    get_state,
    list_events,
)
from store.errors import NotFound, StoreError
from store.phones import mask
from store.records import clients_of
from store.vocabulary import OFF, ON, OPTED_IN

log = logging.getLogger("smsprefs.bot")


def register(app) -> None:
    editing = [editors_only]
    app.action(ids.starting(ids.OVERALL), middleware=editing)(overall_clicked)
    app.action(ids.SWITCHES, middleware=editing)(switches_clicked)
    # a review's buttons are in the alert and in the Home tab, which has no response_url
    app.action(ids.starting(ids.REVIEW), middleware=[answers_in_home, *editing])(
        review_decided)
    app.action(ids.MISREAD, middleware=editing)(misread_clicked)
    app.action(ids.HISTORY)(history_clicked)
    app.action(ids.starting(ids.PICK))(pick_clicked)


def overall_clicked(ack, action, body, respond, client, context):
    """Set the overall state a card's button names; opting in asks for the evidence first."""
    ack()
    e164, target = action["value"], ids.after(ids.OVERALL, action["action_id"])
    if target == OPTED_IN:  # the evidence note first; trigger_id lives 3 seconds
        _open(client, body, respond,
              opt_in_modal(e164, _names(e164), body.get("response_url")))
        return
    respond(replace_original=True, **_change(e164, context, overall=target))


def switches_clicked(ack, action, respond, context):
    """Turn on or off the automation whose box was clicked, as the card showed it."""
    ack()
    e164, drawn = ids.read_switches_block(action["block_id"])
    chosen = {o["value"] for o in action.get("selected_options") or []}
    state = get_state(e164)
    clicked = [name for name, was in zip(AUTOMATIONS, drawn, strict=False)
               if (name in chosen) != (was == "1")]
    wanted = {name: ON if name in chosen else OFF for name in clicked}
    changes = {n: s for n, s in wanted.items() if state.switch(n).state != s}
    if not changes:
        respond(replace_original=True, **_card(e164, context))
        return
    respond(replace_original=True, **_change(e164, context, automations=changes))


def review_decided(ack, action, body, respond, client, context):
    """Record a decision on a review; the first one wins, and the alerts redraw (and the
    Home tab, when the click came from there)."""
    ack()
    decision = ids.after(ids.REVIEW, action["action_id"])
    try:
        outcome = decide_review(int(action["value"]), decision=decision, actor=context["actor"])
    except StoreError as exc:  # a review no longer there, a decision not offered
        respond(text=f"Not changed: {exc}.", replace_original=False)
        return
    review = outcome.review
    log.info("%s decided review %s: %s", context.user_id, review.id, decision)
    redraw_posted(client, review_id=review.id)
    if not outcome.applied:  # in the Home tab, respond() republishes it (answers_in_home)
        respond(text=f"<@{outcome.decided_by}> already decided this one.",
                replace_original=False)
    elif in_home(body):
        publish(client, context.user_id, context["config"],
                notice=decided_notice(context.user_id, review.status, review.phone.e164))


def misread_clicked(ack, action, body, respond, client):
    """Open the modal asking what the client meant (SPEC rule 11)."""
    ack()
    try:
        event = get_event(int(action["value"]))
    except (NotFound, ValueError):
        respond(text="This opt-out is no longer in the history.", replace_original=False)
        return
    done = corrections_of(event.id)
    if done:  # no note to ask for: say who did it, and redraw the stale alert
        who = mention(done[0].actor, done[0].channel)
        respond(text=f"{who} already marked this opt-out misread.", replace_original=False)
        redraw_posted(client, event_id=event.id)
        return
    e164 = event.phone.e164
    _open(client, body, respond, misread_modal(e164, _names(e164), event.id, event.raw_text))


def history_clicked(ack, action, respond, context):
    """Show a phone's latest changes under its card."""
    ack()
    e164 = action["value"]
    text, body = history(e164, list_events(e164, limit=30), _zone(context))
    respond(text=text, blocks=body, replace_original=False)


def pick_clicked(ack, action, respond, context):
    """Replace a pick list with the card of the client picked."""
    ack()
    respond(replace_original=True, **_card(action["value"], context))


def _open(client, body, respond, view: dict) -> None:
    """Open a modal; when Slack does not (its trigger_id lives 3 seconds), say so."""
    from slack_sdk.errors import SlackApiError

    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except (SlackApiError, OSError) as exc:
        log.warning("Slack did not open a modal: %s", exc)
        respond(text="Slack did not open the form in time; click the button again.",
                replace_original=False)


def _zone(context) -> str:
    return context["config"].dealership_timezone


def _names(e164: str) -> str:
    return ", ".join(c.name for c in clients_of(e164)) or "this client"


def _change(e164: str, context, **request) -> dict:
    """Apply a staff change; return the redrawn card, saying why when it was refused."""
    user = context.user_id
    try:
        change_consent(e164, actor=context["actor"], **request)
    except StoreError as exc:  # a rule refused it, or a number that is not valid
        return _card(e164, context, notice=f"⛔ Not changed: {exc}.")
    log.info("%s changed %s in Slack: %s", user, mask(e164), request)
    return _card(e164, context, notice=f"Changed by <@{user}>.")


def _card(e164: str, context, *, notice: str | None = None) -> dict:
    """Return respond()'s arguments showing `e164`'s card; only the notice, or why there is
    no card, for a number never stored or no longer valid."""
    try:
        return draw(e164, _zone(context), notice=notice)
    except StoreError as exc:
        return {"text": notice or f"{exc}."}
