"""A phone's consent record (SPEC section 11): the database's events with the content their
hashes cover, the consent now, the store's head; and the documents a person reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from store.clock import utcnow
from store.consent.chain import CHAIN_FIELDS, GENESIS, canonical, link
from store.db import db
from store.errors import InvalidPhone, NotFound
from store.messaging.outbox import mark_sent, queue_message
from store.models import ConsentEvent, OutboundMessage, Phone
from store.records import make_proof, proof_html, proof_markdown, unsound_events, upsert_client
from tests.factories import OTHER, PHONE, ZONE, as_superuser, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
NOON = utcnow().replace(hour=17, minute=0)  # within every US zone's sending hours


def history():
    """Two phones whose events interleave; PHONE's opt-out answers a text sent to it."""
    upsert_client(PHONE, name="Ana | <b>Díaz</b>", crm_id="C1")
    message = queue_message(to=PHONE, text="Price drop!", kind="manual", fallback_zone=ZONE,
                            now=NOON)
    mark_sent(message.id, vonage_message_id="v-1")
    OutboundMessage.update(sent_at=utcnow() - timedelta(hours=1)).where(
        OutboundMessage.id == message.id).execute()
    client_texts(PHONE, "opt_out", text="stop texting me\nplease | *now*")
    staff_sets(OTHER, overall="opted_in", note="signed the form at the desk")
    client_texts(PHONE, "opt_in", text="START")
    staff_sets(PHONE, automations={"price_reduction": "off"})
    return message


def stored_values(event: ConsentEvent, e164: str) -> list:
    return [e164 if f == "phone" else event.corrects_id if f == "corrects" else getattr(event, f)
            for f in CHAIN_FIELDS]


def test_the_record_holds_every_event_of_the_phone_as_the_database_holds_it():
    message = history()
    record = make_proof("(212) 555-0100", dealership="Acme Motors")
    rows = list(ConsentEvent.select().join(Phone).where(Phone.e164 == PHONE)
                .order_by(ConsentEvent.id))
    assert [e["id"] for e in record["events"]] == [r.id for r in rows]
    assert len(rows) < ConsentEvent.select().count()  # OTHER's events are not in it
    for event, row in zip(record["events"], rows, strict=True):
        values = stored_values(row, PHONE)
        assert event["content"] == canonical(values).decode()
        assert event["hash"] == row.hash == link(row.prev_hash, values)
        assert event["prev_hash"] == row.prev_hash
        assert json.loads(event["content"]) == [event[f] for f in CHAIN_FIELDS]
    first = record["events"][0]
    assert first["raw_text"] == "stop texting me\nplease | *now*" and first["actor"] == "client"
    assert (first["cause_message_id"], first["cause_kind"]) == (message.id, "manual")
    assert first["occurred_at"] == rows[0].occurred_at.isoformat(sep=" ",
                                                                 timespec="microseconds")
    assert unsound_events(record) == []


def test_the_record_states_the_consent_now_and_the_stores_head():
    history()
    record = make_proof(PHONE, now=datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    last = ConsentEvent.select().order_by(ConsentEvent.id.desc()).first()
    assert record["store"] == {"events": ConsentEvent.select().count(),
                               "head_event_id": last.id, "head_hash": last.hash}
    assert record["generated_at"] == "2026-11-30T15:00:00.000000Z"
    state = record["state"]
    assert state["overall"] == "opted_in" and state["overall_source"] == "client_keyword"
    assert state["automations"]["price_reduction"]["state"] == "off"
    assert state["automations"]["price_reduction"]["source"] == "staff"
    assert state["clients"] == [{"name": "Ana | <b>Díaz</b>", "crm_id": "C1"}]
    assert state["carrier_blocked"] is False and state["pending_review"] is False
    assert record["chain"]["fields"] == list(CHAIN_FIELDS)
    assert record["chain"]["algorithm"] == "sha256" and record["chain"]["genesis"] == GENESIS


def test_an_unknown_or_invalid_phone_has_no_record():
    with pytest.raises(NotFound):
        make_proof(PHONE)
    with pytest.raises(InvalidPhone):
        make_proof("not a phone")


def test_a_row_edited_by_hand_shows_as_stored_and_is_named_unsound():
    history()
    target = ConsentEvent.select().join(Phone).where(Phone.e164 == PHONE).first()
    as_superuser(f'UPDATE consent_event SET "raw_text" = {db.obj.param} WHERE id = '
                 f'{db.obj.param}', ("hello", target.id))
    record = make_proof(PHONE)
    assert record["events"][0]["raw_text"] == "hello"  # what the store holds, not hidden
    assert unsound_events(record) == [target.id]


def test_the_markdown_says_every_event_its_hashes_and_how_to_check():
    history()
    record = make_proof(PHONE, dealership="Acme Motors")
    text = proof_markdown(record, zone=ZONE)
    assert text.startswith("# Consent record of +12125550100\n")
    assert "## How to check this record" in text and "check_proof.py" in text
    assert "smsprefs verify" in text and record["store"]["head_hash"] in text
    for event in record["events"]:
        assert f"### Event {event['id']}, " in text
        assert f"`{event['hash']}`" in text
    # a client's words cannot break the table: pipes, markup and line breaks are escaped
    assert "“stop texting me ⏎ please \\| \\*now\\*”" in text
    assert "Ana \\| \\<b\\>Díaz\\</b\\> (CRM C1)" in text
    assert "signed the form" not in text  # OTHER's note is not PHONE's record
    # times in the dealership's zone, with the exact UTC time the hash covers
    occurred = record["events"][0]["occurred_at"]
    assert f"({occurred} UTC)" in text


def test_the_html_page_escapes_what_clients_wrote():
    history()
    page = proof_html(make_proof(PHONE), zone=ZONE)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "&lt;b&gt;Díaz&lt;/b&gt;" in page and "<b>" not in page
    assert "stop texting me\nplease | *now*" in page  # shown exactly (pre-wrap)
    assert "<h2>How to check this record</h2>" in page


def test_a_phone_without_events_has_a_record_of_its_defaults():
    upsert_client(PHONE, name="Ana")
    record = make_proof(PHONE)
    assert record["events"] == [] and record["state"]["overall"] == "unknown"
    assert record["store"] == {"events": 0, "head_event_id": None, "head_hash": GENESIS}
    assert "No consent event is recorded" in proof_markdown(record, zone=ZONE)
