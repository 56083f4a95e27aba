"""Consent: the rules of SPEC section 2, each phone's state, its history, and reviews.

What the edges may call. Inside store, modules import one another's modules directly;
the gateway and the bot import only this front door.
"""

from store.automations import AUTOMATIONS, Automation, get_automation
from store.consent.chain import ChainBreak, chain_head, verify_chain
from store.consent.changes import (
    ChangeResult,
    change_consent,
    classify_for,
    correct_misread,
    get_state,
)
from store.consent.history import corrections_of, get_event, list_events
from store.consent.misread import NOTE_REQUIRED, is_misread_candidate
from store.consent.replay import history_size, verify
from store.consent.reviews import decide_review, remind_overdue
from store.consent.rules import Actor, ConsentState

__all__ = [
    "AUTOMATIONS", "NOTE_REQUIRED", "Actor", "Automation", "ChainBreak", "ChangeResult",
    "ConsentState", "chain_head",
    "change_consent", "classify_for", "correct_misread", "corrections_of", "decide_review",
    "get_automation", "get_event", "get_state", "history_size", "is_misread_candidate",
    "list_events", "remind_overdue", "verify", "verify_chain",
]
