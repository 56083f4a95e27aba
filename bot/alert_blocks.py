"""Block Kit of the alerts managers read in SLACK_ALERT_CHANNEL: pure functions."""

from __future__ import annotations

from datetime import timedelta

import bot.ids as ids
from bot.blocks import context, escape, mention, section
from store.consent import AUTOMATIONS, is_misread_candidate
from store.messaging import AlertDetails
from store.phones import mask
from store.vocabulary import (
    ALERT_CARRIER_BLOCK,
    ALERT_OPT_IN,
    ALERT_OPT_OUT,
    ALERT_REMINDER,
    APPLIED,
    AUTOMATION,
    BLOCKED,
    CAMPAIGN,
    CARRIER,
    CASCADE,
    DISMISSED,
    LEAD_AUTORESPONDER,
    MANUAL,
    NOT_OPT_OUT,
    OPT_OUT,
    OPTED_OUT,
    OVERALL,
    PENDING,
    WORK_PLAN,
)

DECIDED = {OPTED_OUT: "opted the client out", DISMISSED: "marked it not an opt-out"}


def _who(d: AlertDetails) -> str:
    names = escape(", ".join(d.names)) if d.names else "A client"
    return f"*{names}* ({mask(d.e164)})"


QUOTED = 500  # characters of the client's text an alert shows


def _quote(text: str | None, spans=()) -> str:
    """Return the client's text as a Slack quote, the words that decided in bold.

    The text is the client's, so Slack's control characters (& < >) are escaped: a text
    holding "<!channel>" must not notify the channel.
    """
    if not text:
        return ""
    cut = len(text) > QUOTED
    body = text[:QUOTED - 1] if cut else text
    out, at = [], 0
    for start, end in spans:
        if start < at or end > len(body):
            continue
        words = body[start:end]
        out.append(escape(body[at:start]))
        bold = "*" not in words and words.strip() == words and "\n" not in words
        out.append(f"*{escape(words)}*" if bold else escape(words))
        at = end
    out.append(escape(body[at:]) + ("…" if cut else ""))
    return "\n" + "\n".join(f"> {line}" for line in "".join(out).splitlines() or [""])


def _done(events) -> str:
    parts = []
    for e in events:
        if e.outcome != APPLIED:
            continue
        if e.scope == OVERALL:
            parts.append(f"overall preference {e.old_state} → {e.new_state}")
        elif e.scope in AUTOMATIONS:
            parts.append(f"{AUTOMATIONS[e.scope].label} turned {e.new_state}")
        elif e.scope == CARRIER:
            parts.append("number marked blocked by the carrier" if e.new_state == BLOCKED
                         else "carrier block cleared")
    return "; ".join(parts)


# What an opt-out answered, by the kind of that text (a campaign and an automation are named).
TEXT_OF = {MANUAL: "the manual text", WORK_PLAN: "the Work Plan text",
           LEAD_AUTORESPONDER: "the lead auto-response", CAMPAIGN: "the campaign text",
           AUTOMATION: "the automation text"}


def answering_words(answering) -> str:
    """Return "replying to the Price Reduction text of 2 hours ago" for an opt-out's cause."""
    if answering.campaign:
        what = f"the {escape(answering.campaign)} text"
    elif answering.automation in AUTOMATIONS:
        label = AUTOMATIONS[answering.automation].label.removesuffix(" Notifications")
        what = f"the {label} text"
    else:
        what = TEXT_OF.get(answering.kind, "our text")
    return f"replying to {what} of {_ago(answering.before)}"


def _ago(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "moments before"
    for unit, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes >= size * (2 if unit == "day" else 1) or unit == "minute":
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return ""  # not reached


def alert_message(d: AlertDetails, *, correction=()) -> tuple[str, list[dict]]:
    """Return (text, blocks) of one alert; `correction`: the events marking it misread."""
    kind = d.alert.kind
    if kind == ALERT_OPT_OUT:
        scoped = [e for e in d.events if e.scope in AUTOMATIONS and e.source != CASCADE]
        if scoped and not any(e.scope == OVERALL for e in d.events):
            head = f"🔕 {_who(d)} turned off {AUTOMATIONS[scoped[0].scope].label} by text"
        else:
            head = f"❌ {_who(d)} opted out of all texts"
        if d.answering is not None:
            head += f", {answering_words(d.answering)}"
    elif kind == ALERT_OPT_IN:
        head = f"✅ {_who(d)} opted in by text"
    elif kind == ALERT_CARRIER_BLOCK:
        head = (f"⛔ The carrier reports {_who(d)} opted out at the network: texts to this "
                "number are refused. Decide whether to record an opt-out.")
    elif kind == ALERT_REMINDER:
        head = f"⏰ Still undecided after a business day: a possible opt-out from {_who(d)}"
    else:
        head = f"⚠️ Possible opt-out from {_who(d)} — please decide"
    text = head + _quote(d.text, d.spans)
    blocks = [section(text)]
    done = _done(d.events)
    if done:
        blocks.append(context(f"What was done: {done}."))
    if kind == ALERT_OPT_OUT and d.answering is None:
        blocks.append(context("Not replying to a text of ours: none went to this number in "
                              "the 7 days before."))
    if d.review is not None:
        blocks += review_controls(d.review)
    plain = head.replace("*", "")
    if kind == ALERT_OPT_OUT:
        blocks += misread_controls(d, list(correction))
        if correction:
            plain += " (marked misread)"
    return plain, blocks


def rate_alert_message(figures: dict) -> tuple[str, list[dict]]:
    """Return (text, blocks) of a rate alert: a campaign's or an automation's opt-out rate
    over its last recipients passed OPT_OUT_RATE_ALERT (its figures as they were then)."""
    what = "the campaign" if figures["what"] == "campaign" else "the automation"
    sent, opt_outs = figures["sent"], figures["opt_outs"]
    last = f"its last {sent}" if sent >= figures["window"] else f"its {sent}"
    head = (f"📈 Opt-out rate of {what} *{escape(figures['name'])}*: "
            f"{_percent(figures['rate'])} — {opt_outs} of {last} recipients opted out, above "
            f"the {_percent(figures['threshold'])} alert level")
    blocks = [section(head), context(
        "Carriers filter senders whose opt-out rate runs high. Told once "
        + ("for this campaign." if figures["what"] == "campaign" else "a month for an "
           "automation."))]
    return head.replace("*", ""), blocks


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}".removesuffix(".0") + "%"


def misread_controls(d: AlertDetails, correction: list) -> list[dict]:
    """Return who marked the opt-out misread, or the button to, for a natural-language one.

    An opt-out from an opt-out word, a STOP typo or STOP <keyphrase> gets no button: it can
    never be marked misread (SPEC rule 11).
    """
    if correction:
        first = correction[0]
        note = escape((first.note or "").strip())
        note = note if len(note) <= 300 else note[:299] + "…"
        who = mention(first.actor, first.channel)
        return [context(f"↩️ Marked misread by {who}: “{note}”. Back to how it was before "
                        f"this text: {_done(correction)}.")]
    opt_out = next((e for e in d.events if e.id == d.alert.event_id), None)
    if opt_out is None or not is_misread_candidate(opt_out):
        return []
    return [{"type": "actions", "block_id": f"misread:{opt_out.id}", "elements": [
        {"type": "button", "action_id": ids.MISREAD, "value": str(opt_out.id),
         "text": {"type": "plain_text", "text": "Not what they meant"}}]}]


def review_controls(review) -> list[dict]:
    """Return the Opt out / Not an opt-out buttons, or who decided once someone has."""
    if review.status != PENDING:
        return [context(f"Decided by <@{review.decided_by}>: "
                        f"{DECIDED.get(review.status, review.status)}.")]
    return [{"type": "actions", "block_id": f"review:{review.id}", "elements": [
        {"type": "button", "action_id": f"{ids.REVIEW}{OPT_OUT}", "value": str(review.id),
         "style": "danger", "text": {"type": "plain_text", "text": "Opt out"},
         "confirm": {"title": {"type": "plain_text", "text": "Opt this client out?"},
                     "text": {"type": "plain_text",
                              "text": "Every text to this client stops, automations included."},
                     "confirm": {"type": "plain_text", "text": "Opt out"},
                     "deny": {"type": "plain_text", "text": "Cancel"}}},
        {"type": "button", "action_id": f"{ids.REVIEW}{NOT_OPT_OUT}", "value": str(review.id),
         "text": {"type": "plain_text", "text": "Not an opt-out"}},
    ]}]
