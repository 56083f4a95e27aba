"""The replay check: the current state must always equal a replay of the applied events.

`smsprefs verify` runs it over the whole store; it also checks every misread correction
(rule 11) against the opt-out it undid.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from store.consent.history import is_cascade_of
from store.consent.misread import MISREAD, is_client_opt_out, is_misread_candidate
from store.db import snapshot
from store.models import AutomationSwitch, ConsentEvent, Phone
from store.vocabulary import (
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
    REVIEW_SCOPE,
    STAFF,
    UNKNOWN,
)


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
    with snapshot():
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
