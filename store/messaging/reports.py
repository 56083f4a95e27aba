"""Opt-out reports (SPEC section 11): opt-outs and rates per campaign, automation and kind.

What a rate means: of the texts sent since a moment (a text counts as sent once it has
sent_at; blocked and unsent ones reached nobody), how many recipients opted out in answer
to them — an opt-out answers the last text the dealership sent the phone within 7 days
before it (store.consent.attribution). Numerator and denominator are the same texts, so a
rate never passes 1, and an opt-out is counted once per text it answered, however many
switches it turned off. An opt-out later marked misread (SPEC rule 11) is not counted.

Every figure is one set-based statement on an index: texts by outbound_message(sent_at)
or (campaign_id, sent_at), opt-outs by consent_event(occurred_at) or (cause_campaign_id),
each joined to its text by primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import SQL, fn

from store.automations import AUTOMATIONS
from store.models import Campaign, ConsentEvent, OutboundMessage
from store.vocabulary import (
    APPLIED,
    AUTOMATION,
    CAMPAIGN,
    CARRIER,
    CASCADE,
    KINDS,
    LEAD_AUTORESPONDER,
    MANUAL,
    OFF,
    OPTED_OUT,
    REVIEW_SCOPE,
    SOURCES,
    SYSTEM_KINDS,
    WORK_PLAN,
)

# A kind of text in words, as the reports and the opt-out alert name it.
KIND_WORDS = {MANUAL: "manual texts", WORK_PLAN: "Work Plan texts",
              LEAD_AUTORESPONDER: "lead auto-responses", CAMPAIGN: "campaign texts",
              AUTOMATION: "automation texts"}


@dataclass(frozen=True)
class OptOutRate:
    """Texts sent and the opt-outs answering them, for one campaign, automation or kind."""

    what: str  # campaign | automation | kind
    key: str  # the campaign id, the automation type, or the kind
    name: str  # the campaign's name, the automation's label, or the kind in words
    sent: int
    opt_outs: int
    rate: float | None  # opt_outs / sent; None when nothing was sent


@dataclass(frozen=True)
class OptOutReport:
    since: datetime
    campaigns: list[OptOutRate]  # those that sent anything since, newest first
    automations: list[OptOutRate]  # every registered automation type
    kinds: list[OptOutRate]  # every kind of text staff and the CRM send


def rate_of(what: str, key: str, name: str, sent: int, opt_outs: int) -> OptOutRate:
    return OptOutRate(what, key, name, sent, opt_outs, opt_outs / sent if sent else None)


def automation_name(automation: str) -> str:
    known = AUTOMATIONS.get(automation)
    return known.label if known else automation


def _not_corrected():
    later = ConsentEvent.alias()
    return ~fn.EXISTS(later.select(SQL("1")).where(later.corrects == ConsentEvent.id))


def _opt_out():
    """Return the condition of an applied opt-out event (store.consent.attribution)."""
    return ((ConsentEvent.outcome == APPLIED)
            & ConsentEvent.scope.not_in((CARRIER, REVIEW_SCOPE))
            & ConsentEvent.new_state.in_((OPTED_OUT, OFF)) & (ConsentEvent.source != CASCADE)
            & (ConsentEvent.old_state != ConsentEvent.new_state))


def opt_outs_by_source(*, since: datetime) -> dict[str, int]:
    """Return how many applied opt-outs (of everything or of one automation) happened since
    `since` (naive UTC), by source; sources with none are left out."""
    rows = (ConsentEvent.select(ConsentEvent.source, fn.COUNT(ConsentEvent.id))
            .where(ConsentEvent.occurred_at >= since, _opt_out(), _not_corrected())
            .group_by(ConsentEvent.source).tuples())
    counts = dict(rows)
    return {source: counts[source] for source in (*SOURCES, *sorted(set(counts) - set(SOURCES)))
            if counts.get(source)}


def _sent_since(since: datetime) -> dict[tuple, int]:
    """Return {(kind, campaign id, automation): texts sent since `since`}."""
    m = OutboundMessage
    rows = (m.select(m.kind, m.campaign, m.automation, fn.COUNT(m.id))
            .where(m.sent_at >= since, m.kind.not_in(SYSTEM_KINDS))
            .group_by(m.kind, m.campaign, m.automation).tuples())
    return {(kind, campaign, automation): count for kind, campaign, automation, count in rows}


def _answered_since(since: datetime) -> dict[tuple, int]:
    """Return {(kind, campaign id, automation): opt-outs answering texts sent since `since`}."""
    e, m = ConsentEvent, OutboundMessage
    # an opt-out comes after the text it answers: the events since `since` hold them all
    rows = (e.select(e.cause_kind, e.cause_campaign_id, e.cause_automation,
                     fn.COUNT(e.cause_message_id.distinct()))
            .join(m, on=(m.id == e.cause_message_id))
            .where(e.occurred_at >= since, m.sent_at >= since, _not_corrected())
            .group_by(e.cause_kind, e.cause_campaign_id, e.cause_automation).tuples())
    return {(kind, campaign, automation): count for kind, campaign, automation, count in rows}


def opt_out_report(*, since: datetime) -> OptOutReport:
    """Return opt-outs and rates per campaign, automation type and kind of the texts sent
    since `since` (naive UTC)."""
    sent, answered = _sent_since(since), _answered_since(since)
    by: dict[str, dict[object, list[int]]] = {"campaign": {}, "automation": {}, "kind": {}}
    for figures, index in ((sent, 0), (answered, 1)):
        for (kind, campaign, automation), count in figures.items():
            for what, key in (("kind", kind), ("campaign", campaign),
                              ("automation", automation if kind == AUTOMATION else None)):
                if key is not None:
                    by[what].setdefault(key, [0, 0])[index] += count
    names = dict(Campaign.select(Campaign.id, Campaign.name)
                 .where(Campaign.id.in_(list(by["campaign"]))).tuples()) if by["campaign"] else {}
    campaigns = [rate_of("campaign", str(cid), names.get(cid, f"campaign {cid}"), *by[
        "campaign"][cid]) for cid in sorted(by["campaign"], reverse=True)]
    automations = [rate_of("automation", name, automation_name(name),
                           *by["automation"].get(name, (0, 0)))
                   for name in (*AUTOMATIONS, *sorted(set(by["automation"]) - set(AUTOMATIONS)))]
    kinds = [rate_of("kind", kind, KIND_WORDS[kind], *by["kind"].get(kind, (0, 0)))
             for kind in KINDS]
    return OptOutReport(since, campaigns, automations, kinds)


def recent_opt_out_rates(*, since: datetime) -> list[OptOutRate]:
    """Return the opt-out rate of each campaign that sent anything since `since` (naive UTC),
    newest first, then of each automation type that did, in the registry's order."""
    report = opt_out_report(since=since)
    return report.campaigns + [a for a in report.automations if a.sent or a.opt_outs]


def campaign_opt_outs(campaign_id: int) -> OptOutRate:
    """Return a campaign's texts sent, the opt-outs answering them and its rate, all time."""
    e, m = ConsentEvent, OutboundMessage
    sent = m.select().where(m.campaign == campaign_id, m.sent_at.is_null(False)).count()
    opt_outs = (e.select(fn.COUNT(e.cause_message_id.distinct()))
                .where(e.cause_campaign_id == campaign_id, _not_corrected()).scalar()) or 0
    name = Campaign.select(Campaign.name).where(Campaign.id == campaign_id).scalar()
    return rate_of("campaign", str(campaign_id), name or "", sent, opt_outs)


# --- a campaign's or an automation's rate over its last recipients (the rate alert) -------

def _window(what: str, key: str, size: int):
    """Return the query of the ids of the last `size` texts sent for a campaign or an
    automation, on outbound_message (campaign_id, sent_at) or (automation, sent_at)."""
    m = OutboundMessage
    subject = (m.campaign == int(key)) if what == "campaign" else (
        (m.automation == key) & (m.kind == AUTOMATION))
    return (m.select(m.id).where(subject, m.sent_at.is_null(False))
            .order_by(m.sent_at.desc(), m.id.desc()).limit(size))


def last_recipients_rate(what: str, key: str, *, size: int) -> OptOutRate:
    """Return the opt-out rate of the last `size` recipients of a campaign (key: its id)
    or an automation (key: its type)."""
    e = ConsentEvent
    window = _window(what, key, size)
    sent = window.count()
    opt_outs = (e.select(fn.COUNT(e.cause_message_id.distinct()))
                .where(e.cause_message_id.in_(window), _not_corrected()).scalar()) or 0
    if what == "campaign":
        name = Campaign.select(Campaign.name).where(Campaign.id == int(key)).scalar() or key
    else:
        name = automation_name(key)
    return rate_of(what, key, name, sent, opt_outs)


def answered_since(since: datetime) -> list[tuple[str, str]]:
    """Return the campaigns and automations that opt-outs since `since` answered, as
    (what, key): the only ones whose rate can have risen since."""
    e = ConsentEvent
    rows = (e.select(e.cause_campaign_id, e.cause_automation).distinct()
            .where(e.occurred_at >= since, e.cause_message_id.is_null(False),
                   e.cause_campaign_id.is_null(False) | (e.cause_kind == AUTOMATION)).tuples())
    return sorted({("campaign", str(c)) if c is not None else ("automation", a)
                   for c, a in rows})
