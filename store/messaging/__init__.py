"""Messaging: who may be texted and when, the outbox, campaigns, inbound texts, replies, alerts.

What the edges may call; the gateway and the bot import only this front door.
"""

from store.messaging.alerts import (
    AlertDetails,
    claim_alerts,
    details,
    mark_posted,
    posted_alerts,
    retry_alert,
)
from store.messaging.campaigns import (
    EXCLUSIONS,
    MAX_RECIPIENTS,
    campaign_statuses,
    create_campaign,
    get_campaign,
    recipients_page,
)
from store.messaging.inbound import (
    InboundResult,
    assemble_stale_parts,
    clean_text,
    receive_part,
    receive_text,
)
from store.messaging.outbox import (
    CARRIER_OPT_OUT,
    DEFERRED,
    anything_due,
    claim_due,
    get_message,
    is_carrier_opt_out,
    mark_failed,
    mark_sent,
    next_due_at,
    public_status,
    queue_message,
    recheck,
    record_receipt,
    renew_claim,
    retry_later,
)
from store.messaging.replies import ReplySettings
from store.messaging.reports import (
    KIND_WORDS,
    OptOutRate,
    OptOutReport,
    campaign_opt_outs,
    opt_out_report,
    opt_outs_by_source,
    recent_opt_out_rates,
)
from store.messaging.sending import MAX_TEXT

__all__ = [
    "CARRIER_OPT_OUT",
    "DEFERRED",
    "EXCLUSIONS",
    "KIND_WORDS",
    "MAX_RECIPIENTS",
    "MAX_TEXT",
    "AlertDetails",
    "InboundResult",
    "OptOutRate",
    "OptOutReport",
    "ReplySettings",
    "anything_due",
    "assemble_stale_parts",
    "campaign_opt_outs",
    "campaign_statuses",
    "claim_alerts",
    "claim_due",
    "clean_text",
    "create_campaign",
    "details",
    "get_campaign",
    "get_message",
    "is_carrier_opt_out",
    "mark_failed",
    "mark_posted",
    "mark_sent",
    "next_due_at",
    "opt_out_report",
    "opt_outs_by_source",
    "posted_alerts",
    "public_status",
    "queue_message",
    "receive_part",
    "receive_text",
    "recent_opt_out_rates",
    "recheck",
    "recipients_page",
    "record_receipt",
    "renew_claim",
    "retry_alert",
    "retry_later",
]
