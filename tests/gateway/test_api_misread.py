"""POST /api/v1/clients/<phone>/misread (SPEC rule 11) through the real Flask app; every
answer is checked against the OpenAPI document (tests/gateway/conftest.py)."""

from __future__ import annotations

import pytest

from store.consent.changes import apply_client_intent
from store.consent.history import EventContext
from store.models import ConsentEvent
from tests.factories import OTHER, PHONE, client_texts, staff_sets

NOTE = "She meant the trade-in mailing list, not texts"


def said(text: str = "take me off your list", scope: str = "all", *,
         rule: str = "natural_language", e164: str = PHONE) -> int:
    """Apply a client's opt-out the classifier read with `rule`; return its event id."""
    context = EventContext(inbound_message_id=f"msg-{text}", raw_text=text, rule=rule,
                           classifier_version="test")
    return apply_client_intent(e164, intent="opt_out", scope=scope, context=context).event_ids[0]


def misread(api, event_id, phone: str = PHONE, **body):
    return api("POST", f"/clients/{phone}/misread",
               json={"event_id": event_id, "actor": "crm:jo", "note": NOTE, **body})


def test_a_natural_language_opt_out_marked_misread_answers_the_new_document(api):
    api("PUT", f"/clients/{PHONE}", json={"name": "Ana Diaz"})
    opt_out = said()
    response = misread(api, opt_out, phone="(212) 555-0100")
    assert response.status_code == 200
    document = response.get_json()
    assert document == api("GET", f"/clients/{PHONE}").get_json()
    assert (document["overall"], document["overall_source"], document["locked"]) == (
        "unknown", "staff", False)
    assert {s["state"] + "/" + s["source"] for s in document["automations"].values()} == {
        "on/staff"}
    events = api("GET", f"/clients/{PHONE}/events").get_json()["events"]
    corrections = [e for e in events if e["corrects_event_id"] == opt_out]
    assert len(corrections) == 3
    assert {(e["source"], e["reason"], e["note"], e["actor"], e["channel"], e["outcome"])
            for e in corrections} == {("staff", "misread", NOTE, "crm:jo", "api", "applied")}
    assert all(e["corrects_event_id"] is None for e in events if e not in corrections)


@pytest.mark.parametrize(("setup", "reason"), [
    ("keyword", "not_natural_language"),
    ("scoped_keyword", "not_natural_language"),
    ("staff", "not_client_opt_out"),
    ("corrected", "already_corrected"),
    ("confirmed", "confirmed_by_client"),
    ("client_start", "state_changed"),
    ("opted_out_since", "opted_out"),
])
def test_a_correction_rule_11_forbids_is_409_and_recorded(api, setup, reason):
    if setup == "keyword":
        event = said("STOP", rule="keyword")
    elif setup == "scoped_keyword":
        event = said("STOP PRICE DROP", "price_reduction", rule="scoped_keyword")
    elif setup == "staff":
        event = staff_sets(PHONE, overall="opted_out").event_ids[0]
    elif setup == "corrected":
        event = said()
        assert misread(api, event).status_code == 200
    elif setup == "confirmed":
        event = said("no more price drop alerts", "price_reduction",
                     rule="scoped_natural_language")
        client_texts(PHONE, "opt_out", "new_vehicle_arrival", text="STOP NEW ARRIVALS")
    elif setup == "client_start":
        event = said()
        client_texts(PHONE, "opt_in", text="START")
    else:
        event = said("no more price drop alerts", "price_reduction",
                     rule="scoped_natural_language")
        staff_sets(PHONE, overall="opted_out")
    before = api("GET", f"/clients/{PHONE}").get_json()
    response = misread(api, event)
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == reason and body["message"]
    assert list(body["refused"].values()) == [reason]
    assert api("GET", f"/clients/{PHONE}").get_json() == before
    last = api("GET", f"/clients/{PHONE}/events").get_json()["events"][0]
    assert (last["outcome"], last["reason"], last["corrects_event_id"], last["note"]) == (
        "refused", reason, event, NOTE)


def test_a_blank_note_is_422_and_recorded(api):
    event = said()
    response = misread(api, event, note="  \n ")
    assert response.status_code == 422
    assert response.get_json()["error"] == "note_required"
    assert api("GET", f"/clients/{PHONE}").get_json()["locked"] is True
    last = api("GET", f"/clients/{PHONE}/events").get_json()["events"][0]
    assert (last["outcome"], last["reason"]) == ("refused", "note_required")


def test_an_unknown_phone_or_event_is_404_and_records_nothing(api):
    other = said(e164=OTHER)
    assert misread(api, other).status_code == 404  # PHONE was never seen
    staff_sets(PHONE, overall="opted_out")
    events = ConsentEvent.select().count()
    for event_id in (other, 999_999):
        response = misread(api, event_id)
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    assert ConsentEvent.select().count() == events


@pytest.mark.parametrize(("body", "words"), [
    ({"note": None}, "missing field note"),
    ({"actor": None}, "missing field actor"),
    ({"event_id": None}, "missing field event_id"),
    ({"event_id": "7"}, "event_id must be a whole number"),
    ({"event_id": True}, "event_id must be a whole number"),
    ({"event_id": 0}, "event_id must be a whole number from 1 to"),
    ({"event_id": 2**63}, "event_id must be a whole number from 1 to"),
    ({"note": ["x"]}, "note must be a string"),
    ({"note": "a\x00b"}, "note must not contain a control character"),
    ({"actor": " "}, "actor must not be blank"),
    ({"why": "x"}, "unknown field why"),
])
def test_a_malformed_correction_is_400_before_anything_happens(api, body, words):
    event = said()
    events = ConsentEvent.select().count()
    response = api("POST", f"/clients/{PHONE}/misread",
                   json={**{"event_id": event, "actor": "crm", "note": NOTE}, **body})
    assert response.status_code == 400
    assert words in response.get_json()["message"]
    assert ConsentEvent.select().count() == events


def test_an_invalid_phone_in_the_path_is_422(api):
    response = misread(api, 1, phone="555-01")
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_phone"
