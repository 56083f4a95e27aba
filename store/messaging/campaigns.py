"""Campaigns: deciding thousands of recipients in a handful of set-based queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from peewee import fn

from store.bulk import select_in, write_rows
from store.clock import now_or
from store.consent.rules import ConsentState
from store.db import db
from store.errors import InvalidRequest, NotFound
from store.heap import older_objects_frozen
from store.messaging.sending import block_reason, check_text, next_send_time
from store.models import Campaign, OutboundMessage
from store.phones import time_zones, try_parse_phone, us_state, valid_e164
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
    UNKNOWN,
)

MAX_RECIPIENTS = 200_000
DUPLICATE = "duplicate"
EXCLUSIONS = (BLOCK_OPTED_OUT, BLOCK_UNKNOWN_EXCLUDED, BLOCK_AUTOMATION_OFF, BLOCK_CARRIER,
              BLOCK_INVALID_NUMBER, DUPLICATE)
# a campaign's rows: what differs per recipient, then what all of them share
ROW_FIELDS = (OutboundMessage.phone, OutboundMessage.to, OutboundMessage.status,
              OutboundMessage.reason, OutboundMessage.send_at, OutboundMessage.text,
              OutboundMessage.kind, OutboundMessage.actor, OutboundMessage.created_at,
              OutboundMessage.updated_at, OutboundMessage.campaign)
_CONSENT = 'SELECT "id", "e164", "overall", "carrier_blocked" FROM "phone" WHERE'


@dataclass
class CampaignResult:
    campaign: Campaign
    queued: int = 0
    scheduled: int = 0
    excluded: dict[str, int] = field(default_factory=dict)


@older_objects_frozen()  # its 100,000 rows' tuples make no cycles (store/heap.py)
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
    consent = _consent_of(e164 for _, e164 in parsed if e164)
    reasons: dict[tuple, str | None] = {}
    send_times: dict[tuple, datetime] = {}
    rows = []  # (phone, to, status, reason, send_at), in the recipients' order
    for raw, e164 in parsed:
        if e164 is None:
            counts[BLOCK_INVALID_NUMBER] += 1
            rows.append((None, raw[:40], MESSAGE_BLOCKED, BLOCK_INVALID_NUMBER, now))
            continue
        phone_id, overall, carrier_blocked = consent.get(e164) or (None, UNKNOWN, False)
        # block_reason decides; for a campaign it reads only the overall state and the
        # carrier block, so it is asked once per pair of them, not once per recipient
        if (overall, carrier_blocked) not in reasons:
            reasons[overall, carrier_blocked] = block_reason(
                ConsentState(e164=e164, overall=overall, carrier_blocked=carrier_blocked),
                kind=CAMPAIGN, include_unknown=include_unknown)
        reason = reasons[overall, carrier_blocked]
        if reason:
            counts[reason] += 1
            rows.append((phone_id, e164, MESSAGE_BLOCKED, reason, now))
            continue
        # the texting day depends only on the number's zones and state: compute it once each
        key = (time_zones(e164), us_state(e164))
        if key not in send_times:
            send_times[key] = next_send_time(e164, now, fallback_zone)
        status = QUEUED if send_times[key] <= now else SCHEDULED
        counts[status] += 1
        rows.append((phone_id, e164, status, None, send_times[key]))
    with db.atomic():
        campaign = Campaign.create(name=name, text=text, include_unknown=include_unknown,
                                   actor=actor, created_at=now, counts={})
        _write_messages(rows, (text, CAMPAIGN, actor, now, now, campaign.id))
        campaign.counts = {QUEUED: counts[QUEUED], SCHEDULED: counts[SCHEDULED],
                           **{k: counts[k] for k in EXCLUSIONS}}
        campaign.save()
    return CampaignResult(campaign, counts[QUEUED], counts[SCHEDULED],
                          {k: counts[k] for k in EXCLUSIONS})


def _parse_recipients(recipients: list, region: str) -> tuple[list[tuple[str, str | None]],
                                                             Counter]:
    """Return (raw, e164 or None) for each first occurrence of a number, and the counts."""
    counts: Counter = Counter()
    parsed: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for raw in recipients:
        raw = raw if isinstance(raw, str) else str(raw)
        # a number already in E.164 answers itself (the same answer as the full parse)
        e164 = valid_e164(raw) or try_parse_phone(raw, region=region)
        key = e164 or raw
        if key in seen:
            counts[DUPLICATE] += 1
            continue
        seen.add(key)
        parsed.append((raw, e164))
    return parsed, counts


def _consent_of(e164s: Iterable[str]) -> dict[str, tuple[int, str, bool]]:
    """Return (phone id, overall, carrier blocked) of each known phone in `e164s`.

    All a campaign's decision reads (block_reason for kind campaign), without the switches
    and dates that load_states() also reads; tests check the two agree.
    """
    rows = select_in(_CONSENT, '"e164"', e164s)
    return {e164: (phone_id, overall, bool(blocked)) for phone_id, e164, overall, blocked in rows}


def _write_messages(rows: list[tuple], same: tuple) -> None:
    """Insert the campaign's messages, `rows` each followed by `same` (ROW_FIELDS), in order,
    through write_rows() (a binary COPY on PostgreSQL)."""
    write_rows(OutboundMessage, ROW_FIELDS, [(*row, *same) for row in rows])


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
