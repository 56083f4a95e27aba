"""The consent rules of SPEC section 2, as pure functions: plan_change() and plan_carrier();
misread.py holds rule 11, an editor's misread correction.

A plan says, for one phone, which scopes change and which attempts are refused. It
touches no database: changes.py and imports.py load states, plan, and persist, so the
single change, the bulk import and the property tests all obey the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from store.automations import AUTOMATIONS, get_automation
from store.errors import InvalidRequest
from store.vocabulary import (
    BLOCKED,
    CARRIER,
    CASCADE,
    CLEAR,
    CLIENT_KEYWORD,
    DEFAULT,
    EVIDENCE_REQUIRED,
    IMPORT,
    LOCKED,
    LOCKING_SOURCES,
    OFF,
    ON,
    OPTED_IN,
    OPTED_OUT,
    OVERALL,
    OVERALL_STATES,
    SOURCES,
    STAFF,
    SWITCH_STATES,
    SWITCH_WHILE_OPTED_OUT,
    UNKNOWN,
)

IMPORT_NEVER_RELAXES = "import_never_relaxes"
WITH_REFUSED_PART = "with_refused_part"  # allowed alone, refused with the rest of its request

@dataclass(frozen=True)
class Actor:
    """Who asks for a change: the source of the change, an id, and the channel it came by."""

    source: str  # client_keyword | staff | import | carrier
    actor: str  # "client", a Slack user id, an API caller, "import:<file>"
    channel: str  # sms | slack | api | import | carrier


@dataclass(frozen=True)
class Switch:
    state: str = ON
    source: str = DEFAULT
    changed_at: datetime | None = None

    @property
    def locked(self) -> bool:
        return self.state == OFF and self.source in LOCKING_SOURCES


@dataclass(frozen=True)
class ConsentState:
    """The consent of one phone: overall, carrier block, and every registered switch."""

    e164: str
    overall: str = UNKNOWN
    overall_source: str = DEFAULT
    overall_changed_at: datetime | None = None
    carrier_blocked: bool = False
    switches: dict[str, Switch] = field(default_factory=dict)
    phone_id: int | None = None

    @property
    def locked(self) -> bool:
        """Return whether only the client's own keyword may end this opt-out."""
        return self.overall == OPTED_OUT and self.overall_source in LOCKING_SOURCES

    def switch(self, automation: str) -> Switch:
        return self.switches.get(automation, Switch())


@dataclass(frozen=True)
class Change:
    """One scope moving from one state to another (or staying, with a stronger source)."""

    scope: str
    old_state: str
    new_state: str
    source: str
    reason: str | None = None  # why an applied change was made, when it is not a request


@dataclass(frozen=True)
class Refusal:
    scope: str
    old_state: str
    requested: str
    reason: str


@dataclass
class Plan:
    """What a request does to one phone: applied changes, or refusals and nothing else."""

    before: ConsentState
    changes: list[Change] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    @property
    def after(self) -> ConsentState:
        """Return the state once the changes are applied (the state before if refused)."""
        if self.refused:
            return self.before
        state, switches = self.before, dict(self.before.switches)
        for c in self.changes:
            if c.scope == OVERALL:
                state = replace(state, overall=c.new_state, overall_source=c.source)
            elif c.scope == CARRIER:
                state = replace(state, carrier_blocked=c.new_state == BLOCKED)
            else:
                switches[c.scope] = Switch(c.new_state, c.source)
        return replace(state, switches=switches)


def plan_change(
    state: ConsentState,
    *,
    actor: Actor,
    overall: str | None = None,
    automations: dict[str, str] | None = None,
    note: str | None = None,
    restore_cascade: bool = True,
) -> Plan:
    """Plan `actor`'s request against `state` under the rules of SPEC section 2.

    All or nothing: when any scope is refused, the plan applies nothing.
    `restore_cascade=False` keeps cascade-off switches off when overall leaves opted_out
    (a client's scoped START turns on only the switch it names, rule 7).
    """
    automations = automations or {}
    _validate(actor, overall, automations)
    plan = Plan(before=state)
    new_overall = state.overall
    if overall is not None:
        new_overall = _plan_overall(plan, state, overall, actor, note)
    for name, wanted in automations.items():
        _plan_switch(plan, state.switch(name), name, wanted, new_overall, actor)
    if plan.refused:
        # the parts that were allowed are not applied either: record them as refused with it
        refused = {r.scope for r in plan.refusals}
        plan.refusals += [Refusal(c.scope, c.old_state, c.new_state, WITH_REFUSED_PART)
                          for c in plan.changes if c.scope not in refused]
        plan.changes.clear()
        return plan
    # rule 6: the client's START brings back what an opt-out turned off, whatever came between
    restore = restore_cascade and (state.overall == OPTED_OUT or (
        overall == OPTED_IN and actor.source == CLIENT_KEYWORD))
    _plan_cascade(plan, state, new_overall, explicit=set(automations), restore=restore)
    return plan


def plan_carrier(state: ConsentState, *, actor: Actor, blocked: bool) -> Plan:
    """Plan marking the phone blocked at the network, or clearing that block."""
    plan = Plan(before=state)
    if state.carrier_blocked != blocked:
        old, new = (CLEAR, BLOCKED) if blocked else (BLOCKED, CLEAR)
        plan.changes.append(Change(CARRIER, old, new, actor.source))
    return plan


def _validate(actor: Actor, overall: str | None, automations: dict[str, str]) -> None:
    if actor.source not in SOURCES:
        raise InvalidRequest(f"unknown source {actor.source!r}")
    if overall is not None and overall not in OVERALL_STATES:
        raise InvalidRequest(f"overall must be one of {', '.join(OVERALL_STATES)}, not {overall!r}")
    for name, wanted in automations.items():
        get_automation(name)
        if wanted not in SWITCH_STATES:
            raise InvalidRequest(f"automation {name} must be 'on' or 'off', not {wanted!r}")


def _plan_overall(plan: Plan, state: ConsentState, wanted: str, actor: Actor, note) -> str:
    """Plan the overall scope; return the overall state the request leads to."""
    current, source = state.overall, state.overall_source
    if wanted == current:
        if wanted == OPTED_OUT and _strengthens(source, actor.source):
            plan.changes.append(Change(OVERALL, current, wanted, actor.source))
        return current
    reason = _overall_refusal(state, wanted, actor, note)
    if reason:
        plan.refusals.append(Refusal(OVERALL, current, wanted, reason))
        return current
    plan.changes.append(Change(OVERALL, current, wanted, actor.source))
    return wanted


def _overall_refusal(state: ConsentState, wanted: str, actor: Actor, note) -> str | None:
    if wanted == OPTED_OUT:
        return None  # rule 1: anyone may always opt a phone out
    if actor.source == CLIENT_KEYWORD:
        return None  # the client's own keyword may always opt back in
    if actor.source == IMPORT and (state.overall == OPTED_OUT or wanted == UNKNOWN):
        return IMPORT_NEVER_RELAXES  # rule 9
    if state.locked:
        return LOCKED  # rule 3
    if actor.source == STAFF and not (note and note.strip()) and (
            wanted == OPTED_IN or state.overall == OPTED_OUT):
        # rule 4, and SPEC 10.2: undoing an opt-out takes a note of the renewed consent
        return EVIDENCE_REQUIRED
    return None


def _plan_switch(plan: Plan, switch: Switch, name: str, wanted: str, overall: str, actor: Actor):
    if wanted == ON and overall == OPTED_OUT and actor.source != CLIENT_KEYWORD:
        # even a switch that is still on: an opt-out turns it off, so "keep it on" is refused
        plan.refusals.append(Refusal(name, switch.state, wanted, SWITCH_WHILE_OPTED_OUT))
        return
    if wanted == switch.state:
        if wanted == OFF and _strengthens(switch.source, actor.source):
            plan.changes.append(Change(name, OFF, OFF, actor.source))
        return
    if wanted == OFF:
        plan.changes.append(Change(name, switch.state, OFF, actor.source))  # rule 1
        return
    if switch.locked and actor.source != CLIENT_KEYWORD:
        plan.refusals.append(Refusal(name, switch.state, wanted, LOCKED))  # rules 5, 9
        return
    plan.changes.append(Change(name, switch.state, ON, actor.source))


def _plan_cascade(plan: Plan, state: ConsentState, overall: str, *, explicit, restore) -> None:
    """Turn switches off with an opt-out (rule 2), and back on when `restore` (rule 6)."""
    for name in AUTOMATIONS:
        if name in explicit:
            continue
        switch = state.switch(name)
        if overall == OPTED_OUT and state.overall != OPTED_OUT and switch.state == ON:
            plan.changes.append(Change(name, ON, OFF, CASCADE))
        elif restore and overall != OPTED_OUT and switch.state == OFF and switch.source == CASCADE:
            plan.changes.append(Change(name, OFF, ON, CASCADE))


def _strengthens(current_source: str, new_source: str) -> bool:
    """Return whether re-stating an opt-out by `new_source` should take over its source.

    A client's own STOP locks whatever was there; staff or an import only replace a
    cascade or default (a staff untick of a cascade-off switch keeps it off when the
    opt-out ends). An import restating a staff opt-out leaves it reversible by staff.
    """
    if new_source == CLIENT_KEYWORD:
        return current_source != CLIENT_KEYWORD
    return new_source in (STAFF, IMPORT) and current_source in (DEFAULT, CASCADE)
