"""Issue 11: the import's short paths write what the general change path writes.

The same seeded phones exist twice, under area codes 212 and 646. A CSV of mixed rows
(new and stored phones, locked and unlocked opt-outs, switches a client turned off, a
carrier block, renamed clients, repeated phones, dates, broken rows) is imported into the
212 phones; the same rows go through the general path into the 646 phones, batch by batch:
upsert_clients() for the records and record_change() row by row for consent. Every table's
rows must then be the same, phone for phone, and so must the report.
"""

from __future__ import annotations

import io
import itertools
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.automations import AUTOMATIONS
from store.clock import utcnow
from store.consent.changes import ensure_phones, record_change, set_carrier_block
from store.consent.history import EventContext
from store.consent.refusals import explain_refusal
from store.consent.replay import verify
from store.consent.rules import Actor, ConsentState, Switch, plan_change
from store.models import AutomationSwitch, Client, ConsentEvent, Phone
from store.records.clients import clean_client, upsert_client, upsert_clients
from store.records.imports import Planner, import_csv
from tests.factories import client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
IMPORTER = Actor(source="import", actor="import:mixed.csv", channel="import")
PHONES = 9  # per example: 0-5 seeded, 6-8 new
_examples = itertools.count()
SEEDS = [
    lambda e: client_texts(e, "opt_out"),  # locked opt-out
    lambda e: staff_sets(e, overall="opted_out"),  # an opt-out staff may reverse
    lambda e: staff_sets(e, overall="opted_in", note="signed form"),
    lambda e: client_texts(e, "opt_out", scope="price_reduction"),  # a locked switch
    lambda e: set_carrier_block(e, blocked=True),
    lambda e: upsert_client(e, name="Ana Lopez", crm_id="C1"),
]
NAMES = ["", "Ana Lopez", "ana  lopez", "Bob", "Bob", "Cy Twombly"]
CRM_IDS = ["", "C1", "C2"]
OVERALLS = [("", None), ("opted_out", "opted_out"), ("Opted-Out", "opted_out"),
            ("opted_in", "opted_in"), ("unknown", None)]
DATES = [("", None), ("2024-03-01T14:00:00Z", datetime(2024, 3, 1, 14)),
         ("2025-01-02", datetime(2025, 1, 2))]
FORMATS = ["+1{a}555{n:04d}", "({a}) 555-{n:04d}", " {a}.555.{n:04d} "]

row_strategy = st.one_of(
    st.tuples(st.integers(0, PHONES - 1), st.sampled_from(FORMATS), st.sampled_from(NAMES),
              st.sampled_from(CRM_IDS), st.sampled_from(OVERALLS), st.sampled_from(DATES)),
    st.sampled_from(["not a phone,Zed,,,", "+1{a}5550000,Zed,,opted_out,2999-01-01",
                     "+1{a}5550000,Zed,,maybe,"]))


def number(area: int, base: int, i: int) -> str:
    return f"+1{area}555{base + i:04d}"


def csv_text(rows, area: int, base: int) -> str:
    lines = ["phone,name,crm_id,overall,opted_out_at"]
    for row in rows:
        if isinstance(row, str):
            lines.append(row.format(a=area))
            continue
        i, form, name, crm_id, (overall, _), (date, _) = row
        if overall in ("opted_in", "unknown"):
            date = ""  # a dated opt-in is an invalid row: the broken rows cover those
        lines.append(",".join([form.format(a=area, n=base + i), name, crm_id, overall, date]))
    return "\n".join(lines) + "\n"


def general_path(rows, base: int, batch_size: int) -> dict:
    """Apply the rows to the 646 phones through the general path; return the report's
    counts as the import defines them."""
    counts = dict.fromkeys(["rows", "created", "updated", "skipped", "invalid", "applied",
                            "unchanged", "clients_created", "clients_updated"], 0)
    problems = []
    valid = []
    for line, row in enumerate(rows, start=2):
        counts["rows"] += 1
        if isinstance(row, str):
            counts["invalid"] += 1
            continue
        i, _, name, crm_id, (written, overall), (_, moment) = row
        if written in ("opted_in", "unknown"):
            moment = None
        overall = "opted_out" if moment else overall
        valid.append((line, number(646, base, i), name, crm_id, overall, moment))
    for start in range(0, len(valid), batch_size):
        batch = valid[start:start + batch_size]
        e164s = sorted({r[1] for r in batch})
        stored = {p.e164 for p in Phone.select().where(Phone.e164.in_(e164s))}
        ensure_phones(e164s)
        before = _records(e164s)
        named = []
        for _, e164, name, crm_id, _, _ in batch:
            if name or crm_id:
                name, crm = clean_client(name or crm_id, crm_id)
                named.append({"phone_id": Phone.get(Phone.e164 == e164).id, "name": name,
                              "crm_id": crm})
        if named:
            upsert_clients(named)
        after = _records(e164s)
        counts["clients_created"] += len(after.keys() - before.keys())
        changed = {k for k in before if after[k][1:] != before[k][1:]}
        counts["clients_updated"] += len(changed)
        renamed = {after[k][0] for k in (after.keys() - before.keys()) | changed} & stored
        counted = set()
        for line, e164, _, _, overall, moment in batch:
            applied = False
            if overall:
                context = EventContext(occurred_at=moment if overall == "opted_out" else None)
                result = record_change(e164, actor=IMPORTER, overall=overall, context=context)
                if result.plan.refused:
                    counts["skipped"] += 1
                    refusal = result.plan.refusals[0]
                    problems.append((line, e164, f"skipped ({refusal.reason}): "
                                     + explain_refusal(refusal.scope, refusal.reason)))
                    continue
                applied = result.changed
            counts["applied" if applied else "unchanged"] += 1
            if e164 not in stored and e164 not in counted:
                counted.add(e164)
                counts["created"] += 1
            elif applied or e164 in renamed:
                renamed.discard(e164)
                counts["updated"] += 1
    return {**counts, "problems": problems}


def _records(e164s) -> dict:
    rows = (Client.select(Client.id, Phone.e164, Client.name, Client.crm_id).join(Phone)
            .where(Phone.e164.in_(e164s)).tuples())
    return {client_id: (e164, name, crm_id) for client_id, e164, name, crm_id in rows}


def snapshot(area: int, base: int, started: datetime) -> dict:
    """Return every row about the example's phones of `area`, ids and hashes left out,
    each phone by its number within the example and each time written now as "now"."""
    def phone(e164):
        return int(e164[-4:]) - base

    def when(moment):
        return "now" if moment is not None and moment >= started else moment

    prefix = f"+1{area}555"
    phones = Phone.select().where(Phone.e164.startswith(prefix),
                                  Phone.e164.between(number(area, base, 0),
                                                     number(area, base, PHONES - 1))
                                  ).order_by(Phone.e164)
    out = {"phones": {}, "switches": {}, "clients": [], "events": {}}
    for p in phones:
        out["phones"][phone(p.e164)] = (p.overall, p.overall_source, when(p.overall_changed_at),
                                        p.carrier_blocked, when(p.carrier_blocked_at),
                                        when(p.opt_in_requested_at), when(p.created_at))
        for s in AutomationSwitch.select().where(AutomationSwitch.phone == p.id):
            out["switches"][(phone(p.e164), s.automation)] = (s.state, s.source,
                                                              when(s.changed_at))
        out["clients"] += sorted((phone(p.e164), c.name, c.name_key, c.crm_id,
                                  when(c.created_at), when(c.updated_at))
                                 for c in Client.select().where(Client.phone == p.id))
        out["events"][phone(p.e164)] = [
            (e.scope, e.old_state, e.new_state, e.source, e.actor, e.channel, e.outcome,
             e.reason, e.inbound_message_id, e.raw_text, e.rule, e.classifier_version, e.note,
             e.corrects_id, when(e.occurred_at), when(e.recorded_at), e.cause_message_id,
             e.cause_kind, e.cause_campaign_id, e.cause_automation)
            for e in ConsentEvent.select().where(ConsentEvent.phone == p.id)
            .order_by(ConsentEvent.id)]
    out["clients"].sort()
    return out


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(row_strategy, min_size=1, max_size=30), batch_size=st.integers(1, 8))
def _import_matches_the_general_path(rows, batch_size):
    base = next(_examples) * PHONES
    started = utcnow()
    for area in (212, 646):
        for i, seed in enumerate(SEEDS):
            seed(number(area, base, i))
    report = import_csv(io.StringIO(csv_text(rows, 212, base), newline=""),
                        source_name="mixed.csv", batch_size=batch_size)
    expected = general_path(rows, base, batch_size)
    got = {k: getattr(report, k) for k in expected if k != "problems"}
    assert got == {k: v for k, v in expected.items() if k != "problems"}
    skipped = [(line, phone[-4:], reason) for line, phone, reason in report.problems
               if reason.startswith("skipped")]
    assert skipped == [(line, phone[-4:], reason) for line, phone, reason in
                       expected["problems"]]
    assert snapshot(212, base, started) == snapshot(646, base, started)


def test_the_import_writes_the_rows_the_general_path_writes():
    _import_matches_the_general_path()
    assert list(verify()) == []


# The import plans each distinct case once (imports.Planner): that is only the same as
# plan_change() if no plan depends on the phone, its id or a time.

SOURCES = ["default", "client_keyword", "staff", "import", "carrier", "cascade"]
moments = st.one_of(st.none(), st.datetimes(min_value=datetime(2020, 1, 1),
                                            max_value=datetime(2030, 1, 1)))
switches = st.dictionaries(st.sampled_from(sorted(AUTOMATIONS)), st.tuples(
    st.sampled_from(["on", "off"]), st.sampled_from(SOURCES), moments))
states = st.tuples(st.sampled_from(["unknown", "opted_in", "opted_out"]),
                   st.sampled_from(SOURCES), st.booleans(), switches)


def state_of(case, e164: str, phone_id: int, moment, times) -> ConsentState:
    overall, source, blocked, kept = case
    return ConsentState(e164=e164, overall=overall, overall_source=source,
                        overall_changed_at=moment, carrier_blocked=blocked, phone_id=phone_id,
                        switches={n: Switch(s, src, next(times) or at)
                                  for n, (s, src, at) in kept.items()})


@settings(max_examples=300, deadline=None)
@given(case=states, overall=st.sampled_from(["opted_in", "opted_out"]), first=moments,
       second=moments, times=st.lists(moments, min_size=2, max_size=2))
def test_a_remembered_plan_is_the_plan_of_the_same_case_at_another_phone_and_time(
        case, overall, first, second, times):
    planner = Planner(IMPORTER)
    planner.plan(state_of(case, "+12125550100", 1, first, iter(times)), overall)
    state = state_of(case, "+12125550199", 99, second, iter(reversed(times)))
    remembered, fresh = planner.plan(state, overall), plan_change(state, actor=IMPORTER,
                                                                  overall=overall)
    assert (remembered.before, remembered.changes, remembered.refusals) == (
        fresh.before, fresh.changes, fresh.refusals)
