"""Reading an import's CSV: the header checked, then each row read and checked on its own.

A row that cannot be read (a bad phone, an unknown overall, a date in the future) is counted
and reported, and the import goes on; a file that cannot be read (not UTF-8, not CSV, a
value under an unnamed column) raises InvalidRequest, which rolls the whole import back.
Per row this is the import's hottest Python: the columns' places are computed once per
file, the usual cells (an E.164 phone, an overall already spelled as stored, a date seen
before) take short paths that give the same answers as the long ones.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from store.clock import to_naive_utc, utcnow
from store.errors import InvalidPhone, InvalidRequest
from store.phones import parse_phone
from store.records.clients import clean_client, name_key
from store.records.exports import EXPORT_ONLY_COLUMNS, GUARD, IMPORT_COLUMNS, unguard_cell
from store.vocabulary import OPTED_IN, OPTED_OUT, UNKNOWN

COLUMNS = IMPORT_COLUMNS
BOM = "\ufeff"  # Excel starts its "CSV UTF-8" files with one
MAX_REPORTED = 1000  # rows listed one by one in a report; the counts stay exact past it
MOMENTS_KEPT = 4096  # distinct opted_out_at texts remembered while reading one file
# an overall cell as it is stored already reads as itself (others are normalized first)
_OVERALLS = {"": None, OPTED_IN: OPTED_IN, OPTED_OUT: OPTED_OUT, UNKNOWN: UNKNOWN}


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
    overall: str | None  # opted_in, opted_out, or None: the row changes no consent
    opted_out_at: datetime | None
    key: str | None = None  # name_key(name)


def unreadable(reader, exc: BaseException) -> InvalidRequest:
    """Return the InvalidRequest that says where `reader` met a decoding or CSV error."""
    if isinstance(exc, UnicodeDecodeError):
        return InvalidRequest(
            f"the file is not UTF-8 text (near line {reader.line_num + 1}); "
            "save it from the spreadsheet as \"CSV UTF-8\"")
    return InvalidRequest(f"line {reader.line_num}: the file is not valid CSV ({exc})")


def check_header(raw: list[str]) -> list[str]:
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


def read_rows(reader, header: list[str], region: str,
              report: ImportReport) -> Iterator[ImportRow]:
    """Yield each readable row of `reader` (past its header); count and note the others."""
    at = {h: i for i, h in enumerate(header) if h in COLUMNS}
    width = len(header)
    # a column left out reads the cell past the end, which every row is padded with
    cells = itemgetter(*(at.get(c, width) for c in COLUMNS))
    pad = [""] * (width + 1)
    unnamed = [i for i, h in enumerate(header) if not h]
    moments: dict[str, datetime] = {}
    rows = iter(reader)
    while True:
        try:
            row = next(rows, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise unreadable(reader, exc) from None
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
            n = len(row)
            if n > width:
                raise InvalidRequest(
                    f"the row has more fields than the header ({n - width} extra)")
            if "\x00" in "".join(row):
                raise InvalidRequest("the row contains a NUL character")
            yield _parse_row(cells(row + pad[n:]), line, region, moments)
        except (InvalidPhone, InvalidRequest) as exc:
            report.invalid += 1
            report.note(line, row[at["phone"]].strip() if at["phone"] < len(row) else "",
                        str(exc))


def _parse_row(cells: tuple[str, ...], line: int, region: str,
               moments: dict[str, datetime]) -> ImportRow:
    """Return the row read and checked from its COLUMNS' cells."""
    phone, raw_name, crm_id, overall, moment_text = cells
    e164 = parse_phone(phone.strip(), region=region)
    # what the export wrote (GUARDED_CLIENT_COLUMNS), read back
    raw_name, crm_id = raw_name.strip(), crm_id.strip()
    if raw_name.startswith(GUARD):
        raw_name = unguard_cell(raw_name)
    if crm_id.startswith(GUARD):
        crm_id = unguard_cell(crm_id)
    name = key = None
    if raw_name or crm_id:
        name, crm_id = clean_client(raw_name or crm_id, crm_id)
        key = name_key(name)
    overall = overall.strip()
    overall = _OVERALLS[overall] if overall in _OVERALLS else _overall(overall)
    moment_text = moment_text.strip()
    moment = None
    if moment_text:
        moment = moments.get(moment_text) or _parse_moment(moment_text, moments)
        if overall in (OPTED_IN, UNKNOWN):
            raise InvalidRequest(f"opted_out_at is given but overall is {overall}")
        overall = OPTED_OUT  # a CRM that keeps only the opt-out date still means an opt-out
    return ImportRow(line, e164, name, crm_id or None,
                     None if overall == UNKNOWN else overall, moment, key)


def _overall(text: str) -> str | None:
    """Return an overall cell written another way (any case, - or space for _) as stored."""
    overall = text.lower().replace("-", "_").replace(" ", "_")
    if overall not in _OVERALLS:
        raise InvalidRequest(
            f"overall must be opted_in, opted_out, unknown or empty, not {overall!r}")
    return _OVERALLS[overall]


def _parse_moment(text: str, moments: dict[str, datetime]) -> datetime:
    """Return the opted_out_at cell `text` as naive UTC, and remember it in `moments`.

    Only a moment already past is remembered: time moves on, so it stays past, while a
    moment in the future is checked again on each row that gives it.
    """
    try:
        moment = to_naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidRequest(f"opted_out_at {text!r} is not an ISO 8601 date or time") from None
    if moment > utcnow():
        raise InvalidRequest(f"opted_out_at {text!r} is in the future")
    if len(moments) >= MOMENTS_KEPT:
        moments.clear()
    moments[text] = moment
    return moment
