"""The words of the consent model (SPEC section 2), as the database stores them."""

from __future__ import annotations

UNKNOWN, OPTED_IN, OPTED_OUT = "unknown", "opted_in", "opted_out"
OVERALL_STATES = (UNKNOWN, OPTED_IN, OPTED_OUT)

ON, OFF = "on", "off"
SWITCH_STATES = (ON, OFF)

# The pseudo-scope of carrier blocks in the event history.
CARRIER = "carrier"
BLOCKED, CLEAR = "blocked", "clear"
OVERALL = "overall"
ALL = "all"  # the scope of a client's text that speaks of every text, not one automation

CLIENT_KEYWORD = "client_keyword"
STAFF = "staff"
IMPORT = "import"
CARRIER_SOURCE = "carrier"
CASCADE = "cascade"
DEFAULT = "default"
SOURCES = (CLIENT_KEYWORD, STAFF, IMPORT, CARRIER_SOURCE, CASCADE, DEFAULT)

# Opt-outs and switch-offs from these sources only the client's own keyword may undo.
LOCKING_SOURCES = frozenset({CLIENT_KEYWORD, IMPORT})

CHANNELS = ("sms", "slack", "api", "import", "carrier")

# What the classifier reads an inbound text as (SPEC section 4).
OPT_OUT, OPT_IN, HELP, REVIEW, NONE = "opt_out", "opt_in", "help", "review", "none"
INTENTS = (OPT_OUT, OPT_IN, HELP, REVIEW, NONE)

# The outcome of an event in the history.
APPLIED, REFUSED = "applied", "refused"

# Machine-readable reasons a change is refused.
LOCKED = "locked"
EVIDENCE_REQUIRED = "evidence_required"
SWITCH_WHILE_OPTED_OUT = "opted_out"

# What an outbound text is, as the CRM says when it asks to send it.
MANUAL, WORK_PLAN, LEAD_AUTORESPONDER = "manual", "work_plan", "lead_autoresponder"
CAMPAIGN, AUTOMATION = "campaign", "automation"
KINDS = (MANUAL, WORK_PLAN, LEAD_AUTORESPONDER, CAMPAIGN, AUTOMATION)
CONFIRMATION, HELP_REPLY = "confirmation", "help"
SYSTEM_KINDS = (CONFIRMATION, HELP_REPLY)  # sent by the gateway itself, not by staff
QUIET_HOURS_KINDS = frozenset({CAMPAIGN, AUTOMATION, WORK_PLAN})

# Why an outbound text may not go (SPEC section 3).
BLOCK_OPTED_OUT = "opted_out"
BLOCK_AUTOMATION_OFF = "automation_off"
BLOCK_UNKNOWN_EXCLUDED = "unknown_excluded"
BLOCK_CARRIER = "carrier_blocked"
BLOCK_INVALID_NUMBER = "invalid_number"

# An outbound text's status: "sending" is the worker's claim, shown as queued outside the store.
QUEUED, SCHEDULED, SENDING, SENT = "queued", "scheduled", "sending", "sent"
DELIVERED, FAILED, CANCELLED = "delivered", "failed", "cancelled"
MESSAGE_BLOCKED = "blocked"
WAITING = (QUEUED, SCHEDULED)  # accepted, not yet claimed by the send worker
MESSAGE_STATUSES = (QUEUED, SCHEDULED, SENT, DELIVERED, FAILED, MESSAGE_BLOCKED, CANCELLED)

# A review: what a person is asked to decide, and its status (pending until decided).
REVIEW_TEXT, REVIEW_CARRIER = "text", "carrier"
REVIEW_SCOPE = "review"  # the pseudo-scope of review decisions in the event history
PENDING, DISMISSED = "pending", "dismissed"
REVIEW_STATUSES = (PENDING, OPTED_OUT, DISMISSED)

# An alert: what it reports, and whether Slack has it yet (pending, then posted).
ALERT_OPT_OUT, ALERT_OPT_IN, ALERT_REVIEW = "opt_out", "opt_in", "review"
ALERT_CARRIER_BLOCK, ALERT_REMINDER = "carrier_block", "reminder"
POSTED = "posted"

# A person's decision on a review: OPT_OUT, or that the text was not an opt-out.
NOT_OPT_OUT = "not_opt_out"

# The channel (one of CHANNELS) of a change made in Slack.
CHANNEL_SLACK = "slack"
