"""/api/v1 messages and campaigns: texts accepted only when consent allows, then sent."""

from __future__ import annotations

import logging

from flask import current_app

from gateway.api_answers import Blocked, Campaign, CampaignCreated, Message, MessageAccepted
from gateway.api_models import CampaignInput, MessageInput, RecipientsQuery
from gateway.api_routes import operation
from gateway.fields import MAX_ID
from store.consent import get_automation
from store.messaging import (
    campaign_opt_outs,
    campaign_statuses,
    create_campaign,
    get_campaign,
    get_message,
    public_status,
    queue_message,
    recipients_page,
)
from store.phones import mask

log = logging.getLogger("smsprefs.api")

# 100,000 recipients are about 1.6 MB of JSON; every other body keeps the gateway's 64 KiB
MAX_CAMPAIGN_BODY = 8 * 1024 * 1024
# past MAX_ID no row can match, and SQLite would raise on the comparison: 404
MESSAGE_ID, CAMPAIGN_ID = (f"<int(max={MAX_ID}):message_id>", f"<int(max={MAX_ID}):campaign_id>")


@operation("POST", "/messages", "Send one text if consent allows it",
           ok=(202, MessageAccepted, "Accepted for sending"), body=MessageInput,
           errors=(422, (409, Blocked, "Consent blocks the text; it is recorded as blocked")))
def post_message(body: MessageInput):
    config = current_app.extensions["smsprefs"]
    message = queue_message(to=body.to, text=body.text, kind=body.kind,
                            automation=body.automation, actor=body.actor,
                            region=config.default_region,
                            fallback_zone=config.dealership_timezone)
    log.info("API %s text %s to %s: %s %s", body.kind, message.id, mask(message.to),
             message.status, message.reason or "")
    if message.status == "blocked":
        return Blocked(error="blocked", message=blocked_sentence(message), status="blocked",
                       reason=message.reason, id=message.id), 409
    _wake()  # queue_message committed the message: the worker will find it
    return MessageAccepted(id=message.id, status=message.status, send_at=message.send_at)


@operation("GET", f"/messages/{MESSAGE_ID}", "Follow one text",
           ok=(200, Message, "The message"), errors=(404,))
def get_message_view(message_id: int) -> Message:
    message = get_message(message_id)
    return Message(
        id=message.id, to=message.to, kind=message.kind, automation=message.automation,
        status=public_status(message.status), reason=message.reason,
        vonage_message_id=message.vonage_message_id, send_at=message.send_at,
        sent_at=message.sent_at, created_at=message.created_at,
        campaign_id=message.campaign_id)


@operation("POST", "/campaigns", "Send one text to many phones; those consent excludes are "
           "counted", ok=(202, CampaignCreated, "The campaign and its counts"),
           body=CampaignInput, max_body=MAX_CAMPAIGN_BODY)
def post_campaign(body: CampaignInput):
    config = current_app.extensions["smsprefs"]
    result = create_campaign(name=body.name, text=body.text, recipients=body.recipients,
                             actor=body.actor, include_unknown=bool(body.include_unknown),
                             region=config.default_region,
                             fallback_zone=config.dealership_timezone)
    log.info("API campaign %s by %s: %s queued, %s scheduled, excluded %s", result.campaign.id,
             result.campaign.actor, result.queued, result.scheduled, result.excluded)
    if result.queued or result.scheduled:
        _wake()
    return CampaignCreated(id=result.campaign.id, queued=result.queued,
                           scheduled=result.scheduled, excluded=result.excluded)


@operation("GET", f"/campaigns/{CAMPAIGN_ID}",
           "A campaign's counts and a page of its recipients",
           ok=(200, Campaign, "The campaign"), errors=(400, 404), query=RecipientsQuery)
def get_campaign_view(campaign_id: int, query: RecipientsQuery) -> Campaign:
    campaign = get_campaign(campaign_id)
    page = recipients_page(campaign.id, after=query.after, limit=query.limit + 1)
    more, page = len(page) > query.limit, page[:query.limit]
    answered = campaign_opt_outs(campaign.id)
    return Campaign(
        id=campaign.id, name=campaign.name, include_unknown=campaign.include_unknown,
        actor=campaign.actor, created_at=campaign.created_at, counts=campaign.counts,
        statuses=campaign_statuses(campaign.id), opt_outs=answered.opt_outs,
        opt_out_rate=answered.rate,
        recipients=[{"id": m.id, "phone": m.to, "status": public_status(m.status),
                     "reason": m.reason} for m in page],
        next_after=page[-1].id if more else None)


def blocked_sentence(message) -> str:
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
