"""SPEC rule 11 as pure functions: which opt-outs an editor may mark misread, and the plan
that undoes one. changes.correct_misread() loads the facts and persists the plan.
"""

from __future__ import annotations

from store.automations import AUTOMATIONS
from store.consent.rules import Actor, Change, ConsentState, Plan, Refusal
from store.errors import InvalidRequest
from store.vocabulary import (
    APPLIED,
    CLIENT_KEYWORD,
    OFF,
    ON,
    OPTED_OUT,
    OVERALL,
    STAFF,
    SWITCH_WHILE_OPTED_OUT,
)

# SPEC rule 11: the classifier rules (the `rule` on a client's event) that read an opt-out
# from natural language, not from an opt-out word. Only an opt-out one of them applied may be
# marked misread. Not `keyword`, `keyword_with_filler`, `keyword_line`, `starts_with_stop`
# (opt-out words), `typo` (a STOP typo), `scoped_keyword` (STOP <keyphrase>), nor
# `scope_widened`: older events carry it for keyword requests widened to all as well
# ("STOP DEALS"), so it cannot tell a misreading from a STOP.
NATURAL_LANGUAGE_RULES = frozenset({
    "natural_language",  # "take me off your list"
    "scoped_natural_language",  # "no more price drop alerts"
    "natural_language_widened",  # a request in words widened to all
})
MISREAD = "misread"  # the reason on the events of a misread correction
# Why a misread correction is refused (besides opted_out: a switch never turns on then)
NOT_CLIENT_OPT_OUT = "not_client_opt_out"  # not an applied opt-out by the client's text
NOT_NATURAL_LANGUAGE = "not_natural_language"  # an opt-out word, a STOP typo, STOP <keyphrase>
ALREADY_CORRECTED = "already_corrected"
CONFIRMED_BY_CLIENT = "confirmed_by_client"  # the client texted an opt-out again since
STATE_CHANGED = "state_changed"  # a scope it changed has changed again since
NOTE_REQUIRED = "note_required"


def is_client_opt_out(event) -> bool:
    """Return whether the consent `event` is an opt-out (all or scoped) the client's text made."""
    return (event.outcome == APPLIED and event.source == CLIENT_KEYWORD
            and event.new_state in (OPTED_OUT, OFF))


def is_misread_candidate(event) -> bool:
    """Return whether the consent `event` is an opt-out the client's text made in words.

    Only such an opt-out may be marked misread (SPEC rule 11).
    """
    return is_client_opt_out(event) and event.rule in NATURAL_LANGUAGE_RULES


def plan_misread(state: ConsentState, *, opt_out, cascade, actor: Actor, note: str | None,
                 corrected: bool, confirmed: bool) -> Plan:
    """Plan marking the opt-out event `opt_out` misread (SPEC rule 11): return its scopes.

    `cascade` are the events written with it (switches its opt-out turned off). Each
    scope goes back to its state before the opt-out, as a change by `actor` (staff) with
    reason misread. Refused, with one reason, when the opt-out is not one the classifier
    read from natural language, was `corrected` already, was `confirmed` by a later opt-out
    text, when a scope it changed has changed again since (its later history would be
    undone too), when a switch would turn on while the client is opted out, or without a
    note.
    """
    if actor.source != STAFF:
        raise InvalidRequest("only staff may mark an opt-out misread")
    plan = Plan(before=state)
    events = [opt_out, *cascade]
    reason = _misread_refusal(state, opt_out, events, note, corrected, confirmed)
    if reason:
        # a carrier or review event has no consent state to show: it stays as it was
        current = (_scope_state(state, opt_out.scope)[0]
                   if opt_out.scope == OVERALL or opt_out.scope in AUTOMATIONS
                   else opt_out.new_state)
        plan.refusals.append(Refusal(opt_out.scope, current, opt_out.old_state, reason))
        return plan
    plan.changes += [Change(e.scope, e.new_state, e.old_state, actor.source, MISREAD)
                     for e in events]
    return plan


def _misread_refusal(state: ConsentState, opt_out, events, note, corrected: bool,
                     confirmed: bool) -> str | None:
    if not is_client_opt_out(opt_out):
        return NOT_CLIENT_OPT_OUT
    if not is_misread_candidate(opt_out):
        return NOT_NATURAL_LANGUAGE
    if corrected:
        return ALREADY_CORRECTED
    if confirmed:
        return CONFIRMED_BY_CLIENT
    if any(_scope_state(state, e.scope) != (e.new_state, e.source) for e in events):
        return STATE_CHANGED
    overall = next((e.old_state for e in events if e.scope == OVERALL), state.overall)
    if overall == OPTED_OUT and any(e.old_state == ON for e in events):
        return SWITCH_WHILE_OPTED_OUT  # rule 5: a scoped opt-out, and now opted out of all
    if not (note and note.strip()):
        return NOTE_REQUIRED
    return None


def _scope_state(state: ConsentState, scope: str) -> tuple[str, str]:
    if scope == OVERALL:
        return state.overall, state.overall_source
    switch = state.switch(scope)
    return switch.state, switch.source
