"""Everything a consent card shows for one phone: loaded in a few queries, and said in words.

The words are shared by the CLI's `prefs` and the Slack card, so both say the same thing; an
edge that writes markup passes a Style saying how it quotes a client's words and names a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from store.automations import AUTOMATIONS
from store.clock import now_or, to_aware
from store.consent.changes import get_state
from store.consent.history import list_events
from store.consent.rules import ConsentState
from store.errors import NotFound
from store.models import Client, ConsentEvent, Phone, Review
from store.phones import parse_phone
from store.records.clients import clients_of
from store.vocabulary import (
    APPLIED,
    CARRIER_SOURCE,
    CASCADE,
    CLIENT_KEYWORD,
    DEFAULT,
    IMPORT,
    ON,
    OPTED_IN,
    OPTED_OUT,
    OVERALL,
    PENDING,
    STAFF,
    UNKNOWN,
)


@dataclass
class Card:
    state: ConsentState
    clients: list[Client]
    events: list[ConsentEvent]
    pending_review: bool


def load_card(phone: str, *, region: str = "US", events: int = 50) -> Card:
    """Return the card of `phone` (any format); raise NotFound for a phone never seen."""
    e164 = parse_phone(phone, region=region)
    if not Phone.select().where(Phone.e164 == e164).exists():
        raise NotFound(f"no client or consent is recorded for {e164}")
    pending = (Review.select().join(Phone)
               .where(Phone.e164 == e164, Review.status == PENDING).exists())
    return Card(get_state(e164), clients_of(e164), list_events(e164, limit=events), pending)


@dataclass(frozen=True)
class Style:
    """How an edge writes what a card quotes: the client's own words, and a person's name."""

    quote: Callable[[str], str] = str
    person: Callable[[str, str], str] = lambda actor, channel: actor


PLAIN = Style()


OVERALL_WORDS = {UNKNOWN: "❔ Unknown", OPTED_IN: "✅ Opted in", OPTED_OUT: "❌ Opted out"}
CHANNEL_WORDS = {"slack": "in Slack", "api": "through the CRM API", "sms": "by text",
                 "import": "in an import"}


def shorten(text: str, limit: int) -> str:
    """Return `text` in at most `limit` characters, cut after a whole word with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word cut in two misleads ("I want to stop" -> "I want to st")
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def when(moment: datetime | None, zone: str, *, now: datetime | None = None) -> str:
    """Return a stored UTC moment as the dealership reads it: "Nov 26, 2:03 PM", with the year
    when it is not this year ("Jan 16, 2024, 7:00 AM"): these dates are proof."""
    if moment is None:
        return ""
    local = to_aware(moment).astimezone(ZoneInfo(zone))
    year = "" if local.year == to_aware(now_or(now)).astimezone(ZoneInfo(zone)).year \
        else f", {local.year}"
    return f"{local:%b} {local.day}{year}, {local.hour % 12 or 12}:{local:%M} {local:%p}"


def how(event, source: str, *, style: Style = PLAIN) -> str:
    """Return who made the change, in words, from the event that made it (if any)."""
    if source == CLIENT_KEYWORD:
        text = shorten(" ".join((event.raw_text or "").split()), 40) if event else ""
        return f'by texting "{style.quote(text)}"' if text else "by the client's text"
    if source == STAFF:
        if not event:
            return "by staff"
        actor = style.person(event.actor, event.channel)
        return f"by {actor} {CHANNEL_WORDS.get(event.channel, '')}".strip()
    if source == IMPORT:
        return f"by an import ({event.actor.removeprefix('import:')})" if event else "by an import"
    if source == CASCADE:
        return "with the overall preference"
    if source == CARRIER_SOURCE:
        return "by the carrier network"
    return ""


def describe(scope_words: str, state: str, source: str, moment, event, zone: str, *,
             style: Style = PLAIN) -> str:
    """Return "opted out by texting "STOP" on Nov 26, 2:03 PM" style words for one scope."""
    if source == DEFAULT:
        return f"{scope_words} (never changed)"
    stamp = when(moment, zone)
    parts = (scope_words, how(event, source, style=style), f"on {stamp}" if stamp else "")
    return " ".join(p for p in parts if p)


def lock_lines(state: ConsentState) -> list[str]:
    """Return a 🔒 line for each lock, saying why and who can lift it."""
    lines = []
    if state.locked:
        by = ("texted an opt-out" if state.overall_source == CLIENT_KEYWORD
              else "was imported as opted out")
        lines.append(f"🔒 The client {by}: only the client can opt back in, by texting START.")
    elif state.overall == OPTED_OUT:
        lines.append("Staff opted this client out: staff may opt them back in with a note of "
                     "the client's consent.")
    for name, automation in AUTOMATIONS.items():
        if state.switch(name).locked:
            lines.append(f"🔒 {automation.label} were turned off by the client's own text: "
                         "only the client can turn them back on, by texting "
                         f"START {automation.keyphrase}.")
    return lines


def card_lines(
    state: ConsentState, *, clients, events, zone: str, pending_review: bool
) -> list[str]:
    """Return the consent card as plain text lines (the CLI's `prefs`)."""
    last = {}
    for e in events:  # newest first: keep the latest applied event per scope
        if e.outcome == APPLIED:
            last.setdefault(e.scope, e)
    names = ", ".join(f"{c.name}" + (f" (CRM {c.crm_id})" if c.crm_id else "") for c in clients)
    lines = [f"{state.e164}  {names or '(no client record)'}"]
    overall = OVERALL_WORDS[state.overall]
    lines.append("Overall: " + describe(overall, state.overall, state.overall_source,
                                        state.overall_changed_at, last.get(OVERALL), zone))
    lines += lock_lines(state)
    lines.append("Automations:")
    for name, automation in AUTOMATIONS.items():
        switch = state.switch(name)
        mark = "☑" if switch.state == ON else "☐"
        lines.append(f"  {mark} " + describe(f"{automation.label}: {switch.state}", switch.state,
                                            switch.source, switch.changed_at, last.get(name), zone))
    if state.carrier_blocked:
        lines.append("⛔ The carrier reports this number opted out at the network: "
                     "texts are refused.")
    if pending_review:
        lines.append("⚠ A text from this client may be an opt-out and waits for a decision.")
    return lines
