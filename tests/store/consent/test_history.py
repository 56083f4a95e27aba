"""The history is append-only, replays to the current state, and exports round-trip."""

from __future__ import annotations

import csv
import io

import pytest
from peewee import DatabaseError

from store.consent.replay import verify
from store.db import db
from store.models import AutomationSwitch, ConsentEvent, Phone
from store.records.exports import export_clients, export_events
from store.records.imports import import_csv
from tests.factories import PHONE, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")


@pytest.mark.parametrize("statement", [
    "UPDATE consent_event SET new_state = 'opted_in'",
    "DELETE FROM consent_event",
])
def test_the_database_refuses_to_rewrite_history(statement):
    client_texts(PHONE, "opt_out")
    with pytest.raises(DatabaseError, match="append-only"), db.atomic():
        db.execute_sql(statement)
    assert ConsentEvent.select().where(ConsentEvent.new_state == "opted_out").count() == 1


def test_verify_finds_a_state_changed_behind_the_history_back():
    client_texts(PHONE, "opt_out")
    staff_sets("+12125550101", automations={"price_reduction": "off"})
    assert list(verify()) == []
    Phone.update(overall="opted_in", overall_source="staff").where(Phone.e164 == PHONE).execute()
    AutomationSwitch.update(state="on").where(AutomationSwitch.source == "staff").execute()
    Phone.insert(e164="+12125550109", carrier_blocked=True).execute()
    found = {(m.e164, m.scope, m.expected, m.actual) for m in verify()}
    assert found == {
        (PHONE, "overall", "opted_out/client_keyword", "opted_in/staff"),
        ("+12125550101", "price_reduction", "off/staff", "on/staff"),
        ("+12125550109", "carrier", "clear", "blocked"),
    }


def test_export_clients_round_trips_through_import():
    client_texts(PHONE, "opt_out")
    staff_sets("+12125550101", overall="opted_in", note="form")
    import_csv(io.StringIO("phone,name,crm_id\n2125550100,Ana,C1\n2125550100,Al,C2\n"),
               source_name="a.csv")
    out = io.StringIO()
    assert export_clients(out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["phone"], r["name"], r["overall"], r["price_reduction"]) for r in rows] == [
        (PHONE, "Al", "opted_out", "off"), (PHONE, "Ana", "opted_out", "off"),
        ("+12125550101", "", "opted_in", "on")]
    assert rows[0]["opted_out_at"].endswith("Z")
    # importing the export changes nothing: every row restates what is already there
    events_before = ConsentEvent.select().count()
    report = import_csv(io.StringIO(out.getvalue()), source_name="export.csv")
    assert (report.rows, report.applied, report.skipped, report.invalid) == (3, 0, 0, 0)
    assert ConsentEvent.select().count() == events_before
    events = io.StringIO()
    assert export_events(events) == events_before
    lines = list(csv.DictReader(io.StringIO(events.getvalue())))
    assert lines[0]["phone"] == PHONE and lines[0]["raw_text"] == "STOP"
    assert [r["id"] for r in lines] == sorted((r["id"] for r in lines), key=int)


def forge(e164: str, old: str, new: str) -> None:
    """Write an event and its state by hand, as someone bypassing the store would."""
    from store.clock import utcnow

    now = utcnow()
    phone = Phone.get(Phone.e164 == e164)
    ConsentEvent.insert(phone=phone, scope="overall", old_state=old, new_state=new,
                        source="staff", actor="U_FORGER", channel="slack", outcome="applied",
                        occurred_at=now, recorded_at=now).execute()
    Phone.update(overall=new, overall_source="staff").where(Phone.id == phone.id).execute()


def test_verify_finds_hand_made_events_that_broke_a_rule():
    client_texts(PHONE, "opt_out")
    forge(PHONE, "opted_out", "opted_in")
    staff_sets("+12125550101", automations={"price_reduction": "off"})  # a phone row
    forge("+12125550101", "unknown", "opted_in")
    found = {(m.e164, m.expected) for m in verify()}
    assert found == {(PHONE, "only the client's own text may lift this lock"),
                     ("+12125550101", "staff need an evidence note for this change")}


def nl_opt_out(e164: str = PHONE, rule: str = "natural_language") -> int:
    from store.consent.changes import apply_client_intent
    from store.consent.history import EventContext

    context = EventContext(inbound_message_id="m1", raw_text="take me off your list", rule=rule)
    return apply_client_intent(e164, intent="opt_out", scope="all", context=context).event_ids[0]


def forge_misread(e164: str, corrects: int, old: str, new: str, *, note: str | None = "n",
                  scope: str = "overall") -> None:
    """Write a misread correction by hand, with its state."""
    from store.clock import utcnow

    now = utcnow()
    phone = Phone.get(Phone.e164 == e164)
    ConsentEvent.insert(phone=phone, scope=scope, old_state=old, new_state=new, source="staff",
                        actor="U_FORGER", channel="slack", outcome="applied", reason="misread",
                        note=note, corrects=corrects, occurred_at=now, recorded_at=now).execute()
    if scope == "overall":
        Phone.update(overall=new, overall_source="staff").where(Phone.id == phone.id).execute()
    else:
        (AutomationSwitch.update(state=new, source="staff")
         .where(AutomationSwitch.phone == phone, AutomationSwitch.automation == scope).execute())


def test_verify_replays_a_misread_correction_as_a_lawful_end_of_a_lock():
    from store.consent.changes import correct_misread
    from tests.factories import STAFF

    opt_out = nl_opt_out()
    assert correct_misread(PHONE, opt_out, actor=STAFF, note="meant the mailing list").changed
    assert list(verify()) == []


def test_verify_flags_misread_corrections_that_break_rule_11():
    keyword = nl_opt_out(rule="keyword")  # an opt-out word: never misread
    forge_misread(PHONE, keyword, "opted_out", "unknown")
    confirmed = nl_opt_out("+12125550101")
    client_texts("+12125550101", "opt_out", "price_reduction", text="STOP PRICE DROP")
    forge_misread("+12125550101", confirmed, "opted_out", "unknown")
    no_note = nl_opt_out("+12125550102")
    forge_misread("+12125550102", no_note, "opted_out", "unknown", note=" ")
    elsewhere = nl_opt_out("+12125550103")  # returns overall to opted_in, never its state
    forge_misread("+12125550103", elsewhere, "opted_out", "opted_in")
    found = {(m.e164, m.expected) for m in verify()}
    assert found == {
        (PHONE, "rule 11: only an opt-out read from natural language may be marked misread"),
        ("+12125550101", "rule 11: the client confirmed this opt-out by texting again"),
        ("+12125550102", "rule 11: a misread correction is made by staff, with a note"),
        ("+12125550103",
         "rule 11: a misread correction returns the state from before the opt-out"),
    }


def test_verify_flags_a_second_correction_and_a_lock_handed_to_staff_without_one():
    from store.consent.changes import correct_misread
    from tests.factories import STAFF

    opt_out = nl_opt_out()
    correct_misread(PHONE, opt_out, actor=STAFF, note="meant the mailing list")
    staff_sets(PHONE, overall="opted_out")
    forge_misread(PHONE, opt_out, "opted_out", "unknown")
    client_texts("+12125550101", "opt_out")
    forge("+12125550101", "opted_out", "opted_out")  # the lock quietly becomes staff's
    found = {(m.e164, m.expected) for m in verify()}
    assert found == {(PHONE, "rule 11: this opt-out was corrected already"),
                     ("+12125550101", "only the client's own text may lift this lock")}
