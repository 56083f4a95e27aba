"""Importing a CRM's clients and prior opt-outs from CSV, streamed, never relaxing consent.

Columns: phone,name,crm_id,overall,opted_out_at, and no others (a misspelled `overall` must
never import as "no opt-outs"), except those `export clients` adds, which are skipped: the
import reads an export back as it was, names included. Every row's consent change is
planned by rules.plan_change() like any other change, so rule 9 (imports never relax
consent) holds row by row and refused rows leave an event.

An import that fails changes nothing: the file is read once, row by row
(import_reading.py), and written batch by batch (a few set-based statements each) inside
one transaction. A file found broken half-way (not UTF-8, not CSV, a value under an
unnamed column), a database error or an interrupted process rolls the whole import back.
One pass keeps memory flat in the number of rows and reads the file once; the price is
that the import holds the database's write lock (SQLite) or its phones' row locks
(PostgreSQL) until it commits.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TextIO

from peewee import chunked

from store.bulk import insert_new, select_in, write_rows
from store.clock import utcnow
from store.consent import chain
from store.consent.changes import load_states
from store.consent.history import (
    PHONE_FIELDS,
    EventContext,
    blank_phone_row,
    persist_plans,
    phone_rows,
)
from store.consent.refusals import explain_refusal
from store.consent.rules import Actor, ConsentState, Plan, plan_change
from store.db import db
from store.heap import older_objects_frozen
from store.models import Client, Phone
from store.records.clients import upsert_clients
from store.records.exports import EXPORT_ONLY_COLUMNS
from store.records.import_reading import (
    BOM,
    COLUMNS,
    MAX_REPORTED,
    ImportReport,
    ImportRow,
    check_header,
    read_rows,
    unreadable,
)
from store.vocabulary import IMPORT, OPTED_OUT

__all__ = ["BOM", "COLUMNS", "MAX_REPORTED", "ImportReport", "import_csv"]
PLANS_KEPT = 1024  # distinct (request, state) pairs whose plan one import remembers
CLIENT_FIELDS = [Client.phone, Client.name, Client.name_key, Client.crm_id, Client.created_at,
                 Client.updated_at]


def import_csv(
    stream: TextIO, *, source_name: str, region: str = "US", batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the CSV in `stream`, all or nothing; return the report.

    A bad header raises InvalidRequest before anything is written; a file found broken
    further on (not UTF-8, not well-formed CSV) raises it too, and everything is rolled back.
    """
    reader = csv.reader(stream)
    try:
        raw = next(reader, [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise unreadable(reader, exc) from None
    header = check_header(raw)
    actor = Actor(source=IMPORT, actor=f"import:{source_name}"[:120], channel="import")
    report = ImportReport(ignored_columns=tuple(c for c in header if c in EXPORT_ONLY_COLUMNS))
    planner = Planner(actor)
    with older_objects_frozen(), db.atomic():
        chain.lock()  # the chain's lock before any row lock, as every writer (chain.py)
        for batch in chunked(read_rows(reader, header, region, report), batch_size):
            _import_batch(batch, planner, report)
            if progress:
                progress(len(batch))
    return report


class Planner:
    """Plan an import's requests with rules.plan_change(), each distinct case once.

    A plan depends on the request and on the state's overall, its source and its switches'
    states and sources, never on the phone, its id or any time (tests/store/records check
    it on every state): an import of a million rows meets a few dozen such cases, and each
    row's plan is a copy of its case's changes and refusals on the row's own state.
    """

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.kept: dict[tuple, tuple[tuple, tuple]] = {}

    def plan(self, state: ConsentState, overall: str) -> Plan:
        switches = state.switches
        case = (overall, state.overall, state.overall_source, state.carrier_blocked,
                tuple(sorted((n, s.state, s.source) for n, s in switches.items()))
                if switches else ())
        kept = self.kept.get(case)
        if kept is not None:
            return Plan(state, list(kept[0]), list(kept[1]))
        plan = plan_change(state, actor=self.actor, overall=overall)
        if len(self.kept) >= PLANS_KEPT:
            self.kept.clear()
        self.kept[case] = (tuple(plan.changes), tuple(plan.refusals))
        return plan


def _import_batch(rows: list[ImportRow], planner: Planner, report: ImportReport) -> None:
    now = utcnow()
    # sorted, so two imports lock and insert the same phones in the same order
    wanted = sorted({r.e164 for r in rows})
    stored = load_states(wanted, lock=True)
    fresh = [e for e in wanted if e not in stored]
    planned = _plan_rows(rows, stored, planner)
    created = _insert_fresh(fresh, planned, now)
    if len(created) < len(fresh):
        # another transaction stored some since load_states(): plan those as stored phones
        stored.update(load_states([e for e in fresh if e not in created], lock=True))
        planned = _plan_rows(rows, stored, planner)
    ids = {e164: state.phone_id for e164, state in stored.items()} | created
    renamed = _import_clients(rows, ids, created, report)
    counted: set[str] = set()  # new phones whose first row was counted as created
    applied = unchanged = skipped = updated = 0
    for row, item in zip(rows, planned, strict=True):
        e164 = row.e164
        outcome = False
        if item is not None:
            plan = item[0]
            if plan.refusals:
                skipped += 1
                refusal = plan.refusals[0]
                report.note(row.line, e164, f"skipped ({refusal.reason}): "
                            + explain_refusal(refusal.scope, refusal.reason))
                continue
            outcome = bool(plan.changes)
        if outcome:
            applied += 1
        else:
            unchanged += 1
        if e164 in created and e164 not in counted:
            counted.add(e164)
            report.created += 1
            continue
        if outcome or (renamed and ids[e164] in renamed):
            renamed.discard(ids[e164])  # its first row with the phone did it
            updated += 1
    report.applied += applied
    report.unchanged += unchanged
    report.skipped += skipped
    report.updated += updated
    persist_plans([item for item in planned if item is not None], return_ids=False,
                  created=created, now=now)


def _plan_rows(rows: list[ImportRow], stored: dict[str, ConsentState],
               planner: Planner) -> list[tuple[Plan, Actor, EventContext] | None]:
    """Return each row's (plan, actor, context), None for a row that changes no consent;
    a phone not in `stored` is planned as new (never seen, no id yet), and a phone's later
    row sees its state after the earlier ones."""
    actor = planner.actor
    last: dict[str, Plan] = {}
    contexts: dict[datetime | None, EventContext] = {None: EventContext()}
    planned: list[tuple[Plan, Actor, EventContext] | None] = []
    for row in rows:
        overall = row.overall
        if overall is None:
            planned.append(None)
            continue
        e164 = row.e164
        state = last[e164].after if e164 in last else stored.get(e164) or ConsentState(e164=e164)
        plan = last[e164] = planner.plan(state, overall)
        moment = row.opted_out_at if overall == OPTED_OUT else None
        context = contexts.get(moment)
        if context is None:
            context = contexts[moment] = EventContext(occurred_at=moment)
        planned.append((plan, actor, context))
    return planned


def _insert_fresh(fresh: list[str], planned: list, now: datetime) -> dict[str, int]:
    """Insert the phones in `fresh` with the columns their plans lead to (persist_plans()
    then writes only their events and switches); return {number: id} of those inserted,
    leaving out any another transaction stored first."""
    if not fresh:
        return {}
    final = phone_rows([item for item in planned if item is not None
                        and item[0].before.phone_id is None], now)
    return insert_new(Phone, PHONE_FIELDS, [final.get(e) or blank_phone_row(e) for e in fresh])


def _import_clients(rows: list[ImportRow], ids: dict[str, int], created: dict[str, int],
                    report: ImportReport) -> set[int]:
    """Write the batch's client records and count them; return the ids of the phones, of
    those stored before, whose records were created or changed."""
    fresh: dict[tuple[int, str], ImportRow] = {}  # (phone id, name key) on a phone just created
    named = []
    for r in rows:
        if r.name:
            if r.e164 in created:
                fresh[(created[r.e164], r.key)] = r  # the last row of each wins
            else:
                named.append({"phone_id": ids[r.e164], "name": r.name, "crm_id": r.crm_id})
    if fresh:
        # as upsert_clients() writes a new phone's records: nothing to rename or collide
        # with, in (phone, name key) order
        now = utcnow()
        write_rows(Client, CLIENT_FIELDS, [(pid, r.name, key, r.crm_id, now, now)
                                           for (pid, key), r in sorted(fresh.items())])
        report.clients_created += len(fresh)
    if not named:
        return set()
    phone_ids = sorted({r["phone_id"] for r in named})
    before = _client_records(phone_ids)
    upsert_clients(named, existing=before)
    after = _client_records(phone_ids)
    report.clients_created += len(after.keys() - before.keys())
    changed = [i for i, was in before.items() if _named(after.get(i)) != _named(was)]
    report.clients_updated += len(changed)
    return {after[i][0] for i in [*(after.keys() - before.keys()), *changed]}


_CLIENTS = 'SELECT "id", "phone_id", "name", "name_key", "crm_id" FROM "client" WHERE'


def _client_records(phone_ids: Iterable[int]) -> dict[int, tuple]:
    """Return {client id: (phone id, name, name key, crm_id)} of the clients on these phones."""
    return {row[0]: row[1:] for row in select_in(_CLIENTS, '"phone_id"', phone_ids)}


def _named(record: tuple | None) -> tuple | None:
    """Return what an import may change of a client record: its name and crm_id."""
    return None if record is None else (record[1], record[3])
