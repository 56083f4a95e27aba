"""What the listeners share: drawing a phone's card, reading phones and automation names."""

from __future__ import annotations

from bot import blocks
from store.consent import AUTOMATIONS, Actor
from store.errors import InvalidPhone, UnknownAutomation
from store.phones import try_parse_phone
from store.records import load_card


def staff(user_id: str) -> Actor:
    """Return the actor of a change made by a Slack user."""
    return Actor(source="staff", actor=user_id, channel="slack")


def draw(e164: str, zone: str, *, notice: str | None = None) -> dict:
    """Return the keyword arguments of respond() that show `e164`'s card."""
    card = load_card(e164, events=50)
    text, body = blocks.card(card.state, clients=card.clients, events=card.events, zone=zone,
                             pending_review=card.pending_review, notice=notice)
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
