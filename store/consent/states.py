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

APPLIED, REFUSED = "applied", "refused"

# Machine-readable reasons a change is refused.
LOCKED = "locked"
EVIDENCE_REQUIRED = "evidence_required"
SWITCH_WHILE_OPTED_OUT = "opted_out"

KINDS = ("manual", "work_plan", "lead_autoresponder", "campaign", "automation")
SYSTEM_KINDS = ("confirmation", "help")
QUIET_HOURS_KINDS = frozenset({"campaign", "automation", "work_plan"})

# Why an outbound text may not go (SPEC section 3).
BLOCK_OPTED_OUT = "opted_out"
BLOCK_AUTOMATION_OFF = "automation_off"
BLOCK_UNKNOWN_EXCLUDED = "unknown_excluded"
BLOCK_CARRIER = "carrier_blocked"
BLOCK_INVALID_NUMBER = "invalid_number"
