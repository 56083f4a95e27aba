"""The append-only consent history: writing events with their state, and reading them.

Events are never updated or deleted (the migration adds triggers that refuse it). The
current state must always equal a replay of the applied events; replay.py checks that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from store.bulk import insert_rows, write_rows
from store.clock import to_naive_utc, utcnow
from store.consent.attribution import NO_CAUSE, is_opt_out, likely_causes
from store.consent.chain import CHAIN_FIELDS, head_to_seal, seal
from store.consent.rules import ConsentState
from store.errors import NotFound
from store.models import AutomationSwitch, ConsentEvent, InboundMessage, Phone
from store.rows import insert_returning_ids
from store.vocabulary import (
    APPLIED,
    BLOCKED,
    CARRIER,
    CASCADE,
    CLIENT_KEYWORD,
    OFF,
    OPT_OUT,
    OPTED_OUT,
    OVERALL,
    REFUSED,
    REVIEW_SCOPE,
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


# The chain's fields (CHAIN_FIELDS) in their order, then the hashes: an event's content in
# the chain is its row with the phone's number for its id
EVENT_FIELDS = (*CHAIN_FIELDS, "prev_hash", "hash")
SWITCH_FIELDS = (AutomationSwitch.phone, AutomationSwitch.automation, AutomationSwitch.state,
                 AutomationSwitch.source, AutomationSwitch.changed_at)
# a phone's columns that a plan changes, in the order phone_rows() gives them
PHONE_FIELDS = (Phone.e164, Phone.overall, Phone.overall_source, Phone.overall_changed_at,
                Phone.carrier_blocked, Phone.carrier_blocked_at)


def persist_plans(items, *, return_ids: bool = True, batch_size: int = 500,
                  created: Mapping[str, int] | None = None,
                  now: datetime | None = None) -> list[int]:
    """Write the events of each (plan, actor, context) and the state they lead to.

    Set-based for any number of plans: one insert of events, one upsert of phones and one
    of switches. Returns the new event ids in order (none when `return_ids` is false, the
    import's faster path: one statement per table on PostgreSQL too, see store.bulk).

    `created` ({number: id}) names phones this transaction inserted already with the
    columns phone_rows(items, now) gives them, planned before they had an id: their events
    take these ids, their rows are not written again, and their switches are a plain
    insert (COPY on PostgreSQL), as no other transaction can have given them one.
    """
    now = now or utcnow()
    created = created or {}
    items = list(items)
    timed = [(plan, actor, context, _when(context, now)) for plan, actor, context in items]
    # asked for first, so that in pipeline mode it rides with the causes' read (chain.py)
    head = (head_to_seal() if any(plan.refusals or plan.changes for plan, _, _ in items)
            else None)
    causes = likely_causes({plan.before.e164: when for plan, _, _, when in timed
                            if any(is_opt_out(c) for c in plan.changes)})
    events, contents, switches, new_switches = [], [], {}, {}
    for plan, actor, context, when in timed:
        e164 = plan.before.e164
        phone_id = plan.before.phone_id
        into = switches
        if phone_id is None:  # planned before it had an id
            phone_id, into = created[e164], new_switches
        middle = (actor.actor, actor.channel, context.inbound_message_id, context.raw_text,
                  context.rule, context.classifier_version, context.note,
                  context.corrects_event_id, when, now)
        for r in plan.refusals:
            content = (r.scope, r.old_state, r.requested, actor.source, REFUSED, r.reason,
                       *middle, *NO_CAUSE)
            events.append((phone_id, *content))
            contents.append((e164, *content))
        cause = causes.get(e164)
        for c in plan.changes:
            content = (c.scope, c.old_state, c.new_state, c.source, APPLIED, c.reason, *middle,
                       *(cause.columns() if cause and is_opt_out(c) else NO_CAUSE))
            events.append((phone_id, *content))
            contents.append((e164, *content))
            if c.scope not in (REVIEW_SCOPE, OVERALL, CARRIER):
                into[(phone_id, c.scope)] = (phone_id, c.scope, c.new_state, c.source, when)
    if events:
        events = [row + hashes for row, hashes in zip(events, seal(contents, head=head),
                                                      strict=True)]
    fields = [getattr(ConsentEvent, k) for k in EVENT_FIELDS]
    if return_ids:
        # sliced: peewee's chunked() pads each batch to batch_size (~40 µs for a STOP's three)
        ids = [i for start in range(0, len(events), batch_size)
               for i in insert_returning_ids(ConsentEvent, fields,
                                             events[start:start + batch_size])]
    else:
        ids = []
        write_rows(ConsentEvent, fields, events)
    write = insert_rows if return_ids else write_rows
    stored = [row for e164, row in phone_rows(items, now).items() if e164 not in created]
    _upsert_phones(stored, write)
    write_rows(AutomationSwitch, SWITCH_FIELDS, list(new_switches.values()))
    write(AutomationSwitch, SWITCH_FIELDS, list(switches.values()),
          conflict=[AutomationSwitch.phone, AutomationSwitch.automation],
          update={c: f'EXCLUDED."{c}"' for c in ("state", "source", "changed_at")})
    return ids


def phone_rows(items, now: datetime) -> dict[str, tuple]:
    """Return {number: its PHONE_FIELDS after the plans} of each phone whose overall or
    carrier block the (plan, actor, context) `items` change, in order, at `now` (or at a
    context's occurred_at), as persist_plans() writes them."""
    rows: dict[str, tuple] = {}
    for plan, _actor, context in items:
        if any(c.scope in (OVERALL, CARRIER) for c in plan.changes):  # none when refused
            e164 = plan.before.e164
            rows[e164] = _phone_row(plan, _when(context, now), rows.get(e164))
    return rows


def _when(context: EventContext, now: datetime) -> datetime:
    return to_naive_utc(context.occurred_at or now)


_NEVER_CHANGED = ConsentState(e164="")


def blank_phone_row(e164: str) -> tuple:
    """Return the PHONE_FIELDS of a phone never changed: ConsentState's defaults."""
    s = _NEVER_CHANGED
    return (e164, s.overall, s.overall_source, s.overall_changed_at, s.carrier_blocked, None)


def _phone_row(plan, when: datetime, previous: tuple | None) -> tuple:
    # the phone's columns of plan.after (an applied plan), without building its switches
    before = plan.before
    changed_at = previous[3] if previous else before.overall_changed_at
    overall, source, blocked = before.overall, before.overall_source, before.carrier_blocked
    for c in plan.changes:
        if c.scope == OVERALL:
            overall, source, changed_at = c.new_state, c.source, when
        elif c.scope == CARRIER:
            blocked = c.new_state == BLOCKED
    return (before.e164, overall, source, changed_at, blocked, when if blocked else None)


def _upsert_phones(rows: list[tuple], write) -> None:
    # An upsert on e164 is the portable set-based UPDATE: every row exists already.
    if not rows:
        return
    update = {c: f'EXCLUDED."{c}"' for c in ("overall", "overall_source",
                                             "overall_changed_at", "carrier_blocked")}
    # the time of a carrier block moves only when the block itself changes
    update["carrier_blocked_at"] = (
        'CASE WHEN "phone"."carrier_blocked" <> EXCLUDED."carrier_blocked" '
        'THEN EXCLUDED."carrier_blocked_at" ELSE "phone"."carrier_blocked_at" END')
    write(Phone, PHONE_FIELDS, rows, conflict=[Phone.e164], update=update)


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
