"""/api/v1 through the real Flask app on the test database; every answer is checked
against the OpenAPI document (tests/gateway/conftest.py)."""

from __future__ import annotations

import logging

import pytest

from gateway.app import create_app
from gateway.openapi import document
from store.consent.changes import set_carrier_block
from store.db import open_database
from store.models import ConsentEvent, OutboundMessage
from tests.factories import OTHER, PHONE, client_texts, staff_sets
from tests.gateway.conftest import API_TOKEN, make_config

THIRD, FOURTH = "+12125550102", "+12125550103"


@pytest.fixture(autouse=True)
def wakes(app, database):
    """Record each wake-up of the send worker, with what another connection sees then."""
    calls = []

    class Recorder:
        def wake(self, delay: int = 0) -> None:
            other = open_database(database.url)
            with other.connection_context():
                calls.append(other.execute_sql(
                    "SELECT COUNT(*) FROM outbound_message WHERE status IN "
                    "('queued', 'scheduled')").fetchone()[0])
            if hasattr(other, "close_all"):
                other.close_all()

    app.extensions["smsprefs.queue"] = Recorder()
    return calls


def send(api, kind: str = "manual", to: str = PHONE, **extra):
    return api("POST", "/messages", json={"to": to, "text": "Hi from Acme", "kind": kind,
                                          **extra})


# --- the token -------------------------------------------------------------------------

ROUTES = [(m.upper(), t.replace("{phone}", PHONE).replace("{message_id}", "1")
           .replace("{campaign_id}", "1"))
          for t, item in document()["paths"].items() for m in item if m != "parameters"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"},
                                     {"Authorization": f"Basic {API_TOKEN}"},
                                     {"Authorization": "Bearer "}])
def test_every_endpoint_answers_401_without_the_token(client, headers):
    for method, path in [*ROUTES, ("GET", "/nowhere")]:
        response = client.open(f"/api/v1{path}", method=method, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "wrong-token" not in response.get_data(as_text=True)


def test_without_a_configured_token_the_api_is_off(database, tmp_path):
    app = create_app(make_config(database, tmp_path, SMSPREFS_API_TOKEN=""))
    response = app.test_client().get(f"/api/v1/clients/{PHONE}",
                                     headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert "SMSPREFS_API_TOKEN is not set" in response.get_json()["message"]


def test_the_token_never_reaches_an_answer_or_the_log(api, client, caplog):
    caplog.set_level(logging.DEBUG)
    api("PUT", f"/clients/{PHONE}", json={"name": "Ana"})
    api("PATCH", f"/clients/{PHONE}/preferences", json={"overall": "opted_in", "actor": "crm"})
    api("GET", f"/clients/{PHONE}/events")
    client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer nope"})
    assert API_TOKEN not in caplog.text  # and conftest checked every answer


# --- request bodies ----------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"not json", b"[1, 2]", b'"text"', b"null", b"{"])
def test_a_body_that_is_not_a_json_object_is_400(api, data):
    response = api("PUT", f"/clients/{PHONE}", data=data, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_a_body_over_64_kib_is_413_in_json(api):
    response = api("POST", "/classify", json={"text": "x" * 70_000})
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"


@pytest.mark.parametrize(("body", "words"), [
    ({"name": "Ana", "email": "a@b.c"}, "unknown field email"),
    ({"crm_id": "C1"}, "missing field name"),
    ({"name": 7}, "name must be a string"),
    ({"name": "Ana", "crm_id": ["C1"]}, "crm_id must be a string"),
])
def test_unknown_keys_missing_keys_and_wrong_types_are_400(api, body, words):
    response = api("PUT", f"/clients/{PHONE}", json=body)
    assert response.status_code == 400
    assert words in response.get_json()["message"]


# --- clients -----------------------------------------------------------------------------

def test_a_phone_never_seen_is_404(api):
    response = api("GET", f"/clients/{PHONE}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("PUT", ""), ("GET", "/events"),
                                                ("PATCH", "/preferences")])
def test_an_invalid_phone_in_the_path_is_422(api, method, suffix):
    body = {"name": "Ana"} if method == "PUT" else {"overall": "opted_out", "actor": "crm"}
    response = api(method, f"/clients/555-01{suffix}", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_phone"


def test_put_creates_and_updates_clients_without_touching_consent(api):
    created = api("PUT", "/clients/(212) 555-0100", json={"name": "Ana Diaz", "crm_id": None})
    assert created.status_code == 200
    assert created.get_json() == {
        "phone": PHONE, "clients": [{"name": "Ana Diaz", "crm_id": None}],
        "overall": "unknown", "overall_source": "default", "overall_changed_at": None,
        "locked": False, "carrier_blocked": False, "pending_review": False,
        "automations": {name: {"state": "on", "source": "default", "locked": False}
                        for name in ("price_reduction", "new_vehicle_arrival")}}
    api("PUT", "/clients/2125550100", json={"name": "ana  diaz", "crm_id": "C1"})
    api("PUT", "/clients/+1 212 555 0100", json={"name": "Ben Diaz"})
    document = api("GET", "/clients/212.555.0100").get_json()
    assert document["clients"] == [{"name": "Ben Diaz", "crm_id": None},
                                   {"name": "ana diaz", "crm_id": "C1"}]
    assert api("GET", f"/clients/{PHONE}/events").get_json()["events"] == []


def test_put_refuses_a_blank_name(api):
    response = api("PUT", f"/clients/{PHONE}", json={"name": "   "})
    assert response.status_code == 400
    assert "name" in response.get_json()["message"]


# --- preferences -------------------------------------------------------------------------

def prefs(api, phone: str = PHONE, **body):
    return api("PATCH", f"/clients/{phone}/preferences", json={"actor": "crm:jo", **body})


def test_scenario_1_price_drops_off_while_everything_else_still_goes(api):
    response = prefs(api, automations={"price_reduction": "off"})
    assert response.status_code == 200
    assert response.get_json()["automations"]["price_reduction"] == {
        "state": "off", "source": "staff", "locked": False}
    blocked = send(api, "automation", automation="price_reduction")
    assert blocked.status_code == 409
    assert blocked.get_json()["reason"] == "automation_off"
    assert "Price Reduction Notifications are off" in blocked.get_json()["message"]
    assert send(api, "manual").status_code == 202
    assert send(api, "automation", automation="new_vehicle_arrival").status_code == 202


def test_scenario_2_a_staff_opt_out_stops_everything_and_staff_may_undo_it_with_a_note(api):
    response = prefs(api, overall="opted_out", note="asked on the phone")
    document = response.get_json()
    assert (document["overall"], document["overall_source"], document["locked"]) == (
        "opted_out", "staff", False)
    assert document["overall_changed_at"].endswith("Z")
    assert {s["state"] + "/" + s["source"] for s in document["automations"].values()} == {
        "off/cascade"}
    for kind, extra in [("manual", {}), ("work_plan", {}), ("lead_autoresponder", {}),
                        ("campaign", {}), ("automation", {"automation": "price_reduction"})]:
        blocked = send(api, kind, **extra)
        assert blocked.status_code == 409, kind
        assert blocked.get_json()["reason"] == "opted_out"
    no_note = prefs(api, overall="opted_in")
    assert no_note.status_code == 422
    assert no_note.get_json()["error"] == "evidence_required"
    back = prefs(api, overall="opted_in", note="client re-consented by phone, Nov 26")
    assert back.status_code == 200
    assert back.get_json()["overall"] == "opted_in"
    assert back.get_json()["automations"]["price_reduction"]["state"] == "on"


def test_a_keyword_opt_out_is_locked_against_the_api(api):
    client_texts(PHONE, "opt_out")
    response = prefs(api, overall="opted_in", note="the client said yes in the store")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "locked"
    assert body["refused"] == {"overall": "locked"}
    assert "only the client can turn it back on, by texting START" in body["message"]
    assert api("GET", f"/clients/{PHONE}").get_json()["locked"] is True
    refused = api("GET", f"/clients/{PHONE}/events").get_json()["events"][0]
    assert (refused["outcome"], refused["reason"], refused["actor"], refused["channel"]) == (
        "refused", "locked", "crm:jo", "api")


def test_a_refused_scope_applies_nothing(api):
    client_texts(PHONE, "opt_out", scope="price_reduction", text="STOP PRICE DROP")
    response = prefs(api, automations={"price_reduction": "on", "new_vehicle_arrival": "off"})
    assert response.status_code == 409
    assert response.get_json()["refused"] == {"price_reduction": "locked",
                                              "new_vehicle_arrival": "with_refused_part"}
    switches = api("GET", f"/clients/{PHONE}").get_json()["automations"]
    assert switches["new_vehicle_arrival"]["state"] == "on"
    assert switches["price_reduction"] == {"state": "off", "source": "client_keyword",
                                           "locked": True}


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"overall": "opted_out"}, 400, "missing field actor"),
    ({"overall": "opted_out", "actor": "  "}, 400, "actor must not be blank"),
    ({"overall": "opted_out", "actor": "x" * 121}, 400, "at most 120"),
    ({"overall": "opted_out", "actor": "crm", "why": "x"}, 400, "unknown field why"),
    ({"automations": ["price_reduction"], "actor": "crm"}, 400, "an object of strings"),
    ({"automations": {"price_reduction": False}, "actor": "crm"}, 400, "object of strings"),
    ({"overall": "maybe", "actor": "crm"}, 400, "overall must be one of"),
    ({"automations": {"price_reduction": "yes"}, "actor": "crm"}, 400, "'on' or 'off'"),
    ({"actor": "crm"}, 400, "nothing to change"),
    ({"automations": {"deals": "off"}, "actor": "crm"}, 422, "unknown automation 'deals'"),
])
def test_a_malformed_change_is_refused_before_anything_happens(api, body, status, words):
    response = api("PATCH", f"/clients/{PHONE}/preferences", json=body)
    assert response.status_code == status
    assert words in response.get_json()["message"]
    assert ConsentEvent.select().count() == 0


# --- events ------------------------------------------------------------------------------

def test_events_come_newest_first_in_pages(api):
    client_texts(PHONE, "opt_out", text="Stop please")
    staff_sets(PHONE, automations={"price_reduction": "off"})
    first = api("GET", f"/clients/{PHONE}/events?limit=2").get_json()
    assert len(first["events"]) == 2
    ids = [e["id"] for e in first["events"]]
    assert ids == sorted(ids, reverse=True)
    rest = api("GET", f"/clients/{PHONE}/events?limit=2&before={first['next_before']}")
    events = first["events"] + rest.get_json()["events"]
    assert rest.get_json()["next_before"] is None
    assert len(events) == 4  # the opt-out, its two cascades, the staff untick
    stop = events[-1]
    assert (stop["scope"], stop["new_state"], stop["source"], stop["raw_text"]) == (
        "overall", "opted_out", "client_keyword", "Stop please")
    assert stop["inbound_message_id"] == "msg-Stop please" and stop["rule"] == "keyword"
    assert stop["occurred_at"].endswith("Z") and stop["recorded_at"].endswith("Z")


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=ten", "before=0",
                                   "before=x"])
def test_bad_event_paging_is_400(api, query):
    client_texts(PHONE, "opt_out")
    assert api("GET", f"/clients/{PHONE}/events?{query}").status_code == 400


def test_events_of_a_phone_never_seen_are_404(api):
    assert api("GET", f"/clients/{OTHER}/events").status_code == 404


# --- messages ----------------------------------------------------------------------------

def test_an_accepted_text_is_committed_then_the_worker_is_woken(api, wakes):
    response = send(api, to="(212) 555-0100", actor="crm:jo")
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued" and body["send_at"].endswith("Z")
    assert wakes == [1]  # another connection already saw the message
    message = api("GET", f"/messages/{body['id']}").get_json()
    assert message == {**message, "to": PHONE, "kind": "manual", "automation": None,
                       "status": "queued", "reason": None, "vonage_message_id": None,
                       "sent_at": None, "campaign_id": None}


def test_a_blocked_text_is_409_and_recorded(api, wakes):
    set_carrier_block(PHONE, blocked=True)
    response = send(api)
    assert response.status_code == 409
    body = response.get_json()
    assert (body["error"], body["status"], body["reason"]) == (
        "blocked", "blocked", "carrier_blocked")
    assert "carrier" in body["message"]
    recorded = api("GET", f"/messages/{body['id']}").get_json()
    assert (recorded["status"], recorded["reason"]) == ("blocked", "carrier_blocked")
    assert wakes == []


def test_an_invalid_recipient_is_422_and_nothing_is_recorded(api, wakes):
    response = send(api, to="555-01")
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_phone"
    assert OutboundMessage.select().count() == 0 and wakes == []


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"kind": "confirmation"}, 400, "kind must be one of manual"),
    ({"kind": "fax"}, 400, "kind must be one of"),
    ({"kind": "automation"}, 400, "must name its automation type"),
    ({"kind": "automation", "automation": "deals"}, 422, "unknown automation"),
    ({"automation": "price_reduction"}, 400, "only kind 'automation'"),
    ({"text": "  "}, 400, "text must not be blank"),
    ({"text": "x" * 1601}, 400, "at most 1600"),
    ({"text": 5}, 400, "text must be a string"),
    ({"to": 2125550100}, 400, "to must be a string"),
    ({"actor": "x" * 121}, 400, "at most 120"),
])
def test_a_malformed_text_is_refused_and_not_recorded(api, body, status, words):
    response = api("POST", "/messages", json={"to": PHONE, "text": "Hi", "kind": "manual",
                                              **body})
    assert response.status_code == status
    assert words in response.get_json()["message"]
    assert OutboundMessage.select().count() == 0


@pytest.mark.parametrize("path", ["/messages/999", "/messages/abc", "/campaigns/999",
                                  "/clients//events", "/messages//1"])
def test_a_missing_message_or_campaign_is_404(api, path):
    response = api("GET", path)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


# --- campaigns ---------------------------------------------------------------------------

def campaign(api, recipients, **extra):
    return api("POST", "/campaigns", json={"name": "November deals", "text": "Deals!",
                                           "recipients": recipients, "actor": "crm:jo",
                                           **extra})


def test_a_campaign_counts_who_it_reaches_and_who_it_leaves_out(api, wakes):
    staff_sets(PHONE, overall="opted_in", note="signed the form")
    client_texts(OTHER, "opt_out")
    set_carrier_block(FOURTH, blocked=True)
    response = campaign(api, ["(212) 555-0100", PHONE, OTHER, THIRD, FOURTH, "nope"])
    assert response.status_code == 202
    body = response.get_json()
    assert body["queued"] + body["scheduled"] == 1
    assert body["excluded"] == {"opted_out": 1, "unknown_excluded": 1, "automation_off": 0,
                                "carrier_blocked": 1, "invalid_number": 1, "duplicate": 1}
    assert len(wakes) == 1
    details = api("GET", f"/campaigns/{body['id']}").get_json()
    assert (details["name"], details["actor"], details["include_unknown"]) == (
        "November deals", "crm:jo", False)
    assert details["counts"] == {"queued": body["queued"], "scheduled": body["scheduled"],
                                 **body["excluded"]}
    assert details["statuses"]["blocked"] == 4
    assert {r["phone"]: r["reason"] for r in details["recipients"]} == {
        PHONE: None, OTHER: "opted_out", THIRD: "unknown_excluded",
        FOURTH: "carrier_blocked", "nope": "invalid_number"}


def test_campaign_recipients_come_in_pages(api):
    body = campaign(api, [PHONE, OTHER, THIRD, FOURTH, "+12125550104"],
                    include_unknown=True).get_json()
    assert body["queued"] + body["scheduled"] == 5
    seen, after, pages = [], 0, 0
    while after is not None:
        page = api("GET", f"/campaigns/{body['id']}?limit=2&after={after}").get_json()
        seen += [r["phone"] for r in page["recipients"]]
        after, pages = page["next_after"], pages + 1
    assert pages == 3
    assert seen == [PHONE, OTHER, THIRD, FOURTH, "+12125550104"]
    assert api("GET", f"/campaigns/{body['id']}?limit=5").get_json()["next_after"] is None


@pytest.mark.parametrize(("body", "words"), [
    ({"recipients": []}, "recipients must not be empty"),
    ({"recipients": PHONE}, "recipients must be a list of strings"),
    ({"recipients": [2125550100]}, "recipients must be a list of strings"),
    ({"actor": None}, "missing field actor"),
    ({"actor": ""}, "actor must not be blank"),
    ({"actor": " "}, "actor must not be blank"),
    ({"name": "x" * 201}, "at most 200"),
    ({"include_unknown": "yes"}, "include_unknown must be true or false"),
])
def test_a_malformed_campaign_is_400(api, body, words):
    response = api("POST", "/campaigns", json={"name": "Deals", "text": "Deals!",
                                               "recipients": [PHONE], "actor": "crm",
                                               **body})
    assert response.status_code == 400
    assert words in response.get_json()["message"]


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "after=-1", "after=x"])
def test_bad_recipient_paging_is_400(api, query):
    body = campaign(api, [PHONE]).get_json()
    assert api("GET", f"/campaigns/{body['id']}?{query}").status_code == 400


def test_a_campaign_finds_consent_whatever_the_format_of_a_recipient(api):
    client_texts(OTHER, "opt_out")
    body = campaign(api, ["(212) 555-0101", "212.555.0102"], include_unknown=True).get_json()
    assert body["excluded"]["opted_out"] == 1
    assert body["queued"] + body["scheduled"] == 1


# --- classify ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("STOP", ("opt_out", "all", "keyword")),
    ("please stop sending me the price drop texts", ("opt_out", "price_reduction",
                                                     "scoped_keyword")),
    ("I'll stop by Friday", ("review", None, "review")),
    ("YES", ("none", None, "yes_without_context")),
])
def test_classify_reads_a_text(api, text, expected):
    body = api("POST", "/classify", json={"text": text}).get_json()
    assert (body["intent"], body["scope"], body["rule"]) == expected
    assert body["version"]


def test_classify_gives_yes_the_meaning_the_phone_allows(api):
    client_texts(PHONE, "opt_out")
    body = api("POST", "/classify", json={"text": "Yes", "phone": "212-555-0100"}).get_json()
    assert (body["intent"], body["rule"]) == ("opt_in", "yes_in_context")


@pytest.mark.parametrize("text", ["", " \n", "\x00\u200b"])
def test_classify_reads_an_empty_text_as_none(api, text):
    # SPEC section 4: a picture message without words, a blank reply, is none, never an error
    response = api("POST", "/classify", json={"text": text})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["intent"], body["scope"]) == ("none", None)
    assert body["rule"] and body["version"]


@pytest.mark.parametrize(("body", "status"), [({}, 400), ({"text": None}, 400),
                                              ({"text": "STOP", "phone": "x"}, 422)])
def test_classify_refuses_a_missing_text_or_a_bad_phone(api, body, status):
    assert api("POST", "/classify", json=body).status_code == status




def test_a_campaign_of_100000_recipients_fits_while_other_bodies_keep_64_kib(api):
    recipients = [f"+1{area}555{n:04d}" for area in (201, 202, 203, 205, 206, 207, 208, 209,
                                                     210, 212) for n in range(10_000)]
    response = api("POST", "/campaigns", json={"name": "Big", "text": "Sale",
                                               "recipients": recipients, "actor": "crm"})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["excluded"]["unknown_excluded"] == 100_000
    too_big = api("POST", "/messages", json={"to": PHONE, "kind": "manual",
                                             "text": "x" * 70_000})
    assert too_big.status_code == 413


def test_a_large_campaign_records_every_recipient_in_order_with_its_reason(api):
    recipients = [f"+1212555{n:04d}" for n in range(5000, 0, -1)]
    body = campaign(api, [*recipients, "nope", recipients[0]]).get_json()
    assert body["excluded"] | {"queued": body["queued"]} == {
        "opted_out": 0, "unknown_excluded": 5000, "automation_off": 0, "carrier_blocked": 0,
        "invalid_number": 1, "duplicate": 1, "queued": 0}
    details = api("GET", f"/campaigns/{body['id']}?limit=1000").get_json()
    assert details["statuses"]["blocked"] == 5001
    assert [r["phone"] for r in details["recipients"]] == recipients[:1000]
    assert {(r["status"], r["reason"]) for r in details["recipients"]} == {
        ("blocked", "unknown_excluded")}
    seen = details["recipients"]
    while details["next_after"] is not None:
        details = api("GET", f"/campaigns/{body['id']}?limit=1000"
                             f"&after={details['next_after']}").get_json()
        seen += details["recipients"]
    assert [r["phone"] for r in seen] == [*recipients, "nope"]
    assert (seen[-1]["status"], seen[-1]["reason"]) == ("blocked", "invalid_number")


def test_a_review_decision_in_the_history_is_documented(api):
    from store.consent.reviews import decide_review
    from store.messaging.inbound import receive_text
    from store.models import Review
    from tests.factories import STAFF

    receive_text(provider_id="rv", from_number=PHONE.lstrip("+"), text="I'll stop by Friday")
    decide_review(Review.get().id, decision="not_opt_out", actor=STAFF)
    events = api("GET", f"/clients/{PHONE}/events").get_json()["events"]
    assert (events[0]["scope"], events[0]["old_state"], events[0]["new_state"]) == (
        "review", "pending", "dismissed")
