"""/smsprefs: help, lookups by phone or name, and the text subcommands (SPEC section 6)."""

from __future__ import annotations

import logging

from bot import blocks, with_db
from bot.cards import automation_named, draw, split_phone, staff
from bot.permissions import NOT_EDITOR
from store.consent import change_consent, list_events
from store.errors import ConsentRefused, StoreError
from store.phones import mask
from store.records import clients_of, find_phones

log = logging.getLogger("smsprefs.bot")
EDITING = {"optout", "optin", "on", "off"}


def register(app, config, permissions) -> None:
    @app.command("/smsprefs")
    @with_db
    def smsprefs(ack, command, respond):
        ack()  # within 3 s; the answer follows through response_url
        words = (command.get("text") or "").split()
        user = command["user_id"]
        head = words[0].lower() if words else "help"
        if head in EDITING and not permissions.may_edit(user):
            respond(text=NOT_EDITOR)
            return
        try:
            respond(**answer(head, words[1:], user, config))
        except ConsentRefused as exc:
            respond(text=f"Not changed: {exc}.")
        except StoreError as exc:
            respond(text=f"{exc}. Type `/smsprefs help` for how to use it.")


def answer(head: str, rest: list[str], user: str, config) -> dict:
    """Return what to show for `/smsprefs <head> <rest…>`."""
    zone, region = config.dealership_timezone, config.default_region
    if head == "help" and not rest:
        text, body = blocks.help_message()
        return {"text": text, "blocks": body}
    if head == "history":
        e164, _ = split_phone(rest, region)
        text, body = blocks.history(e164, list_events(e164, limit=30), zone)
        return {"text": text, "blocks": body}
    if head == "optout":
        e164, note = split_phone(rest, region)
        change_consent(e164, actor=staff(user), overall="opted_out", note=" ".join(note))
        log.info("%s opted out %s in Slack", user, mask(e164))
        return draw(e164, zone, notice=f"<@{user}> opted this client out.")
    if head == "optin":
        e164, note = split_phone(rest, region)
        change_consent(e164, actor=staff(user), overall="opted_in", note=" ".join(note))
        log.info("%s opted in %s in Slack", user, mask(e164))
        return draw(e164, zone, notice=f"<@{user}> opted this client in.")
    if head in ("on", "off"):
        e164, words = split_phone(rest, region)
        name = automation_named(" ".join(words))
        change_consent(e164, actor=staff(user), automations={name: head})
        return draw(e164, zone, notice=f"<@{user}> turned {name.replace('_', ' ')} {head}.")
    return lookup(" ".join([head, *rest]), zone, region)


def lookup(query: str, zone: str, region: str) -> dict:
    """Return the card of the one match, a pick list of several, or say none matched."""
    phones = find_phones(query, region=region, limit=10)
    if not phones:
        return {"text": f"No client matches “{query}”. Try a phone number or part of a name."}
    if len(phones) == 1:
        return draw(phones[0], zone)
    matches = [(p, ", ".join(c.name for c in clients_of(p)) or "No name") for p in phones]
    text, body = blocks.pick_list(matches)
    return {"text": text, "blocks": body}
