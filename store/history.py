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
from store.db import db, insert_rows, is_postgres
from store.models import AutomationSwitch, ConsentEvent, Phone
from store.states import (
    APPLIED,
    BLOCKED,
    CARRIER,
    CLEAR,
    CLIENT_KEYWORD,
    DEFAULT,
    LOCKING_SOURCES,
    OFF,
    ON,
    OPTED_IN,
    OPTED_OUT,
    OVERALL,
    REFUSED,
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
            "note": context.note, "occurred_at": when, "recorded_at": now,
        }
        for r in plan.refusals:
            events.append({**base, "scope": r.scope, "old_state": r.old_state,
                           "new_state": r.requested, "source": actor.source,
                           "outcome": REFUSED, "reason": r.reason})
        for c in plan.changes:
            events.append({**base, "scope": c.scope, "old_state": c.old_state,
                           "new_state": c.new_state, "source": c.source,
                           "outcome": APPLIED, "reason": None})
            if c.scope == "review":
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
    for e in events:
        if e.outcome != APPLIED or e.scope == "review":  # a review decision holds no state
            continue
        previous = carrier if e.scope == CARRIER else expected.get(e.scope, (ON, DEFAULT))[0]
        if e.old_state != previous:
            yield Mismatch(phone.e164, e.scope, f"event {e.id} to start from {previous}",
                           f"it starts from {e.old_state}")
        broken = _broken_rule(e, expected.get(e.scope, (ON, DEFAULT)))
        if broken:
            yield Mismatch(phone.e164, e.scope, broken, f"event {e.id} by {e.source} "
                           f"({e.actor}) moved it to {e.new_state}")
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


def _broken_rule(event, before: tuple[str, str]) -> str | None:
    """Return the rule an applied event broke, judged by the state before it, if any.

    Catches what a hand-made event would slip in: a lock lifted by anyone but the client,
    an opt-in by staff without its evidence note.
    """
    state, source = before
    if event.scope == CARRIER:
        return None
    lifted = state in (OPTED_OUT, OFF) and event.new_state not in (OPTED_OUT, OFF)
    if lifted and source in LOCKING_SOURCES and event.source != CLIENT_KEYWORD:
        return "only the client's own text may lift this lock"
    if (event.scope == OVERALL and event.source == STAFF and not (event.note or "").strip()
            and (event.new_state == OPTED_IN or state == OPTED_OUT)):
        return "staff need an evidence note for this change"
    return None
