"""Reading and changing one phone's consent, in one short transaction each.

The rules themselves are in rules.py; this module loads the state under a lock, asks
rules.plan_change() and persists the plan with its events (history.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from store.automations import get_automation
from store.bulk import select_in, write_rows
from store.clock import now_or, to_naive_utc, utcnow
from store.consent import chain
from store.consent.history import EventContext, find_event, misread_facts, persist_plans
from store.consent.misread import (
    plan_misread,
)
from store.consent.refusals import refusal_of
from store.consent.rules import (
    Actor,
    ConsentState,
    Plan,
    Switch,
    plan_carrier,
    plan_change,
)
from store.db import db, joined_transaction
from store.errors import ConsentRefused, InvalidPhone, InvalidRequest, NotFound
from store.models import AutomationSwitch, Phone
from store.phones import try_parse_phone
from store.vocabulary import (
    ALL,
    CARRIER,
    CARRIER_SOURCE,
    CLIENT_KEYWORD,
    OFF,
    ON,
    OPT_IN,
    OPT_OUT,
    OPTED_IN,
    OPTED_OUT,
)

YES_WINDOW = timedelta(hours=24)
CLIENT = Actor(source=CLIENT_KEYWORD, actor="client", channel="sms")
CARRIER_ACTOR = Actor(source=CARRIER_SOURCE, actor="vonage", channel=CARRIER)


@dataclass
class ChangeResult:
    """What a request did: the state after it, the plan, and the ids of its events."""

    state: ConsentState
    plan: Plan
    event_ids: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.plan.changes)

    @property
    def refusal(self) -> ConsentRefused | None:
        """Return why the request was refused (its events are recorded), or None."""
        return refusal_of(self.plan) if self.plan.refused else None


def state_from_rows(phone: Phone, switches: Iterable[AutomationSwitch]) -> ConsentState:
    """Build the ConsentState of a phone row and its switch rows."""
    return ConsentState(
        e164=phone.e164,
        overall=phone.overall,
        overall_source=phone.overall_source,
        overall_changed_at=phone.overall_changed_at,
        carrier_blocked=phone.carrier_blocked,
        switches={s.automation: Switch(s.state, s.source, s.changed_at) for s in switches},
        phone_id=phone.id,
    )


def get_state(e164: str) -> ConsentState:
    """Return the consent of `e164`; a phone never seen is `unknown` with every switch on."""
    phone = Phone.get_or_none(Phone.e164 == e164)
    if phone is None:
        return ConsentState(e164=e164)
    return state_from_rows(phone, phone.switches)


# a phone's row and its switches, one row per switch (one with NULLs when it has none)
_STATES = ('SELECT "p"."id", "p"."e164", "p"."overall", "p"."overall_source", '
           '"p"."overall_changed_at", "p"."carrier_blocked", "s"."automation", "s"."state", '
           '"s"."source", "s"."changed_at" FROM "phone" AS "p" LEFT JOIN "automation_switch" '
           'AS "s" ON "s"."phone_id" = "p"."id" WHERE')


def load_states(e164s: Iterable[str], *, lock: bool = False) -> dict[str, ConsentState]:
    """Return the stored consent of each known phone in `e164s`, in one query (the phones
    joined with their switches: a STOP's read under lock is one round trip, not two).

    Written as plain SQL over bulk.select_in: built by peewee, a query naming 2,000 phones
    costs more to write than to run. `lock` locks the phone rows (FOR UPDATE OF the phone:
    the switches' side of an outer join cannot be locked) and is for callers holding the
    chain's lock (chain.lock(), taken by locked_state() and the import): every writer of
    switches holds it to its commit, so the switches read here are the committed ones.
    (A row lock waited for re-reads only the phone's row, not the joined switches.)
    """
    wanted = list(dict.fromkeys(e164s))
    if not wanted:
        return {}
    tail = ' ORDER BY "p"."id"' + (' FOR UPDATE OF "p"' if lock and db.obj.for_update else "")
    at, blocked = Phone.overall_changed_at.python_value, Phone.carrier_blocked.python_value
    changed = AutomationSwitch.changed_at.python_value
    states: dict[str, ConsentState] = {}
    for (phone_id, e164, overall, source, changed_at, carrier,
         automation, state, switch_source, switch_at) in select_in(
            _STATES, '"p"."e164"', wanted, tail=tail):
        found = states.get(e164)
        if found is None:
            found = states[e164] = ConsentState(
                e164=e164, overall=overall, overall_source=source,
                overall_changed_at=at(changed_at), carrier_blocked=blocked(carrier),
                switches={}, phone_id=phone_id)
        if automation is not None:
            found.switches[automation] = Switch(state, switch_source, changed(switch_at))
    return states


def ensure_phones(e164s: Iterable[str]) -> None:
    """Create the phone rows that do not exist yet (never touching existing ones)."""
    # sorted, so two imports inserting the same phones lock them in the same order
    write_rows(Phone, [Phone.e164], [(e,) for e in sorted(set(e164s))], conflict=[Phone.e164])


def locked_state(e164: str) -> ConsentState:
    """Return the consent of `e164` with its phone row locked until the transaction ends,
    making the row when the phone is new (a caller holding it may pass it on to
    record_change() or apply_client_intent(), so the phone is read once)."""
    chain.lock()  # before any row lock (chain.py)
    state = load_states([e164], lock=True).get(e164)
    if state is None:  # never seen: made (or made by another at once), then read locked
        if try_parse_phone(e164) != e164:  # every edge parses; a phone is stored as E.164 only
            raise InvalidPhone(f"{e164!r} is not a phone number in E.164")
        ensure_phones([e164])
        state = load_states([e164], lock=True)[e164]
    return state


def change_consent(e164: str, *, actor: Actor, **request) -> ChangeResult:
    """Apply `actor`'s request to one phone, all or nothing; raise ConsentRefused if refused.

    Every applied change and every refused attempt is recorded as an event (rule 10). A
    refusal is raised after its events are committed, so this runs in a transaction of its
    own and will not start inside a caller's: there the exception would roll the record of
    the refusal back. Inside store, compose with record_change(), which never raises one.
    `request` is what record_change() takes: overall, automations, note, context,
    restore_cascade.
    """
    if db.in_transaction():
        raise RuntimeError("change_consent() commits the record of a refusal before raising "
                           "it, so it cannot run inside a transaction; use record_change()")
    result = record_change(e164, actor=actor, **request)
    if result.refusal is not None:
        raise result.refusal
    return result


def record_change(
    e164: str,
    *,
    actor: Actor,
    overall: str | None = None,
    automations: dict[str, str] | None = None,
    note: str | None = None,
    context: EventContext | None = None,
    restore_cascade: bool = True,
    state: ConsentState | None = None,
) -> ChangeResult:
    """Apply `actor`'s request to one phone, all or nothing, in the caller's transaction if
    there is one. A refusal is recorded as events and returned (result.refusal), not raised.

    `state` is the phone's consent as the caller's transaction read it with locked_state()
    and has not changed since; it is read here when not given.
    """
    if overall is None and not automations:
        raise InvalidRequest("nothing to change: give overall and/or automations")
    if state is not None and not db.in_transaction():
        raise RuntimeError("a state read beforehand holds only inside the transaction that "
                           "locked it")
    context = context or EventContext()
    with joined_transaction():
        state = state or locked_state(e164)
        plan = plan_change(state, actor=actor, overall=overall, automations=automations,
                           note=note, restore_cascade=restore_cascade)
        event_ids = persist_plans([(plan, actor, context.with_note(note))])
    return ChangeResult(state=plan.after, plan=plan, event_ids=event_ids)


def apply_client_intent(
    e164: str,
    *,
    intent: str,
    scope: str,
    context: EventContext,
    widen_scoped_stop: bool = False,
    state: ConsentState | None = None,
) -> ChangeResult:
    """Apply a client's own opt-out or opt-in text (SPEC rules 6, 7 and 8), in the caller's
    transaction; a refusal is recorded and returned in the result, not raised. `state`:
    as record_change() takes it."""
    if intent not in (OPT_OUT, OPT_IN):
        raise InvalidRequest(f"a client text changes consent only to opt out or in, not {intent!r}")
    if scope != ALL:
        get_automation(scope)
    if intent == OPT_OUT:
        if scope == ALL or widen_scoped_stop:
            return record_change(e164, actor=CLIENT, overall=OPTED_OUT, context=context,
                                 state=state)
        return record_change(e164, actor=CLIENT, automations={scope: OFF}, context=context,
                             state=state)
    if scope == ALL:
        with joined_transaction():
            result = record_change(e164, actor=CLIENT, overall=OPTED_IN, context=context,
                                   state=state)
            # The network lifts its own block when the client texts START or UNSTOP.
            result.event_ids += set_carrier_block(e164, blocked=False, actor=CLIENT,
                                                  context=context)
        return result
    with joined_transaction():
        state = state or locked_state(e164)
        overall = OPTED_IN if state.overall == OPTED_OUT else None
        return record_change(e164, actor=CLIENT, overall=overall, automations={scope: ON},
                              context=context, restore_cascade=False, state=state)


def correct_misread(e164: str, event_id: int, *, actor: Actor, note: str | None) -> ChangeResult:
    """Mark the opt-out event `event_id` of `e164` misread and undo it (SPEC rule 11).

    Overall and the switches that opt-out changed go back to their state before it, as a
    change by `actor` (staff) with reason misread, the note, and the opt-out's id on every
    new event. A refusal is recorded as an event too and returned, never raised
    (result.refusal): raising would roll the refusal back with a caller's transaction.
    NotFound for a phone never seen or an event not of this phone.
    """
    if not Phone.select().where(Phone.e164 == e164).exists():
        raise NotFound(f"no client or consent is recorded for {e164}")
    note = note.strip() if note and note.strip() else None
    context = EventContext(note=note, corrects_event_id=event_id)
    with db.atomic():
        state = locked_state(e164)
        opt_out = find_event(e164, event_id)
        facts = misread_facts(opt_out)
        plan = plan_misread(state, opt_out=opt_out, cascade=facts.cascade, actor=actor,
                            note=note, corrected=facts.corrected, confirmed=facts.confirmed)
        event_ids = persist_plans([(plan, actor, context)])
    return ChangeResult(state=plan.after, plan=plan, event_ids=event_ids)


def set_carrier_block(
    e164: str, *, blocked: bool, actor: Actor = CARRIER_ACTOR, context: EventContext | None = None
) -> list[int]:
    """Mark `e164` blocked at the network (or clear the mark); return the event ids."""
    with joined_transaction():
        state = locked_state(e164)
        plan = plan_carrier(state, actor=actor, blocked=blocked)
        return persist_plans([(plan, actor, context or EventContext())])


def mark_opt_in_requested(e164: str, *, at: datetime | None = None) -> None:
    """Record that we asked `e164` to opt in, so a YES within 24 h counts as an opt-in."""
    ensure_phones([e164])
    moment = to_naive_utc(at) if at else utcnow()
    Phone.update(opt_in_requested_at=moment).where(Phone.e164 == e164).execute()


def yes_means_opt_in(state: ConsentState, requested_at: datetime | None, *,
                     now: datetime | None = None) -> bool:
    """Return whether a bare YES from this phone is an opt-in (SPEC section 4).

    Only when the client opted out by their own keyword, or we asked them to opt in
    within the last 24 hours; otherwise YES answers something else.
    """
    if state.overall == OPTED_OUT and state.overall_source == CLIENT_KEYWORD:
        return True
    now = now_or(now)
    return requested_at is not None and now - requested_at <= YES_WINDOW


def classify_for(e164: str | None, text: str, *, now: datetime | None = None):
    """Classify `text` from `e164`, giving YES the meaning the phone's context allows."""
    from store.classifier import classify

    yes = False
    if e164:
        phone = Phone.get_or_none(Phone.e164 == e164)
        if phone is not None:
            yes = yes_means_opt_in(state_from_rows(phone, []), phone.opt_in_requested_at,
                                   now=now)
    return classify(text, yes_is_opt_in=yes)
