"""Importing a CRM's clients and prior opt-outs from CSV, in batches, never relaxing consent.

Columns: phone,name,crm_id,overall,opted_out_at, and no others (a misspelled `overall` must
never import as "no opt-outs"), except those `export clients` adds, which are skipped: the
import reads an export back as it was, names included. Each batch is one transaction of a few
set-based queries; every row goes through rules.plan_change() like any other change, so
rule 9 (imports never relax consent) holds row by row and refused rows leave an event.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from peewee import chunked

from store.clock import to_naive_utc, utcnow
from store.consent.changes import ensure_phones, load_states
from store.consent.history import EventContext, persist_plans
from store.consent.refusals import explain_refusal
from store.consent.rules import Actor, plan_change
from store.db import db
from store.errors import InvalidPhone, InvalidRequest
from store.models import Client
from store.phones import parse_phone
from store.records.clients import clean_client, upsert_clients
from store.records.exports import (
    EXPORT_ONLY_COLUMNS,
    GUARDED_CLIENT_COLUMNS,
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
    applied: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid: int = 0
    clients_created: int = 0
    clients_updated: int = 0  # renamed, or given a new crm_id
    ignored_columns: tuple[str, ...] = ()  # export-only columns present in the file
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, phone, reason)

    def note(self, line: int, phone: str, reason: str) -> None:
        if len(self.problems) < MAX_REPORTED:
            self.problems.append((line, phone, reason))


@dataclass(frozen=True)
class ImportRow:
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
    """Import the CSV in `stream` (seekable); return the report.

    The whole file is read once before anything is written: a file that is not UTF-8, is
    not well-formed CSV or has a bad header raises InvalidRequest and changes nothing.
    """
    header = _check_file(stream)
    stream.seek(0)
    reader = csv.DictReader(stream)
    if reader.fieldnames:  # reads the header line; the cleaned names replace it
        reader.fieldnames = header
    actor = Actor(source=IMPORT, actor=f"import:{source_name}"[:120], channel="import")
    report = ImportReport(ignored_columns=tuple(c for c in header if c in EXPORT_ONLY_COLUMNS))
    for batch in chunked(_read_rows(reader, region, report), batch_size):
        _import_batch(batch, actor, report)
        if progress:
            progress(len(batch))
    return report


def _check_file(stream: TextIO) -> list[str]:
    """Read the whole file once; return its header, or raise InvalidRequest saying where."""
    reader = csv.reader(stream)
    try:
        raw = next(reader, [])
        header = [_column(h) for h in raw]
        unnamed = [i for i, h in enumerate(header) if not h]
        for row in reader:
            if any(i < len(row) and row[i].strip() for i in unnamed):
                raise InvalidRequest(f"line {reader.line_num}: a column without a name in the "
                                     "header row holds a value; name the column or remove it")
    except UnicodeDecodeError:
        raise InvalidRequest(f"the file is not UTF-8 text (near line {reader.line_num + 1}); "
                             "save it from the spreadsheet as \"CSV UTF-8\"") from None
    except csv.Error as exc:
        raise InvalidRequest(f"line {reader.line_num}: the file is not valid CSV ({exc})") \
            from None
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


def _read_rows(reader: csv.DictReader, region: str, report: ImportReport) -> Iterable[ImportRow]:
    for record in reader:
        report.rows += 1
        line = reader.line_num
        try:
            yield _parse_row(record, line, region)
        except (InvalidPhone, InvalidRequest) as exc:
            report.invalid += 1
            report.note(line, (record.get("phone") or "").strip(), str(exc))


def _parse_row(record: dict, line: int, region: str) -> ImportRow:
    if None in record:
        raise InvalidRequest(f"the row has more fields than the header ({len(record[None])} extra)")
    if any("\x00" in (value or "") for value in record.values()):
        raise InvalidRequest("the row contains a NUL character")
    e164 = parse_phone((record.get("phone") or "").strip(), region=region)
    text = {column: unguard_cell((record.get(column) or "").strip())
            for column in GUARDED_CLIENT_COLUMNS}  # what the export wrote, read back
    raw_name, crm_id = text["name"], text["crm_id"]
    name = None
    if raw_name or crm_id:
        name, crm_id = clean_client(raw_name or crm_id, crm_id)
    overall = (record.get("overall") or "").strip().lower().replace("-", "_").replace(" ", "_")
    if overall not in ("", UNKNOWN, OPTED_IN, OPTED_OUT):
        raise InvalidRequest(
            f"overall must be opted_in, opted_out, unknown or empty, not {overall!r}")
    moment = _parse_moment(record.get("opted_out_at"))
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
    with db.atomic():
        ensure_phones(r.e164 for r in rows)
        states = load_states((r.e164 for r in rows), lock=True)
        named = [{"phone_id": states[r.e164].phone_id, "name": r.name, "crm_id": r.crm_id}
                 for r in rows if r.name]
        if named:
            phone_ids = {r["phone_id"] for r in named}
            before = _client_records(phone_ids)
            upsert_clients(named)
            after = _client_records(phone_ids)
            report.clients_created += len(after.keys() - before.keys())
            report.clients_updated += sum(after.get(i) != was for i, was in before.items())
        plans = []
        for row in rows:
            if row.overall is None:
                report.unchanged += 1
                continue
            plan = plan_change(states[row.e164], actor=actor, overall=row.overall)
            context = EventContext(occurred_at=row.opted_out_at if row.overall == OPTED_OUT
                                   else None)
            plans.append((plan, actor, context))
            states[row.e164] = plan.after  # a phone twice in a batch sees its first row
            if plan.refused:
                report.skipped += 1
                refusal = plan.refusals[0]
                report.note(row.line, row.e164, f"skipped ({refusal.reason}): "
                            + explain_refusal(refusal.scope, refusal.reason))
            elif plan.changes:
                report.applied += 1
            else:
                report.unchanged += 1
        persist_plans(plans, return_ids=False)


def _client_records(phone_ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """Return {client id: (name, crm_id)} of the clients on these phones."""
    query = (Client.select(Client.id, Client.name, Client.crm_id)
             .where(Client.phone.in_(sorted(phone_ids))).tuples())
    return {client_id: (name, crm_id) for client_id, name, crm_id in query}
