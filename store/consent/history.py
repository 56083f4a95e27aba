"""The append-only consent history: writing events with their state, listing, and replay.

Events are never updated or deleted (the migration adds triggers that refuse it). The
current state must always equal a replay of the applied events; verify() checks that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby

from peewee import chunked

from store.clock import utcnow
from store.consent.rules import MISREAD, is_client_opt_out, is_misread_candidate
from store.db import db, insert_rows, is_postgres
from store.errors import NotFound
from store.models import AutomationSwitch, ConsentEvent, InboundMessage, Phone
from store.vocabulary import (
    APPLIED,
    BLOCKED,
    CARRIER,
    CASCADE,
    CLEAR,
    CLIENT_KEYWORD,
    DEFAULT,
    LOCKING_SOURCES,
    OFF,
    ON,
    OPT_OUT,
    OPTED_IN,
    OPTED_OUT,
    OVERALL,
    REFUSED,
    REVIEW_SCOPE,
    STAFF,
    UNKNOWN,
)


@dataclass(frozen=True)
class EventContext:
    """What an event records besides the change: the text behind it, the rule, the note."""

    inbound_message_id: str | None = None
    raw_text: str | None = None
    rule: str | None = None
    classifier_version: str | None = None
    note: str | None = None
    occurred_at: datetime | None = None
    corrects_event_id: int | None = None  # the opt-out a misread correction undoes

    def with_note(self, note: str | None) -> EventContext:
        return replace(self, note=note.strip()) if note and note.strip() else self


def persist_plans(items, *, return_ids: bool = True, batch_size: int = 500) -> list[int]:
    """Write the events of each (plan, actor, context) and the state they lead to.

    Set-based for any number of plans: one insert of events, one upsert of phones and one
    of switches. Returns the new event ids in order (none when `return_ids` is false, the
    import's faster path).
    """
    now = utcnow()
    events, phones, switches = [], {}, {}
    for plan, actor, context in items:
        when = context.occurred_at or now
        base = {
            "phone": plan.before.phone_id, "actor": actor.actor, "channel": actor.channel,
            "inbound_message_id": context.inbound_message_id, "raw_text": context.raw_text,
            "rule": context.rule, "classifier_version": context.classifier_version,
            "note": context.note, "corrects": context.corrects_event_id,
            "occurred_at": when, "recorded_at": now,
        }
        for r in plan.refusals:
            events.append({**base, "scope": r.scope, "old_state": r.old_state,
                           "new_state": r.requested, "source": actor.source,
                           "outcome": REFUSED, "reason": r.reason})
        for c in plan.changes:
            events.append({**base, "scope": c.scope, "old_state": c.old_state,
                           "new_state": c.new_state, "source": c.source,
                           "outcome": APPLIED, "reason": c.reason})
            if c.scope == REVIEW_SCOPE:
                continue
            if c.scope in (OVERALL, CARRIER):
                phones[plan.before.e164] = _phone_row(plan, when, phones.get(plan.before.e164))
            else:
                switches[(plan.before.phone_id, c.scope)] = {
                    "phone": plan.before.phone_id, "automation": c.scope,
                    "state": c.new_state, "source": c.source, "changed_at": when}
    if return_ids:
        ids = [row[0] for rows in chunked(events, batch_size) for row in
               ConsentEvent.insert_many(rows).returning(ConsentEvent.id).tuples().execute()]
    else:
        ids = []
        if events:
            insert_rows(ConsentEvent, [getattr(ConsentEvent, k) for k in events[0]],
                        [tuple(e.values()) for e in events])
    _upsert_phones(list(phones.values()))
    insert_rows(AutomationSwitch, [AutomationSwitch.phone, AutomationSwitch.automation,
                                   AutomationSwitch.state, AutomationSwitch.source,
                                   AutomationSwitch.changed_at],
                [tuple(r.values()) for r in switches.values()],
                conflict=[AutomationSwitch.phone, AutomationSwitch.automation],
                update={c: f'EXCLUDED."{c}"' for c in ("state", "source", "changed_at")})
    return ids


def _phone_row(plan, when: datetime, previous: dict | None) -> dict:
    before, after = plan.before, plan.after
    row = previous or {"e164": before.e164, "overall_changed_at": before.overall_changed_at}
    row.update(overall=after.overall, overall_source=after.overall_source,
               carrier_blocked=after.carrier_blocked,
               carrier_blocked_at=when if after.carrier_blocked else None)
    if any(c.scope == OVERALL for c in plan.changes):
        row["overall_changed_at"] = when
    return row


def _upsert_phones(rows: list[dict]) -> None:
    # An upsert on e164 is the portable set-based UPDATE: every row exists already.
    if not rows:
        return
    fields = [getattr(Phone, k) for k in rows[0]]
    update = {c: f'EXCLUDED."{c}"' for c in ("overall", "overall_source",
                                             "overall_changed_at", "carrier_blocked")}
    # the time of a carrier block moves only when the block itself changes
    update["carrier_blocked_at"] = (
        'CASE WHEN "phone"."carrier_blocked" <> EXCLUDED."carrier_blocked" '
        'THEN EXCLUDED."carrier_blocked_at" ELSE "phone"."carrier_blocked_at" END')
    insert_rows(Phone, fields, [tuple(r.values()) for r in rows], conflict=[Phone.e164],
                update=update)


def list_events(e164: str, *, limit: int = 100, before_id: int | None = None):
    """Return the phone's events, newest first."""
    query = (ConsentEvent.select().join(Phone).where(Phone.e164 == e164)
             .order_by(ConsentEvent.id.desc()).limit(limit))
    if before_id is not None:
        query = query.where(ConsentEvent.id < before_id)
    return list(query)


def get_event(event_id: int) -> ConsentEvent:
    """Return the consent event `event_id`; NotFound when there is none."""
    event = ConsentEvent.get_or_none(ConsentEvent.id == event_id)
    if event is None:
        raise NotFound(f"there is no consent event {event_id}")
    return event


def find_event(e164: str, event_id: int) -> ConsentEvent:
    """Return the event `event_id` of the phone `e164`; NotFound when it has none such."""
    event = (ConsentEvent.select().join(Phone)
             .where(Phone.e164 == e164, ConsentEvent.id == event_id).first())
    if event is None:
        raise NotFound(f"{e164} has no consent event {event_id}")
    return event


def is_cascade_of(opt_out, event) -> bool:
    """Return whether `event` is a switch that `opt_out` turned off with it (rule 2)."""
    return (event.source == CASCADE and event.outcome == APPLIED and event.id > opt_out.id
            and event.phone_id == opt_out.phone_id and event.recorded_at == opt_out.recorded_at
            and event.actor == opt_out.actor
            and event.inbound_message_id == opt_out.inbound_message_id)


@dataclass(frozen=True)
class MisreadFacts:
    """What the history says about an opt-out someone wants marked misread."""

    cascade: list  # the switch events written with it
    corrected: bool  # a misread correction of it was applied already
    confirmed: bool  # the client texted an opt-out again after it


def misread_facts(opt_out: ConsentEvent) -> MisreadFacts:
    """Return the cascade of `opt_out`, and whether it was corrected or confirmed since.

    Confirmed: a later applied opt-out by the client's text, or a later inbound text from
    the phone read as an opt-out (a repeated STOP on a locked phone changes nothing, so it
    leaves no event).
    """
    same = ConsentEvent.select().where(
        ConsentEvent.phone == opt_out.phone_id, ConsentEvent.recorded_at == opt_out.recorded_at,
        ConsentEvent.id > opt_out.id).order_by(ConsentEvent.id)
    cascade = [e for e in same if is_cascade_of(opt_out, e)]
    corrected = ConsentEvent.select().where(ConsentEvent.corrects == opt_out.id,
                                            ConsentEvent.outcome == APPLIED).exists()
    later_events = ConsentEvent.select().where(
        ConsentEvent.phone == opt_out.phone_id, ConsentEvent.id > opt_out.id,
        ConsentEvent.source == CLIENT_KEYWORD, ConsentEvent.outcome == APPLIED,
        ConsentEvent.new_state.in_([OPTED_OUT, OFF])).exists()
    return MisreadFacts(cascade, corrected, later_events or _texted_opt_out_since(opt_out))


def _texted_opt_out_since(opt_out: ConsentEvent) -> bool:
    texts = InboundMessage.select().where(InboundMessage.phone == opt_out.phone_id,
                                          InboundMessage.intent == OPT_OUT)
    cause = (InboundMessage.get_or_none(InboundMessage.provider_id == opt_out.inbound_message_id)
             if opt_out.inbound_message_id else None)
    if cause is not None:
        return texts.where(InboundMessage.id > cause.id).exists()
    return texts.where(InboundMessage.received_at > opt_out.occurred_at).exists()


def corrections_of(event_id: int) -> list[ConsentEvent]:
    """Return the applied events of the misread correction of the opt-out `event_id`."""
    return list(ConsentEvent.select().where(ConsentEvent.corrects == event_id,
                                            ConsentEvent.outcome == APPLIED)
                .order_by(ConsentEvent.id))


@dataclass(frozen=True)
class Mismatch:
    """A phone whose stored state is not what its history says."""

    e164: str
    scope: str
    expected: str
    actual: str


def replay(events) -> dict[str, tuple[str, str]]:
    """Return {scope: (state, source)} after applying `events` in order (applied only)."""
    state: dict[str, tuple[str, str]] = {}
    for e in events:
        if e.outcome == APPLIED:
            state[e.scope] = (e.new_state, e.source)
    return state


def history_size() -> tuple[int, int]:
    """Return how many phones and how many events the history holds."""
    return Phone.select().count(), ConsentEvent.select().count()


def verify() -> list[Mismatch]:
    """Return every place where the current state differs from a replay of the events.

    Reads one snapshot (a repeatable-read transaction), so writes landing meanwhile cannot
    show as false mismatches; streams in phone order, so memory stays flat.
    """
    with db.atomic("REPEATABLE READ" if is_postgres() else "DEFERRED"):
        return list(_mismatches())


def _mismatches() -> Iterator[Mismatch]:
    phones = Phone.select().order_by(Phone.id).iterator()
    events = groupby(ConsentEvent.select().order_by(ConsentEvent.phone, ConsentEvent.id)
                     .iterator(), key=lambda e: e.phone_id)
    switches = groupby(AutomationSwitch.select().order_by(AutomationSwitch.phone)
                       .iterator(), key=lambda s: s.phone_id)
    next_events, next_switches = next(events, None), next(switches, None)
    for phone in phones:
        phone_events, phone_switches = [], []
        if next_events and next_events[0] == phone.id:
            phone_events, next_events = list(next_events[1]), next(events, None)
        if next_switches and next_switches[0] == phone.id:
            phone_switches, next_switches = list(next_switches[1]), next(switches, None)
        yield from _compare(phone, phone_events, phone_switches)


def _compare(phone: Phone, events, switches) -> Iterator[Mismatch]:
    expected: dict[str, tuple[str, str]] = {OVERALL: (UNKNOWN, DEFAULT)}
    carrier = CLEAR
    replayed = _Replayed()
    for e in events:
        if e.outcome != APPLIED or e.scope == REVIEW_SCOPE:  # a review decision holds no state
            continue
        previous = carrier if e.scope == CARRIER else expected.get(e.scope, (ON, DEFAULT))[0]
        if e.old_state != previous:
            yield Mismatch(phone.e164, e.scope, f"event {e.id} to start from {previous}",
                           f"it starts from {e.old_state}")
        before = expected.get(e.scope, (ON, DEFAULT))
        broken = _broken_rule(e, before, replayed)
        if broken:
            yield Mismatch(phone.e164, e.scope, broken, f"event {e.id} by {e.source} "
                           f"({e.actor}) moved it to {e.new_state}")
        replayed.add(e, before)
        if e.scope == CARRIER:
            carrier = e.new_state
        else:
            expected[e.scope] = (e.new_state, e.source)
    actual_carrier = BLOCKED if phone.carrier_blocked else CLEAR
    if carrier != actual_carrier:
        yield Mismatch(phone.e164, CARRIER, carrier, actual_carrier)
    actual = {OVERALL: (phone.overall, phone.overall_source)}
    actual.update({s.automation: (s.state, s.source) for s in switches})
    for scope in sorted(set(expected) | set(actual)):
        want = expected.get(scope, (ON, DEFAULT))
        have = actual.get(scope, (ON, DEFAULT))
        if want != have:
            yield Mismatch(phone.e164, scope, "/".join(want), "/".join(have))


class _Replayed:
    """The applied events of one phone replayed so far, and each one's state before it."""

    def __init__(self):
        self.events: dict[int, ConsentEvent] = {}
        self.before: dict[int, tuple[str, str]] = {}
        self.corrected: set[tuple[int, str]] = set()

    def add(self, event, before: tuple[str, str]) -> None:
        self.events[event.id] = event
        self.before[event.id] = before
        if event.corrects_id is not None:
            self.corrected.add((event.corrects_id, event.scope))


def _broken_rule(event, before: tuple[str, str], replayed: _Replayed) -> str | None:
    """Return the rule an applied event broke, judged by the state before it, if any.

    Catches what a hand-made event would slip in: a lock lifted by anyone but the client
    (or by a misread correction that rule 11 does not allow), an opt-in by staff without
    its evidence note.
    """
    state, source = before
    if event.scope == CARRIER:
        return None
    if event.reason == MISREAD or event.corrects_id is not None:
        return _misread_problem(event, replayed)
    # an opt-out kept but handed to a weaker source is a lock lifted too
    relaxed = state in (OPTED_OUT, OFF) and (event.new_state not in (OPTED_OUT, OFF)
                                             or event.source not in LOCKING_SOURCES)
    if relaxed and source in LOCKING_SOURCES and event.source != CLIENT_KEYWORD:
        return "only the client's own text may lift this lock"
    if (event.scope == OVERALL and event.source == STAFF and not (event.note or "").strip()
            and (event.new_state == OPTED_IN or state == OPTED_OUT)):
        return "staff need an evidence note for this change"
    return None


def _misread_problem(event, replayed: _Replayed) -> str | None:
    """Return how a misread correction breaks SPEC rule 11, or None when it keeps it."""
    opt_out = replayed.events.get(event.corrects_id)
    if opt_out is None or not is_misread_candidate(opt_out):
        return "rule 11: only an opt-out read from natural language may be marked misread"
    if event.source != STAFF or event.reason != MISREAD or not (event.note or "").strip():
        return "rule 11: a misread correction is made by staff, with a note"
    changed = [opt_out, *(e for e in replayed.events.values() if is_cascade_of(opt_out, e))]
    undone = next((e for e in changed if e.scope == event.scope), None)
    if undone is None:
        return "rule 11: a misread correction changes only what the opt-out changed"
    if (opt_out.id, event.scope) in replayed.corrected:
        return "rule 11: this opt-out was corrected already"
    if any(e.id > opt_out.id and is_client_opt_out(e) for e in replayed.events.values()):
        return "rule 11: the client confirmed this opt-out by texting again"
    if event.new_state != replayed.before[undone.id][0]:
        return "rule 11: a misread correction returns the state from before the opt-out"
    return None
