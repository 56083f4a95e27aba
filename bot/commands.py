"""/smsprefs: help, lookups by phone or name, and the text subcommands (SPEC section 6).

Two listeners share the command: the subcommands that change consent go through
`editors_only`; help, history and lookups are for everyone.
"""

from __future__ import annotations

import logging

from bot.blocks import draw, help_message, history, pick_list
from bot.permissions import editors_only
from store.consent import AUTOMATIONS, change_consent, list_events
from store.errors import ConsentRefused, InvalidPhone, StoreError, UnknownAutomation
from store.phones import mask, try_parse_phone
from store.records import clients_of, find_phones
from store.vocabulary import OFF, ON, OPTED_IN, OPTED_OUT

log = logging.getLogger("smsprefs.bot")
COMMAND = "/smsprefs"
EDITING = {"optout", "optin", "on", "off"}


def register(app) -> None:
    # Bolt tries listeners in this order: a change first, anything else is a lookup
    app.command(COMMAND, matchers=[changes_consent], middleware=[editors_only])(change_command)
    app.command(COMMAND)(look_up_command)


def changes_consent(command) -> bool:
    """Return whether the command is one of the subcommands that change consent."""
    return _words(command)[0] in EDITING


def change_command(ack, command, respond, context):
    """Run `/smsprefs optout|optin|on|off <phone> …` for an editor."""
    ack()  # within 3 s; the answer follows through response_url
    head, rest = _words(command)
    _answer(respond, change, head, rest, context)


def look_up_command(ack, command, respond, context):
    """Answer `/smsprefs`, `/smsprefs help|history …` and a lookup by phone or name."""
    ack()
    head, rest = _words(command)
    _answer(respond, look_up, head, rest, context)


def _words(command) -> tuple[str, list[str]]:
    words = (command.get("text") or "").split()
    return (words[0].lower(), words[1:]) if words else ("help", [])


def _answer(respond, answer, head: str, rest: list[str], context) -> None:
    try:
        respond(**answer(head, rest, context))
    except ConsentRefused as exc:
        respond(text=f"Not changed: {exc}.")
    except StoreError as exc:
        respond(text=f"{exc}. Type `/smsprefs help` for how to use it.")


def change(head: str, rest: list[str], context) -> dict:
    """Apply `/smsprefs <head> <rest…>` as context's actor; return the redrawn card."""
    config, actor, user = context["config"], context["actor"], context.user_id
    zone, region = config.dealership_timezone, config.default_region
    e164, words = split_phone(rest, region)
    if head == "optout":
        change_consent(e164, actor=actor, overall=OPTED_OUT, note=" ".join(words))
        log.info("%s opted out %s in Slack", user, mask(e164))
        return draw(e164, zone, notice=f"<@{user}> opted this client out.")
    if head == "optin":
        change_consent(e164, actor=actor, overall=OPTED_IN, note=" ".join(words))
        log.info("%s opted in %s in Slack", user, mask(e164))
        return draw(e164, zone, notice=f"<@{user}> opted this client in.")
    name = automation_named(" ".join(words))  # on | off
    change_consent(e164, actor=actor, automations={name: ON if head == "on" else OFF})
    return draw(e164, zone, notice=f"<@{user}> turned {name.replace('_', ' ')} {head}.")


def look_up(head: str, rest: list[str], context) -> dict:
    """Return what to show for `/smsprefs <head> <rest…>`, changing nothing."""
    config = context["config"]
    zone, region = config.dealership_timezone, config.default_region
    if head == "help" and not rest:
        text, body = help_message()
        return {"text": text, "blocks": body}
    if head == "history":
        e164, _ = split_phone(rest, region)
        text, body = history(e164, list_events(e164, limit=30), zone)
        return {"text": text, "blocks": body}
    return lookup(" ".join([head, *rest]), zone, region)


def lookup(query: str, zone: str, region: str) -> dict:
    """Return the card of the one match, a pick list of several, or say none matched."""
    phones = find_phones(query, region=region, limit=10)
    if not phones:
        return {"text": f"No client matches “{query}”. Try a phone number or part of a name."}
    if len(phones) == 1:
        return draw(phones[0], zone)
    matches = [(p, ", ".join(c.name for c in clients_of(p)) or "No name") for p in phones]
    text, body = pick_list(matches)
    return {"text": text, "blocks": body}


def split_phone(words: list[str], region: str) -> tuple[str, list[str]]:
    """Return the phone at the start of `words` (it may span words) and the words after it."""
    for n in range(min(len(words), 4), 0, -1):
        e164 = try_parse_phone(" ".join(words[:n]), region=region)
        if e164:
            return e164, words[n:]
    raise InvalidPhone(f"“{' '.join(words[:3])}” does not start with a phone number"
                       if words else "give a phone number")


def automation_named(words: str) -> str:
    """Return the automation that `words` names: its id, label, keyphrase or an alias."""
    wanted = " ".join(words.lower().replace("_", " ").split())
    for name, automation in AUTOMATIONS.items():
        names = {name.replace("_", " "), automation.label.lower(),
                 *(p.lower() for p in automation.phrases)}
        if wanted in names or any(wanted == n.removesuffix(" notifications") for n in names):
            return name
    known = ", ".join(a.keyphrase.lower() for a in AUTOMATIONS.values())
    raise UnknownAutomation(f"“{words}” is not an automation; use one of: {known}")
