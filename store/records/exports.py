"""CSV exports of clients with their consent, and of the whole event history, streamed."""

from __future__ import annotations

import csv
from collections import defaultdict
from typing import TextIO

from store.automations import AUTOMATIONS
from store.models import AutomationSwitch, Client, ConsentEvent, Phone
from store.vocabulary import ON, OPTED_OUT

PAGE = 5000
# The client file's layout, shared with imports.py so that what one writes the other reads:
# the import's columns first, then the state an import cannot set (it skips those columns).
IMPORT_COLUMNS = ("phone", "name", "crm_id", "overall", "opted_out_at")
CLIENT_COLUMNS = (*IMPORT_COLUMNS, "overall_source", "overall_changed_at", "carrier_blocked",
                  *AUTOMATIONS)
EXPORT_ONLY_COLUMNS = CLIENT_COLUMNS[len(IMPORT_COLUMNS):]
# free text: written through guard_cell, read back through unguard_cell
GUARDED_CLIENT_COLUMNS = ("name", "crm_id")
EVENT_COLUMNS = ("id", "phone", "scope", "old_state", "new_state", "source", "actor", "channel",
                 "outcome", "reason", "inbound_message_id", "raw_text", "rule",
                 "classifier_version", "note", "corrects_id", "occurred_at", "recorded_at")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def guard_cell(text: str | None) -> str:
    """Return free text safe to open in a spreadsheet: no cell may start a formula.

    Anyone can text anything; "=HYPERLINK(…)" must stay text in a compliance officer's Excel.
    """
    text = text or ""
    return GUARD + text if _guarded(text) else text


def unguard_cell(cell: str) -> str:
    """Return the text that guard_cell turned into `cell`."""
    return cell[1:] if cell.startswith(GUARD) and _guarded(cell[1:]) else cell


def _guarded(text: str) -> bool:
    # Text that already starts with apostrophes before a formula character gets one more too:
    # otherwise "'=x" would be written as is and read back as "=x".
    return text.lstrip(GUARD).startswith(FORMULA_STARTS)


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") + "Z" if moment else ""


def export_clients(out: TextIO) -> int:
    """Write one row per client (one per phone without clients); return the row count.

    The first five columns are the import's, so `smsprefs import` reads the file back as it was.
    """
    writer = csv.writer(out)
    writer.writerow(CLIENT_COLUMNS)
    count, last_id = 0, 0
    while True:  # keyset pages: three queries per page, whatever the table size
        phones = list(Phone.select().where(Phone.id > last_id).order_by(Phone.id).limit(PAGE))
        if not phones:
            return count
        last_id = phones[-1].id
        ids = [p.id for p in phones]
        clients, switches = defaultdict(list), defaultdict(dict)
        for c in Client.select().where(Client.phone.in_(ids)).order_by(Client.name_key):
            clients[c.phone_id].append(c)
        for s in AutomationSwitch.select().where(AutomationSwitch.phone.in_(ids)):
            switches[s.phone_id][s.automation] = s.state
        for p in phones:
            consent = [p.overall, _iso(p.overall_changed_at) if p.overall == OPTED_OUT else "",
                       p.overall_source, _iso(p.overall_changed_at),
                       "true" if p.carrier_blocked else "false",
                       *(switches[p.id].get(a, ON) for a in AUTOMATIONS)]
            for c in clients[p.id] or [None]:
                cells = [p.e164, c.name if c else "", c.crm_id if c else "", *consent]
                writer.writerow([guard_cell(v) if column in GUARDED_CLIENT_COLUMNS else v
                                 for column, v in zip(CLIENT_COLUMNS, cells, strict=True)])
                count += 1


def export_events(out: TextIO) -> int:
    """Write every consent event, oldest first; return the row count."""
    writer = csv.writer(out)
    writer.writerow(EVENT_COLUMNS)
    count = 0
    query = (ConsentEvent.select(ConsentEvent, Phone.e164).join(Phone)
             .order_by(ConsentEvent.id).objects())
    for e in query.iterator():
        writer.writerow([e.id, e.e164, e.scope, e.old_state, e.new_state, e.source,
                         guard_cell(e.actor), e.channel, e.outcome, e.reason or "",
                         guard_cell(e.inbound_message_id), guard_cell(e.raw_text), e.rule or "",
                         e.classifier_version or "", guard_cell(e.note), e.corrects_id or "",
                         _iso(e.occurred_at), _iso(e.recorded_at)])
        count += 1
    return count
