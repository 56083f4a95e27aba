"""Block Kit of the bot's Home tab (SPEC section 6): pure functions.

Four parts, in the order a manager acts on them: pending reviews (oldest first, with the
alert's decision buttons), carrier blocks, the last 7 days of opt-outs by source, and the
opt-out rate of each recent campaign and automation. Slack refuses a view of more than 100
blocks or a section of more than 3,000 characters, so each list is cut to what fits and
ends with an "and N more" line.
"""

from __future__ import annotations

from datetime import datetime

from bot.alert_blocks import review_controls
from bot.blocks import context, escape, section
from store.phones import mask
from store.records import OVERALL_WORDS, CarrierBlock, Listed, PendingReview, shorten, when
from store.vocabulary import CARRIER_SOURCE, CLIENT_KEYWORD, IMPORT, REVIEW_CARRIER, STAFF

REVIEWS_SHOWN = 20  # two blocks each: with the rest, well inside Slack's 100 a view
BLOCKS_SHOWN = 50  # one line each, in one section
SECTION_MAX = 3000  # characters of a section's text
QUOTED = 300  # characters of a client's text a review shows
NAMES = 100  # characters of a phone's clients' names
OPT_OUT_DAYS = 7  # SPEC section 6: opt-outs of the last 7 days
RECENT_DAYS = 30  # what counts as a recent campaign or automation
SOURCE_WORDS = {CLIENT_KEYWORD: "Texted by the client", STAFF: "By staff",
                IMPORT: "Imported from an opt-out list", CARRIER_SOURCE: "Reported by the carrier"}
WHAT_WORDS = {"campaign": "campaign", "automation": "automation"}


def home_view(*, reviews: Listed[PendingReview], blocks: Listed[CarrierBlock],
              by_source: dict[str, int], rates: list, zone: str, now: datetime,
              notice: str | None = None, rate_alert: float | None = None) -> dict:
    """Return the Home tab's view: `rates` are store.messaging's OptOutRate figures."""
    body = [_header("SMS consent"),
            context(f"As of {when(now, zone, now=now)}. Open this tab again to refresh it.")]
    if notice:
        body.append(section(notice))
    body += review_part(reviews, zone, now)
    body += [{"type": "divider"}, *carrier_part(blocks, zone, now)]
    body += [{"type": "divider"}, *opt_out_part(by_source)]
    body += [{"type": "divider"}, *rate_part(rates, rate_alert)]
    return {"type": "home", "blocks": body}


def review_part(reviews: Listed[PendingReview], zone: str, now: datetime) -> list[dict]:
    """Return the pending reviews, each with its Opt out / Not an opt-out buttons."""
    head = _header(f"Pending reviews ({reviews.total})")
    if not reviews.total:
        return [head, context("✅ Nothing waits for a decision.")]
    shown = reviews.items[:REVIEWS_SHOWN]
    out = [head]
    for review in shown:
        out += [section(_review_words(review, zone, now)), *review_controls(review)]
    more = reviews.total - len(shown)
    if more:
        out.append(context(f"…and {more} more. Decide the oldest to see the next."))
    return out


def _review_words(review: PendingReview, zone: str, now: datetime) -> str:
    who = _who(review.names, review.e164)
    moment = when(review.created_at, zone, now=now)
    if review.kind == REVIEW_CARRIER:
        return (f"⛔ The carrier reported {who} opted out at the network on {moment}. "
                "Record an opt-out?")
    text = escape(shorten(" ".join((review.text or "").split()), QUOTED))
    return f"⚠️ {who} texted on {moment}, possibly an opt-out:\n> {text or '(no text)'}"


def carrier_part(blocks: Listed[CarrierBlock], zone: str, now: datetime) -> list[dict]:
    """Return the phones blocked at the network now, one line each."""
    head = _header(f"Carrier blocks ({blocks.total})")
    if not blocks.total:
        return [head, context("No number is blocked by a carrier.")]
    lines = [f"• {_who(b.names, b.e164)}: blocked since {when(b.blocked_at, zone, now=now)}"
             f" · overall {OVERALL_WORDS.get(b.overall, b.overall)}"
             for b in blocks.items[:BLOCKS_SHOWN]]
    return [head, section(listed(lines, more=blocks.total - len(lines)))]


def opt_out_part(by_source: dict[str, int]) -> list[dict]:
    """Return the last 7 days' opt-outs, by where they came from, the most first."""
    total = sum(by_source.values())
    head = _header(f"Opt-outs in the last {OPT_OUT_DAYS} days ({total})")
    if not total:
        return [head, context(f"No opt-outs in the last {OPT_OUT_DAYS} days.")]
    counts = sorted(((n, s) for s, n in by_source.items() if n), key=lambda c: (-c[0], c[1]))
    return [head, section(listed([f"• {_source(s)}: *{n}*" for n, s in counts])),
            context("Opt-outs of every text and of one automation, by who made them.")]


def rate_part(rates: list, rate_alert: float | None = None) -> list[dict]:
    """Return the opt-out rate of each recent campaign and automation, ⚠️ past `rate_alert`."""
    head = _header("Opt-out rate of recent campaigns and automations")
    if not rates:
        return [head, context(f"No campaign or automation texts in the last {RECENT_DAYS} days.")]
    about = f"Texts sent in the last {RECENT_DAYS} days, and the opt-outs answering them."
    if rate_alert is not None:
        about += (f" ⚠️ above {rate_alert:.1%} (OPT_OUT_RATE_ALERT): carriers filter senders "
                  "whose opt-out rates run high.")
    return [head, section(listed([_rate_line(r, rate_alert) for r in rates])), context(about)]


def _rate_line(rate, rate_alert: float | None) -> str:
    name = escape(shorten(" ".join(str(rate.name or rate.key).split()), NAMES))
    what = WHAT_WORDS.get(rate.what, escape(str(rate.what)))
    if rate.rate is None:
        return f"• *{name}* ({what}): no texts sent yet"
    flag = " ⚠️" if rate_alert is not None and rate.rate > rate_alert else ""
    outs = "1 opt-out" if rate.opt_outs == 1 else f"{rate.opt_outs:,} opt-outs"
    return f"• *{name}* ({what}): {outs} of {rate.sent:,} sent, *{rate.rate:.1%}*{flag}"


def listed(lines: list[str], *, more: int = 0, limit: int = SECTION_MAX) -> str:
    """Return as many of `lines` as fit in a section, then "…and N more" for the rest.

    `more`: lines beyond `lines` that were never loaded, counted in N.
    """
    lines = [shorten(line, limit) for line in lines]
    if not more and len("\n".join(lines)) <= limit:
        return "\n".join(lines)
    kept: list[str] = []
    room = limit - len(_more_line(len(lines) + more)) - 1
    for line in lines:
        if len("\n".join([*kept, line])) > room:
            break
        kept.append(line)
    left = len(lines) - len(kept) + more
    return "\n".join([*kept, _more_line(left)] if left else kept)


def _more_line(n: int) -> str:
    return f"…and {n:,} more"


def _who(names: tuple[str, ...], e164: str) -> str:
    named = escape(shorten(", ".join(names), NAMES)) if names else "A client"
    return f"*{named}* ({mask(e164)})"


def _source(source: str) -> str:
    return SOURCE_WORDS.get(source) or escape(source.replace("_", " ").capitalize())


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": shorten(text, 150)}}
