"""Consent in words a salesperson reads: states, who changed them and when, and locks.

Shared by the CLI's `prefs` and the Slack card, so both say the same thing.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from store.consent.automations import AUTOMATIONS
from store.clock import to_aware
from store.consent.rules import ConsentState
from store.consent.states import (
    CASCADE,
    CLIENT_KEYWORD,
    DEFAULT,
    IMPORT,
    OPTED_IN,
    OPTED_OUT,
    OVERALL,
    STAFF,
)

OVERALL_WORDS = {"unknown": "❔ Unknown", OPTED_IN: "✅ Opted in", OPTED_OUT: "❌ Opted out"}
CHANNEL_WORDS = {"slack": "in Slack", "api": "through the CRM API", "sms": "by text",
                 "import": "in an import"}


def when(moment: datetime | None, zone: str) -> str:
    """Return a stored UTC moment as the dealership reads it: "Nov 26, 2:03 PM"."""
    if moment is None:
        return ""
    local = to_aware(moment).astimezone(ZoneInfo(zone))
    return f"{local:%b} {local.day}, {local.hour % 12 or 12}:{local:%M} {local:%p}"


def how(event, source: str, *, slack: bool = False) -> str:
    """Return who made the change, in words, from the event that made it (if any)."""
    if source == CLIENT_KEYWORD:
        text = (event.raw_text or "").strip()[:40] if event else ""
        if slack:  # the client's words, not Slack syntax: "<!channel>" must notify no one
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'by texting "{text}"' if text else "by the client's text"
    if source == STAFF:
        if not event:
            return "by staff"
        # in Slack a user id shows as the person's name when written as a mention
        actor = f"<@{event.actor}>" if slack and event.channel == "slack" else event.actor
        return f"by {actor} {CHANNEL_WORDS.get(event.channel, '')}".strip()
    if source == IMPORT:
        return f"by an import ({event.actor.removeprefix('import:')})" if event else "by an import"
    if source == CASCADE:
        return "with the overall preference"
    if source == "carrier":
        return "by the carrier network"
    return ""


def describe(scope_words: str, state: str, source: str, moment, event, zone: str, *,
             slack: bool = False) -> str:
    """Return "opted out by texting "STOP" on Nov 26, 2:03 PM" style words for one scope."""
    if source == DEFAULT:
        return f"{scope_words} (never changed)"
    stamp = when(moment, zone)
    parts = (scope_words, how(event, source, slack=slack), f"on {stamp}" if stamp else "")
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
        if e.outcome == "applied":
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
        mark = "☑" if switch.state == "on" else "☐"
        lines.append(f"  {mark} " + describe(f"{automation.label}: {switch.state}", switch.state,
                                            switch.source, switch.changed_at, last.get(name), zone))
    if state.carrier_blocked:
        lines.append("⛔ The carrier reports this number opted out at the network: "
                     "texts are refused.")
    if pending_review:
        lines.append("⚠ A text from this client may be an opt-out and waits for a decision.")
    return lines
