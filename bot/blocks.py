"""Block Kit for the consent card, pick list, help, history and the modals: pure functions,
and draw(), which loads a card and builds it."""

from __future__ import annotations

import bot.ids as ids
from store.consent import AUTOMATIONS, ConsentState
from store.phones import display
from store.records import OVERALL_WORDS, Style, describe, load_card, lock_lines, shorten, when
from store.vocabulary import APPLIED, CHANNEL_SLACK, ON, OPTED_IN, OPTED_OUT, OVERALL, UNKNOWN

BUTTONS = ((UNKNOWN, "❔ Unknown"), (OPTED_IN, "✅ Opted in"), (OPTED_OUT, "❌ Opted out"))
USAGE = (
    "*/smsprefs* looks up and changes a client's SMS preferences.\n"
    "• `/smsprefs <phone or name>` — the client's card\n"
    "• `/smsprefs optout <phone> [note]` — opt the client out of all texts\n"
    "• `/smsprefs optin <phone> <how and when the client consented>`\n"
    "• `/smsprefs on|off <phone> <automation>` — e.g. `off 212-555-0100 price drop`\n"
    "• `/smsprefs history <phone>` — every change, newest first\n"
    "A client who texted STOP can only be opted back in by texting START."
)


def _short(text: str, limit: int) -> str:
    return shorten(text, limit)


def escape(text: str) -> str:
    """Return text a client or the CRM wrote, safe in Slack mrkdwn: "<!channel>" in a text or
    a client's name must not notify anyone (Slack's own escaping of & < >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(actor: str, channel: str) -> str:
    """Return who made a change, as Slack shows it: a Slack user's id as a mention."""
    return f"<@{actor}>" if channel == CHANNEL_SLACK else escape(actor)


SLACK = Style(quote=escape, person=mention)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _short(text, 3000)}}


def context(*texts: str) -> dict:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": _short(t, 3000)} for t in texts[:10]]}


def help_message() -> tuple[str, list[dict]]:
    return "How to use /smsprefs", [section(USAGE)]


def card(state: ConsentState, *, clients, events, zone: str, pending_review: bool,
         notice: str | None = None) -> tuple[str, list[dict]]:
    """Return (text, blocks) of a client's consent card."""
    last = {}
    for e in events:  # newest first: the latest applied event per scope explains the state
        if e.outcome == APPLIED:
            last.setdefault(e.scope, e)
    names = ", ".join(c.name for c in clients) or "No client record"
    overall = OVERALL_WORDS[state.overall]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": _short(names, 150)}},
        section(f"{display(state.e164)}\n*{overall}* — " + describe(
            "", state.overall, state.overall_source, state.overall_changed_at,
            last.get(OVERALL), zone, style=SLACK).strip()),
    ]
    if notice:
        blocks.insert(1, context(notice))
    banners = []
    if pending_review:
        banners.append("⚠️ A text from this client may be an opt-out and waits for a decision "
                       "in the alerts channel.")
    if state.carrier_blocked:
        banners.append("⛔ The carrier reports this number opted out at the network: "
                       "texts to it are refused.")
    banners += lock_lines(state)
    if banners:
        blocks.append(context(*banners))
    blocks.append({"type": "actions", "block_id": f"card:{state.e164}:overall", "elements": [
        {"type": "button", "action_id": f"{ids.OVERALL}{value}", "value": state.e164,
         "text": {"type": "plain_text", "text": label},
         **({"style": "primary"} if value == state.overall else {})}
        for value, label in BUTTONS]})
    options = [_switch_option(name, state, last.get(name), zone) for name in AUTOMATIONS]
    checked = [o for o, name in zip(options, AUTOMATIONS, strict=True)
               if state.switch(name).state == ON]
    checkboxes = {"type": "checkboxes", "action_id": ids.SWITCHES, "options": options}
    if checked:
        checkboxes["initial_options"] = checked
    drawn = "".join("1" if state.switch(n).state == ON else "0" for n in AUTOMATIONS)
    blocks.append({"type": "section", "block_id": ids.switches_block(state.e164, drawn),
                   "text": {"type": "mrkdwn", "text": "*Automations*"},
                   "accessory": checkboxes})
    blocks.append({"type": "actions", "block_id": f"card:{state.e164}:more", "elements": [
        {"type": "button", "action_id": ids.HISTORY, "value": state.e164,
         "text": {"type": "plain_text", "text": "History"}}]})
    return f"SMS preferences of {names}: {overall}", blocks


def _switch_option(name: str, state: ConsentState, event, zone: str) -> dict:
    switch = state.switch(name)
    # option descriptions are plain text: a mention would show as "<@U…>", so no mentions
    words = describe(switch.state, switch.state, switch.source, switch.changed_at, event, zone)
    return {"text": {"type": "plain_text", "text": _short(AUTOMATIONS[name].label, 75)},
            "description": {"type": "plain_text", "text": _short(words, 75)},
            "value": name}


def pick_list(matches: list[tuple[str, str]]) -> tuple[str, list[dict]]:
    """Return a short list of (phone, names) to choose from."""
    blocks = [section(f"{len(matches)} clients match. Pick one:")]
    for i, (e164, names) in enumerate(matches[:10]):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _short(
            f"*{escape(names)}* · {display(e164)}", 3000)}, "accessory": {
            "type": "button", "action_id": f"{ids.PICK}{i}", "value": e164,
            "text": {"type": "plain_text", "text": "Open"}}})
    return f"{len(matches)} clients match", blocks


def history(e164: str, events, zone: str) -> tuple[str, list[dict]]:
    """Return the latest changes of a phone, newest first."""
    lines = []
    for e in events[:30]:
        what = "overall preference" if e.scope == OVERALL else \
            AUTOMATIONS[e.scope].label if e.scope in AUTOMATIONS else e.scope
        verb = f"{e.old_state} → {e.new_state}" if e.outcome == APPLIED else \
            f"refused {e.new_state} ({e.reason})"
        if e.outcome == APPLIED and e.reason:  # a misread correction
            verb += f" ({e.reason})"
        note = f" — “{escape(_short(e.note, 80))}”" if e.note else ""
        text = f" — texted “{escape(_short(e.raw_text, 60))}”" if e.raw_text else ""
        who = mention(e.actor, e.channel)
        lines.append(f"• {when(e.occurred_at, zone)}: {what} {verb}, by {who} "
                     f"({e.source}){text}{note}")
    body = "\n".join(lines) or "No changes recorded."
    return f"History of {display(e164)}", [section(f"*History of {display(e164)}*"),
                                            section(_short(body, 3000))]


def opt_in_modal(e164: str, names: str, response_url: str | None) -> dict:
    """Return the modal that asks for the evidence of consent before opting in."""
    return {
        "type": "modal", "callback_id": ids.OPT_IN_MODAL,
        "private_metadata": ids.opt_in_metadata(e164, response_url),
        "title": {"type": "plain_text", "text": "Opt in"},
        "submit": {"type": "plain_text", "text": "Opt in"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"Opt *{escape(_short(names, 200))}* ({display(e164)}) in to texts."),
            {"type": "input", "block_id": ids.EVIDENCE_BLOCK,
             "label": {"type": "plain_text", "text": "How and when did the client consent?"},
             "element": {"type": "plain_text_input", "action_id": ids.EVIDENCE_INPUT,
                         "multiline": True, "max_length": 1000, "placeholder": {
                             "type": "plain_text",
                             "text": "e.g. Signed the consent form at the desk, Nov 26"}}},
        ],
    }


def misread_modal(e164: str, names: str, event_id: int, text: str | None) -> dict:
    """Return the modal that asks what the client meant before undoing their opt-out."""
    quoted = "\n".join(f"> {line}"
                       for line in escape(_short(text or "", 500)).splitlines() or [""])
    return {
        "type": "modal", "callback_id": ids.MISREAD_MODAL,
        "private_metadata": ids.misread_metadata(e164, event_id),
        "title": {"type": "plain_text", "text": "Not what they meant"},
        "submit": {"type": "plain_text", "text": "Undo the opt-out"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{escape(_short(names, 200))}* ({display(e164)}) texted:\n{quoted}"),
            context("Their texts go back to how they were before this message, and the lock "
                    "is lifted. It is recorded as your correction, with your note. If they "
                    "did mean to stop, cancel: only they can opt back in."),
            {"type": "input", "block_id": ids.MISREAD_BLOCK,
             "label": {"type": "plain_text", "text": "What did the client mean?"},
             "element": {"type": "plain_text_input", "action_id": ids.MISREAD_INPUT,
                         "multiline": True, "max_length": 1000, "placeholder": {
                             "type": "plain_text",
                             "text": "e.g. Called back: she meant the brochure mailing list, "
                                     "not texts"}}},
        ],
    }


def draw(e164: str, zone: str, *, notice: str | None = None) -> dict:
    """Return the keyword arguments of respond() that show `e164`'s card as it stands now."""
    loaded = load_card(e164, events=50)
    text, body = card(loaded.state, clients=loaded.clients, events=loaded.events, zone=zone,
                      pending_review=loaded.pending_review, notice=notice)
    return {"text": text, "blocks": body}
