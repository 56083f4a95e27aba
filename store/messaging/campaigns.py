"""Campaigns: deciding thousands of recipients in a handful of set-based queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from peewee import chunked, fn

from store.clock import now_or
from store.consent.changes import load_states
from store.consent.rules import ConsentState
from store.db import db, insert_rows
from store.errors import InvalidRequest, NotFound
from store.messaging.sending import block_reason, check_text, next_send_time
from store.models import Campaign, OutboundMessage
from store.phones import time_zones, try_parse_phone, us_state
from store.vocabulary import (
    BLOCK_AUTOMATION_OFF,
    BLOCK_CARRIER,
    BLOCK_INVALID_NUMBER,
    BLOCK_OPTED_OUT,
    BLOCK_UNKNOWN_EXCLUDED,
    CAMPAIGN,
    MESSAGE_BLOCKED,
    MESSAGE_STATUSES,
    QUEUED,
    SCHEDULED,
    SENDING,
)

MAX_RECIPIENTS = 200_000
DUPLICATE = "duplicate"
EXCLUSIONS = (BLOCK_OPTED_OUT, BLOCK_UNKNOWN_EXCLUDED, BLOCK_AUTOMATION_OFF, BLOCK_CARRIER,
              BLOCK_INVALID_NUMBER, DUPLICATE)


@dataclass
class CampaignResult:
    campaign: Campaign
    queued: int = 0
    scheduled: int = 0
    excluded: dict[str, int] = field(default_factory=dict)


def create_campaign(
    *, name: str, text: str, recipients: list[str], actor: str, include_unknown: bool = False,
    region: str = "US", now: datetime | None = None, fallback_zone: str,
) -> CampaignResult:
    """Record a campaign and one outbound message per recipient consent allows.

    Excluded recipients are recorded too (status `blocked` with the reason) so the
    campaign's details show who was left out and why; duplicates are only counted.
    """
    name, actor = (name or "").strip(), (actor or "").strip()
    if not name or not actor:
        raise InvalidRequest("a campaign needs a name and an actor")
    check_text(text)
    if not isinstance(recipients, list) or not recipients:
        raise InvalidRequest("a campaign needs a list of recipients")
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidRequest(f"a campaign has at most {MAX_RECIPIENTS} recipients")
    now = now_or(now)
    parsed, counts = _parse_recipients(recipients, region)
    states: dict[str, ConsentState] = {}
    for batch in chunked([e for e in parsed.values() if e], 10_000):
        states.update(load_states(batch))
    rows, send_times = [], {}
    for raw, e164 in parsed.items():
        state = (states.get(e164) or ConsentState(e164=e164)) if e164 else None
        reason = BLOCK_INVALID_NUMBER if state is None else block_reason(
            state, kind=CAMPAIGN, include_unknown=include_unknown)
        row = {"phone": state.phone_id if state else None, "to": e164 or raw[:40], "text": text,
               "kind": CAMPAIGN, "actor": actor, "reason": None, "created_at": now,
               "updated_at": now}
        if reason:
            counts[reason] += 1
            rows.append({**row, "status": MESSAGE_BLOCKED, "reason": reason, "send_at": now})
            continue
        # the texting day depends only on the number's zones and state: compute it once each
        key = (time_zones(e164), us_state(e164))
        if key not in send_times:
            send_times[key] = next_send_time(e164, now, fallback_zone)
        status = QUEUED if send_times[key] <= now else SCHEDULED
        counts[status] += 1
        rows.append({**row, "status": status, "send_at": send_times[key]})
    with db.atomic():
        campaign = Campaign.create(name=name, text=text, include_unknown=include_unknown,
                                   actor=actor, created_at=now, counts={})
        fields = [getattr(OutboundMessage, name) for name in (*rows[0], "campaign")]
        insert_rows(OutboundMessage, fields, [(*r.values(), campaign.id) for r in rows])
        campaign.counts = {QUEUED: counts[QUEUED], SCHEDULED: counts[SCHEDULED],
                           **{k: counts[k] for k in EXCLUSIONS}}
        campaign.save()
    return CampaignResult(campaign, counts[QUEUED], counts[SCHEDULED],
                          {k: counts[k] for k in EXCLUSIONS})


def _parse_recipients(recipients: list, region: str) -> tuple[dict[str, str | None], Counter]:
    """Return {raw: e164 or None} for each first occurrence of a number, and the counts."""
    counts: Counter = Counter()
    parsed: dict[str, str | None] = {}
    seen: set[str] = set()
    for raw in recipients:
        raw = raw if isinstance(raw, str) else str(raw)
        e164 = try_parse_phone(raw, region=region)
        key = e164 or raw
        if key in seen:
            counts[DUPLICATE] += 1
            continue
        seen.add(key)
        parsed[raw] = e164
    return parsed, counts


def recipients_page(campaign_id: int, *, after: int = 0, limit: int = 100) -> list[OutboundMessage]:
    """Return a page of the campaign's recipients, in order, after message id `after`."""
    return list(OutboundMessage.select()
                .where(OutboundMessage.campaign == campaign_id, OutboundMessage.id > after)
                .order_by(OutboundMessage.id).limit(limit))


def get_campaign(campaign_id: int) -> Campaign:
    """Return the campaign `campaign_id`; raise NotFound when there is none."""
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign has id {campaign_id}")
    return campaign


def campaign_statuses(campaign_id: int) -> dict[str, int]:
    """Return how many of the campaign's messages are in each status now, as told outside the
    store (a claimed message counts as queued)."""
    statuses = dict.fromkeys(MESSAGE_STATUSES, 0)
    rows = (OutboundMessage.select(OutboundMessage.status, fn.COUNT(OutboundMessage.id))
            .where(OutboundMessage.campaign == campaign_id)
            .group_by(OutboundMessage.status).tuples())
    for status, count in rows:
        statuses[QUEUED if status == SENDING else status] += count
    return statuses
