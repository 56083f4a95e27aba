"""Importing a CRM's clients and prior opt-outs from CSV, streamed, never relaxing consent.

Columns: phone,name,crm_id,overall,opted_out_at, and no others (a misspelled `overall` must
never import as "no opt-outs"), except those `export clients` adds, which are skipped: the
import reads an export back as it was, names included. Every row goes through
rules.plan_change() like any other change, so rule 9 (imports never relax consent) holds row
by row and refused rows leave an event.

An import that fails changes nothing: the file is read once, row by row, and written batch by
batch (a few set-based statements each) inside one transaction. A file found broken half-way
(not UTF-8, not CSV, a value under an unnamed column), a database error or an interrupted
process rolls the whole import back. One pass keeps memory flat in the number of rows and
reads the file once; the price is that the import holds the database's write lock (SQLite)
or its phones' row locks (PostgreSQL) until it commits.
"""

from __future__ import annotations

import bisect
import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, TextIO

from peewee import chunked

from store.bulk import select_in
from store.clock import to_naive_utc, utcnow
from store.consent.changes import load_or_create_states
from store.consent.history import EventContext, persist_plans
from store.consent.refusals import explain_refusal
from store.consent.rules import Actor, plan_change
from store.db import db
from store.errors import InvalidPhone, InvalidRequest
from store.phones import parse_phone
from store.records.clients import clean_client, name_key, upsert_clients
from store.records.exports import (
    EXPORT_ONLY_COLUMNS,
    IMPORT_COLUMNS,
    unguard_cell,
)
from store.vocabulary import IMPORT, OPTED_IN, OPTED_OUT, UNKNOWN

COLUMNS = IMPORT_COLUMNS
BOM = "\ufeff"  # Excel starts its "CSV UTF-8" files with one
MAX_REPORTED = 1000  # rows listed one by one in a report; the counts stay exact past it


@dataclass
class ImportReport:
    """What an import did: counts, and the rows it skipped or could not read."""

    rows: int = 0
    # each row is one of: created (its phone is new), updated (its consent or client record
    # changed), skipped (a rule refused it), invalid (unreadable), or none of these: unchanged
    created: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: int = 0
    # consent alone: rows whose consent change was applied, rows that changed no consent
    applied: int = 0
    unchanged: int = 0
    clients_created: int = 0
    clients_updated: int = 0  # renamed, or given a new crm_id
    ignored_columns: tuple[str, ...] = ()  # export-only columns present in the file
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, phone, reason)

    @property
    def rows_unchanged(self) -> int:
        return self.rows - self.created - self.updated - self.skipped - self.invalid

    def note(self, line: int, phone: str, reason: str) -> None:
        """Keep the problem, in line order; past MAX_REPORTED, the earliest lines."""
        problem = (line, phone, reason)
        if len(self.problems) >= MAX_REPORTED:
            if line > self.problems[-1][0]:
                return
            self.problems.pop()
        bisect.insort(self.problems, problem)


class ImportRow(NamedTuple):
    line: int
    e164: str
    name: str | None
    crm_id: str | None
    overall: str | None
    opted_out_at: datetime | None


def import_csv(
    stream: TextIO, *, source_name: str, region: str = "US", batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the CSV in `stream`, all or nothing; return the report.

    A bad header raises InvalidRequest before anything is written; a file found broken
    further on (not UTF-8, not well-formed CSV) raises it too, and everything is rolled back.
    """
    reader = csv.reader(stream)
    with _reading(reader):
        raw = next(reader, [])
    header = _check_header(raw)
    actor = Actor(source=IMPORT, actor=f"import:{source_name}"[:120], channel="import")
    report = ImportReport(ignored_columns=tuple(c for c in header if c in EXPORT_ONLY_COLUMNS))
    with db.atomic():
        for batch in chunked(_read_rows(reader, header, region, report), batch_size):
            _import_batch(batch, actor, report)
            if progress:
                progress(len(batch))
    return report


class _reading:
    """Turn a decoding or CSV error of `reader` into InvalidRequest saying where."""

    def __init__(self, reader) -> None:
        self.reader = reader

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, _tb) -> None:
        if kind is not None and issubclass(kind, UnicodeDecodeError):
            raise InvalidRequest(
                f"the file is not UTF-8 text (near line {self.reader.line_num + 1}); "
                "save it from the spreadsheet as \"CSV UTF-8\"") from None
        if kind is not None and issubclass(kind, csv.Error):
            raise InvalidRequest(f"line {self.reader.line_num}: the file is not valid CSV "
                                 f"({exc})") from None


def _check_header(raw: list[str]) -> list[str]:
    """Return the header's column names, or raise InvalidRequest saying what is wrong."""
    header = [_column(h) for h in raw]
    if "phone" not in header:
        raise InvalidRequest(
            f"the CSV needs a header row with a phone column ({','.join(COLUMNS)})")
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise InvalidRequest(f"the header names {', '.join(repeated)} more than once")
    unknown = [name.lstrip(BOM).strip() for name, h in zip(raw, header, strict=True)
               if h and h not in COLUMNS and h not in EXPORT_ONLY_COLUMNS]
    if unknown:
        several = len(unknown) > 1
        listed = ", ".join(f'"{name}"' for name in unknown)
        raise InvalidRequest(
            f"unknown column{'s' if several else ''} {listed}: an import reads "
            f"{','.join(COLUMNS)} (and skips the other columns `smsprefs export clients` "
            f"writes); rename or remove {'them' if several else 'it'}; nothing was imported")
    return header


def _column(name: str) -> str:
    """Return a header cell as the column it names: any case, spaces or BOM around it."""
    return name.lstrip(BOM).strip().lower()


def _read_rows(reader, header: list[str], region: str,
               report: ImportReport) -> Iterator[ImportRow]:
    at = {h: i for i, h in enumerate(header) if h in COLUMNS}
    width = len(header)
    slots = tuple(at.get(c, width) for c in COLUMNS)  # a column left out reads past the end
    unnamed = [i for i, h in enumerate(header) if not h]
    rows = iter(reader)
    while True:
        with _reading(reader):
            row = next(rows, None)
        if row is None:
            return
        if not row:
            continue  # a blank line
        line = reader.line_num
        if unnamed and any(i < len(row) and row[i].strip() for i in unnamed):
            raise InvalidRequest(f"line {line}: a column without a name in the header row "
                                 "holds a value; name the column or remove it")
        report.rows += 1
        try:
            yield _parse_row(row, slots, width, line, region)
        except (InvalidPhone, InvalidRequest) as exc:
            report.invalid += 1
            report.note(line, row[at["phone"]].strip() if at["phone"] < len(row) else "",
                        str(exc))


def _parse_row(row: list[str], slots: tuple[int, ...], width: int, line: int,
               region: str) -> ImportRow:
    """Return the row read and checked; `slots` are the COLUMNS' places in it."""
    n = len(row)
    if n > width:
        raise InvalidRequest(f"the row has more fields than the header ({n - width} extra)")
    if "\x00" in "".join(row):
        raise InvalidRequest("the row contains a NUL character")
    phone, raw_name, crm_id, overall, moment_text = [row[i].strip() if i < n else ""
                                                     for i in slots]
    e164 = parse_phone(phone, region=region)
    # what the export wrote (GUARDED_CLIENT_COLUMNS), read back
    raw_name, crm_id = unguard_cell(raw_name), unguard_cell(crm_id)
    name = None
    if raw_name or crm_id:
        name, crm_id = clean_client(raw_name or crm_id, crm_id)
    if overall:
        overall = overall.lower().replace("-", "_").replace(" ", "_")
    if overall not in ("", UNKNOWN, OPTED_IN, OPTED_OUT):
        raise InvalidRequest(
            f"overall must be opted_in, opted_out, unknown or empty, not {overall!r}")
    moment = _parse_moment(moment_text) if moment_text else None
    if moment and overall in (OPTED_IN, UNKNOWN):
        raise InvalidRequest(f"opted_out_at is given but overall is {overall}")
    if moment and not overall:
        overall = OPTED_OUT  # a CRM that keeps only the opt-out date still means an opt-out
    return ImportRow(line, e164, name, crm_id or None,
                     overall if overall in (OPTED_IN, OPTED_OUT) else None, moment)


def _parse_moment(text: str | None) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = to_naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidRequest(f"opted_out_at {text!r} is not an ISO 8601 date or time") from None
    if moment > utcnow():
        raise InvalidRequest(f"opted_out_at {text!r} is in the future")
    return moment


def _import_batch(rows: list[ImportRow], actor: Actor, report: ImportReport) -> None:
    states, created = load_or_create_states(r.e164 for r in rows)
    named = [{"phone_id": states[r.e164].phone_id, "name": r.name, "crm_id": r.crm_id}
             for r in rows if r.name]
    if named:
        # a phone created by this batch has no client yet: only the others are read
        phone_ids = sorted({states[r.e164].phone_id for r in rows
                            if r.name and r.e164 not in created})
        before = _client_records(phone_ids)
        upsert_clients(named, existing=before,
                       new_phones={states[e164].phone_id for e164 in created})
        after = _client_records(phone_ids)
        fresh = {(r.e164, name_key(r.name)) for r in rows if r.name and r.e164 in created}
        report.clients_created += len(after.keys() - before.keys()) + len(fresh)
        changed = [i for i, was in before.items() if _named(after.get(i)) != _named(was)]
        report.clients_updated += len(changed)
        renamed = {after[i][0] for i in [*(after.keys() - before.keys()), *changed]}
    else:
        renamed = set()
    plans = []
    counted: set[str] = set()  # new phones whose first row was counted as created

    def count(row: ImportRow, applied: bool) -> None:
        if row.e164 in created and row.e164 not in counted:
            counted.add(row.e164)
            report.created += 1
        elif applied or states[row.e164].phone_id in renamed:
            renamed.discard(states[row.e164].phone_id)  # its first row with the phone did it
            report.updated += 1

    # a phone twice in a batch sees its first row: its state moves on only while rows remain
    remaining = Counter(r.e164 for r in rows if r.overall is not None)
    now_context = EventContext()
    for row in rows:
        if row.overall is None:
            report.unchanged += 1
            count(row, False)
            continue
        plan = plan_change(states[row.e164], actor=actor, overall=row.overall)
        context = (EventContext(occurred_at=row.opted_out_at)
                   if row.overall == OPTED_OUT and row.opted_out_at else now_context)
        plans.append((plan, actor, context))
        remaining[row.e164] -= 1
        if remaining[row.e164]:
            states[row.e164] = plan.after
        if plan.refused:
            report.skipped += 1
            refusal = plan.refusals[0]
            report.note(row.line, row.e164, f"skipped ({refusal.reason}): "
                        + explain_refusal(refusal.scope, refusal.reason))
        elif plan.changes:
            report.applied += 1
            count(row, True)
        else:
            report.unchanged += 1
            count(row, False)
    persist_plans(plans, return_ids=False)


_CLIENTS = 'SELECT "id", "phone_id", "name", "name_key", "crm_id" FROM "client" WHERE'


def _client_records(phone_ids: Iterable[int]) -> dict[int, tuple]:
    """Return {client id: (phone id, name, name key, crm_id)} of the clients on these phones."""
    return {row[0]: row[1:] for row in select_in(_CLIENTS, '"phone_id"', phone_ids)}


def _named(record: tuple | None) -> tuple | None:
    """Return what an import may change of a client record: its name and crm_id."""
    return None if record is None else (record[1], record[3])
