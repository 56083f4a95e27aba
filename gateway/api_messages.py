"""/api/v1 messages and campaigns: texts accepted only when consent allows, then sent."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from peewee import fn

from gateway.api_json import MAX_ID, actor_of, bad_request, iso, phone_of, query_int, read_body
from store.consent import get_automation
from store.errors import InvalidRequest, NotFound
from store.messaging import create_campaign, queue_message, recipients_page
from store.models import Campaign, OutboundMessage
from store.phones import mask
from store.vocabulary import KINDS

log = logging.getLogger("smsprefs.api")

MAX_CAMPAIGN_NAME = 200
MAX_RECIPIENTS_PAGE = 1000
STATUSES = ("queued", "scheduled", "sent", "delivered", "failed", "blocked", "cancelled")


def add_routes(bp: Blueprint) -> None:
    bp.post("/messages")(post_message)
    # past MAX_ID no row can match, and SQLite would raise on the comparison: 404
    bp.get(f"/messages/<int(max={MAX_ID}):message_id>")(get_message)
    bp.post("/campaigns")(post_campaign)
    bp.get(f"/campaigns/<int(max={MAX_ID}):campaign_id>")(get_campaign)


def post_message():
    body = read_body({"to": str, "text": str, "kind": str}, {"automation": str, "actor": str})
    if body["kind"] not in KINDS:
        # confirmations and HELP replies skip consent: only the gateway itself sends them
        raise InvalidRequest(f"kind must be one of {', '.join(KINDS)}, not {body['kind']!r}")
    actor = actor_of(body, required=False)
    e164 = phone_of(body["to"])  # 422 and nothing recorded when it is not a number
    config = current_app.extensions["smsprefs"]
    message = queue_message(to=e164, text=body["text"], kind=body["kind"],
                            automation=body.get("automation"), actor=actor,
                            region=config.default_region,
                            fallback_zone=config.dealership_timezone)
    log.info("API %s text %s to %s: %s %s", body["kind"], message.id, mask(message.to),
             message.status, message.reason or "")
    if message.status == "blocked":
        return jsonify({"error": "blocked", "message": blocked_sentence(message),
                        "status": "blocked", "reason": message.reason, "id": message.id}), 409
    _wake()  # queue_message committed the message: the worker will find it
    return jsonify({"id": message.id, "status": message.status,
                    "send_at": iso(message.send_at)}), 202


def get_message(message_id: int):
    message = OutboundMessage.get_or_none(OutboundMessage.id == message_id)
    if message is None:
        raise NotFound(f"no message has id {message_id}")
    return jsonify({
        "id": message.id, "to": message.to, "kind": message.kind,
        "automation": message.automation, "status": public_status(message.status),
        "reason": message.reason, "vonage_message_id": message.vonage_message_id,
        "send_at": iso(message.send_at), "sent_at": iso(message.sent_at),
        "created_at": iso(message.created_at), "campaign_id": message.campaign_id,
    })


def post_campaign():
    body = read_body({"name": str, "text": str, "recipients": list[str], "actor": str},
                     {"include_unknown": bool})
    if len(body["name"].strip()) > MAX_CAMPAIGN_NAME:
        raise bad_request(f"a campaign name has at most {MAX_CAMPAIGN_NAME} characters")
    config = current_app.extensions["smsprefs"]
    result = create_campaign(name=body["name"], text=body["text"],
                             recipients=body["recipients"], actor=actor_of(body),
                             include_unknown=body.get("include_unknown", False),
                             region=config.default_region,
                             fallback_zone=config.dealership_timezone)
    log.info("API campaign %s by %s: %s queued, %s scheduled, excluded %s", result.campaign.id,
             result.campaign.actor, result.queued, result.scheduled, result.excluded)
    if result.queued or result.scheduled:
        _wake()
    return jsonify({"id": result.campaign.id, "queued": result.queued,
                    "scheduled": result.scheduled, "excluded": result.excluded}), 202


def get_campaign(campaign_id: int):
    after = query_int("after", default=0, low=0)
    limit = query_int("limit", default=100, low=1, high=MAX_RECIPIENTS_PAGE)
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign has id {campaign_id}")
    page = recipients_page(campaign.id, after=after, limit=limit + 1)
    more, page = len(page) > limit, page[:limit]
    return jsonify({
        "id": campaign.id, "name": campaign.name, "include_unknown": campaign.include_unknown,
        "actor": campaign.actor, "created_at": iso(campaign.created_at),
        "counts": campaign.counts, "statuses": campaign_statuses(campaign.id),
        "recipients": [{"id": m.id, "phone": m.to, "status": public_status(m.status),
                        "reason": m.reason} for m in page],
        "next_after": page[-1].id if more else None,
    })


def campaign_statuses(campaign_id: int) -> dict[str, int]:
    """Return how many of the campaign's messages are in each status now."""
    statuses = dict.fromkeys(STATUSES, 0)
    rows = (OutboundMessage.select(OutboundMessage.status, fn.COUNT(OutboundMessage.id))
            .where(OutboundMessage.campaign == campaign_id)
            .group_by(OutboundMessage.status).tuples())
    for status, count in rows:
        statuses[public_status(status)] += count
    return statuses


def public_status(status: str) -> str:
    # `sending` is the worker's lease: until Vonage accepts it the message is still queued
    return "queued" if status == "sending" else status


def blocked_sentence(message: OutboundMessage) -> str:
    """Return why consent stopped this text, in words a salesperson understands."""
    if message.reason == "automation_off":
        label = get_automation(message.automation).label
        return (f"{label} are off for this client; this text was not sent. "
                "Other texts still reach them.")
    return {
        "opted_out": "The client is opted out of texts; nothing may be sent to this number.",
        "carrier_blocked": "The carrier reported this number as opted out at the network; "
        "nothing may be sent to it.",
        "unknown_excluded": "The client has not opted in, and campaign texts go to unknown "
        "numbers only when the campaign includes them.",
        "invalid_number": "This is not a valid phone number.",
    }.get(message.reason, f"Consent does not allow this text ({message.reason}).")


def _wake() -> None:
    current_app.extensions["smsprefs.queue"].wake()
