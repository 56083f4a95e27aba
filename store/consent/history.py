"""The append-only consent history: writing events with their state, and reading them.

Events are never updated or deleted (the migration adds triggers that refuse it). The
current state must always equal a replay of the applied events; replay.py checks that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from peewee import chunked

from store.bulk import insert_rows, write_rows
from store.clock import to_naive_utc, utcnow
from store.consent.attribution import NO_CAUSE, is_opt_out, likely_causes
from store.consent.chain import CHAIN_FIELDS, seal
from store.errors import NotFound
from store.models import AutomationSwitch, ConsentEvent, InboundMessage, Phone
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


EVENT_FIELDS = ("phone", "actor", "channel", "inbound_message_id", "raw_text", "rule",
                "classifier_version", "note", "corrects", "occurred_at", "recorded_at", "scope",
                "old_state", "new_state", "source", "outcome", "reason", "cause_message_id",
                "cause_kind", "cause_campaign_id", "cause_automation", "prev_hash", "hash")
# where each of the chain's fields is in an event row before its hashes are added
_CHAIN_AT = [EVENT_FIELDS.index(f) for f in CHAIN_FIELDS]
SWITCH_FIELDS = (AutomationSwitch.phone, AutomationSwitch.automation, AutomationSwitch.state,
                 AutomationSwitch.source, AutomationSwitch.changed_at)


def persist_plans(items, *, return_ids: bool = True, batch_size: int = 500) -> list[int]:
    """Write the events of each (plan, actor, context) and the state they lead to.

    Set-based for any number of plans: one insert of events, one upsert of phones and one
    of switches. Returns the new event ids in order (none when `return_ids` is false, the
    import's faster path: one statement per table on PostgreSQL too, see store.bulk).
    """
    now = utcnow()
    items = [(plan, actor, context, to_naive_utc(context.occurred_at or now))
             for plan, actor, context in items]
    causes = likely_causes({plan.before.e164: when for plan, _, _, when in items
                            if any(is_opt_out(c) for c in plan.changes)})
    events, phones, switches = [], {}, {}
    for plan, actor, context, when in items:
        base = (plan.before.phone_id, actor.actor, actor.channel, context.inbound_message_id,
                context.raw_text, context.rule, context.classifier_version, context.note,
                context.corrects_event_id, when, now)
        for r in plan.refusals:
            events.append((*base, r.scope, r.old_state, r.requested, actor.source, REFUSED,
                           r.reason, *NO_CAUSE))
        cause = causes.get(plan.before.e164)
        for c in plan.changes:
            events.append((*base, c.scope, c.old_state, c.new_state, c.source, APPLIED,
                           c.reason, *(cause.columns() if cause and is_opt_out(c)
                                       else NO_CAUSE)))
            if c.scope == REVIEW_SCOPE:
                continue
            if c.scope in (OVERALL, CARRIER):
                phones[plan.before.e164] = _phone_row(plan, when, phones.get(plan.before.e164))
            else:
                switches[(plan.before.phone_id, c.scope)] = (
                    plan.before.phone_id, c.scope, c.new_state, c.source, when)
    events = _sealed(events, {plan.before.phone_id: plan.before.e164
                              for plan, _, _, _ in items})
    write = insert_rows if return_ids else write_rows
    fields = [getattr(ConsentEvent, k) for k in EVENT_FIELDS]
    if return_ids:
        ids = [row[0] for rows in chunked(events, batch_size) for row in
               ConsentEvent.insert_many(rows, fields=fields).returning(ConsentEvent.id)
               .tuples().execute()]
    else:
        ids = []
        write_rows(ConsentEvent, fields, events)
    _upsert_phones(list(phones.values()), write)
    write(AutomationSwitch, SWITCH_FIELDS, list(switches.values()),
          conflict=[AutomationSwitch.phone, AutomationSwitch.automation],
          update={c: f'EXCLUDED."{c}"' for c in ("state", "source", "changed_at")})
    return ids


def _sealed(events: list[tuple], e164s: dict[int, str]) -> list[tuple]:
    """Return the event rows with their place in the chain (prev_hash, hash) added."""
    if not events:
        return events
    contents = []
    for row in events:
        values = [row[i] for i in _CHAIN_AT]
        values[0] = e164s[values[0]]  # the chain names the phone by its number
        contents.append(values)
    return [(*row, *hashes) for row, hashes in zip(events, seal(contents), strict=True)]


def _phone_row(plan, when: datetime, previous: dict | None) -> dict:
    before = plan.before
    row = previous or {"e164": before.e164, "overall_changed_at": before.overall_changed_at}
    # the phone's columns of plan.after (an applied plan), without building its switches
    overall, source, blocked = before.overall, before.overall_source, before.carrier_blocked
    for c in () if plan.refused else plan.changes:
        if c.scope == OVERALL:
            overall, source = c.new_state, c.source
        elif c.scope == CARRIER:
            blocked = c.new_state == BLOCKED
    row.update(overall=overall, overall_source=source, carrier_blocked=blocked,
               carrier_blocked_at=when if blocked else None)
    if any(c.scope == OVERALL for c in plan.changes):
        row["overall_changed_at"] = when
    return row


def _upsert_phones(rows: list[dict], write) -> None:
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
    write(Phone, fields, [tuple(r.values()) for r in rows], conflict=[Phone.e164],
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
