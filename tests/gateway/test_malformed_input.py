"""The hostile-input findings of issue 8, one named test each (the generated suite is in
test_hostile_webhooks.py and test_hostile_api.py): 400 or 401 and nothing changed, or the
text read as the client meant it; never a 5xx."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from gateway.app import create_app
from gateway.strict_json import MAX_DEPTH
from store.consent.changes import get_state
from store.models import ConsentEvent, InboundMessage
from tests.factories import PHONE
from tests.gateway.conftest import API_TOKEN, WEBHOOK_TOKEN, make_config

MSISDN = PHONE.lstrip("+")
BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def token_client(database, tmp_path):
    """A gateway in path-token mode: what an attacker who knows the URL can reach."""
    app = create_app(make_config(database, tmp_path, VONAGE_SIGNATURE_SECRET="",
                                 WEBHOOK_TOKEN=WEBHOOK_TOKEN))
    return app.test_client()


def inbound(client, query: str = "", **kw):
    return client.open(f"/webhooks/vonage/inbound?token={WEBHOOK_TOKEN}{query}", **kw)


def nothing_recorded() -> bool:
    return InboundMessage.select().count() == 0 and ConsentEvent.select().count() == 0


@pytest.mark.parametrize("junk", ["\x00", "\x00\x00\x07", "\x1b", "\x85", "\x7f"])
def test_a_stop_with_control_characters_is_still_a_stop(token_client, junk):
    response = inbound(token_client, method="POST",
                       data={"msisdn": MSISDN, "messageId": "r1", "text": f"ST{junk}OP{junk}"})
    assert response.status_code == 204
    assert get_state(PHONE).overall == "opted_out"
    assert InboundMessage.get().text == "STOP"  # stored as read: PostgreSQL refuses NUL


@pytest.mark.parametrize("field", ["msisdn", "messageId", "to"])
def test_nul_in_an_id_or_number_is_400(token_client, field):
    data = {"msisdn": MSISDN, "messageId": "r1", "text": "STOP"}
    data[field] = data.get(field, "12125550199") + "\x00"
    response = inbound(token_client, method="POST", data=data)
    assert response.status_code == 400 and field in response.json["message"]
    assert nothing_recorded()


@pytest.mark.parametrize("body", [
    {"msisdn": MSISDN, "messageId": "r7", "text": ["START"]},
    {"msisdn": MSISDN, "messageId": "r7", "text": {"a": "STOP"}},
    {"msisdn": MSISDN, "messageId": None, "text": "STOP"},
    {"msisdn": None, "messageId": "r7", "text": "STOP"},
    {"msisdn": 12125550100, "messageId": "r7", "text": "STOP"},
])
def test_a_field_of_the_wrong_type_is_400_not_coerced(token_client, body):
    response = inbound(token_client, method="POST", json=body)
    assert response.status_code == 400 and "must be a string" in response.json["message"]
    assert nothing_recorded()


def test_a_repeated_parameter_is_400(token_client):
    response = inbound(token_client, f"&msisdn={MSISDN}&messageId=r1&text=START&text=STOP")
    assert response.status_code == 400 and "'text' is given more than once" in \
        response.json["message"]
    both = inbound(token_client, f"&msisdn={MSISDN}&messageId=r1", method="POST",
                   data={"messageId": "r2", "text": "STOP"})
    assert both.status_code == 400
    assert nothing_recorded()


def test_a_duplicate_json_key_is_400(token_client):
    raw = f'{{"msisdn":"{MSISDN}","messageId":"r1","text":"START","text":"STOP"}}'
    response = inbound(token_client, method="POST", data=raw, content_type="application/json")
    assert response.status_code == 400 and "appears twice" in response.json["message"]
    assert nothing_recorded()


@pytest.mark.parametrize("digits", ["١٢١٢٥٥٥٠١٠٠", "１２１２５５５０１００"])
def test_digits_of_other_scripts_are_not_a_phone(token_client, api, digits):
    assert inbound(token_client, f"&msisdn={quote(digits)}&messageId=r1&text=STOP") \
        .status_code == 400
    assert api("GET", f"/clients/{quote(digits)}").status_code == 422
    assert nothing_recorded()


def test_a_lone_surrogate_in_json_is_400_before_anything_else(token_client, api):
    raw = f'{{"msisdn":"{MSISDN}","messageId":"r1","text":"STOP \\ud800"}}'.encode()
    response = inbound(token_client, method="POST", data=raw, content_type="application/json")
    assert response.status_code == 400 and "Unicode" in response.json["message"]
    put = api("PUT", f"/clients/{MSISDN}", data=b'{"name":"\\udfff"}',
              content_type="application/json")
    assert put.status_code == 400
    assert nothing_recorded()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 30_000])
def test_json_nested_too_deep_is_400(token_client, api, depth):
    nested = "[" * depth + "]" * depth
    raw = f'{{"msisdn":"{MSISDN}","messageId":"r1","text":"STOP","x":{nested}}}'
    response = inbound(token_client, method="POST", data=raw, content_type="application/json")
    assert response.status_code == 400
    patch = api("PATCH", f"/clients/{MSISDN}/preferences", content_type="application/json",
                data=f'{{"actor":"crm","automations":{nested}}}')
    assert patch.status_code == 400
    assert nothing_recorded()


def test_a_campaign_nested_a_million_deep_is_400(api):
    # the campaign route takes 8 MiB: room for far more nesting than the stack holds
    deep = "[" * 1_000_000 + "]" * 1_000_000
    response = api("POST", "/campaigns", content_type="application/json",
                   data=f'{{"name":"x","text":"hi","actor":"crm","recipients":{deep}}}')
    assert response.status_code == 400 and "nested deeper" in response.json["message"]


def test_json_nested_within_the_limit_is_read(api):
    nested = json.loads("[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2))
    response = api("PATCH", f"/clients/{MSISDN}/preferences", json={"actor": nested})
    assert response.status_code == 400 and "actor must be a string" in response.json["message"]


@pytest.mark.parametrize("stamp", ["9999-12-31 23:59:59", "0001-01-01 00:00:00", "yesterday",
                                   "2026-02-30 10:00:00"])
def test_an_absurd_timestamp_on_a_stop_is_replaced_by_the_receipt_time(token_client, stamp):
    response = inbound(token_client, f"&msisdn={MSISDN}&messageId=r1&text=STOP"
                                     f"&message-timestamp={quote(stamp)}")
    assert response.status_code == 204
    message = InboundMessage.get()
    assert abs((message.received_at - message.processed_at).total_seconds()) < 60
    assert get_state(PHONE).overall == "opted_out"


@pytest.mark.parametrize("token", ["é", "\u202e", "tök€n"])
def test_non_ascii_credentials_are_401(token_client, client, api, token):
    assert inbound(token_client, f"&msisdn={MSISDN}&messageId=r1&text=STOP").status_code == 204
    stranger = token_client.get(f"/webhooks/vonage/inbound?token={quote(token)}"
                                f"&msisdn={MSISDN}&messageId=r2&text=START")
    assert stranger.status_code == 401
    signed = client.get(f"/webhooks/vonage/inbound?sig={quote(token)}&timestamp=1"
                        f"&msisdn={MSISDN}&messageId=r3&text=START")
    assert signed.status_code == 401
    jwt = client.post("/webhooks/vonage/messages", data=b"{}",
                      headers={"Authorization": "Bearer " + token.encode().decode("latin-1")})
    assert jwt.status_code == 401
    assert api("GET", f"/clients/{MSISDN}", headers={
        "Authorization": "Bearer " + token.encode().decode("latin-1")}).status_code == 401
    assert get_state(PHONE).overall == "opted_out"


@pytest.mark.parametrize(("path", "body"), [
    ("PUT /clients/{p}", {"name": "Ann\x00"}),
    ("PUT /clients/{p}", {"name": "Ann", "crm_id": "c\n1"}),
    ("PATCH /clients/{p}/preferences", {"overall": "opted_out", "actor": "crm\nFORGED"}),
    ("PATCH /clients/{p}/preferences", {"overall": "opted_out", "actor": "crm",
                                        "note": "a\x00b"}),
    ("POST /messages", {"to": MSISDN, "text": "hi\x00", "kind": "manual"}),
    ("POST /messages", {"to": MSISDN + "\x00", "text": "hi", "kind": "manual"}),
    ("POST /campaigns", {"name": "Sale\x00", "text": "hi", "recipients": [MSISDN],
                         "actor": "crm"}),
    ("POST /campaigns", {"name": "Sale", "text": "hi", "recipients": [MSISDN + "\x00"],
                         "actor": "crm"}),
])
def test_control_characters_in_api_fields_are_400(api, path, body):
    method, route = path.split(" ")
    response = api(method, route.format(p=MSISDN), json=body)
    assert response.status_code == 400
    assert "control character" in response.json["message"]
    assert nothing_recorded()


def test_classify_reads_a_text_without_its_control_characters(api):
    response = api("POST", "/classify", json={"text": "S\x00TOP\x07"})
    assert response.status_code == 200 and response.json["intent"] == "opt_out"


@pytest.mark.parametrize("query", ["?limit=", "?limit=1&limit=2", "?limit=x", "?before=0"])
def test_bad_paging_parameters_are_400(api, query):
    client_texts_stop = api("PUT", f"/clients/{MSISDN}", json={"name": "Ann"})
    assert client_texts_stop.status_code == 200
    assert api("GET", f"/clients/{MSISDN}/events{query}").status_code == 400


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/healthz", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/webhooks/vonage/inbound?token=x", {"GET", "POST", "HEAD", "OPTIONS"}),
    ("DELETE", "/api/v1/clients/12125550100", {"GET", "PUT", "HEAD", "OPTIONS"}),
])
def test_405_says_which_methods_are_allowed(client, method, path, allowed):
    response = client.open(path, method=method, headers=BEARER)
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


@pytest.mark.parametrize("field", ["status", "err-code", "messageId"])
def test_a_receipt_field_with_a_line_break_is_400(token_client, field):
    data = {"messageId": "v1", "status": "delivered", "err-code": "0", "msisdn": MSISDN}
    data[field] += "\nINFO forged"
    response = token_client.post(f"/webhooks/vonage/status?token={WEBHOOK_TOKEN}", data=data)
    assert response.status_code == 400 and field in response.json["message"]


@pytest.mark.parametrize("path", ["/messages/9223372036854775808", "/campaigns/" + "9" * 30,
                                  "/clients/12125550100/events?before=9223372036854775808",
                                  "/campaigns/1?after=99999999999999999999",
                                  "/clients/12125550100/events?limit=%EF%BC%91"])
def test_ids_past_what_a_column_holds_are_4xx(api, path):
    api("PUT", "/clients/12125550100", json={"name": "Ann"})
    response = api("GET", path)
    assert response.status_code in (400, 404), response.data


def test_a_crm_id_moving_to_a_name_the_phone_has_already_is_no_500(api):
    assert api("PUT", f"/clients/{MSISDN}", json={"name": "Ann", "crm_id": "X1"}).status_code \
        == 200
    assert api("PUT", f"/clients/{MSISDN}", json={"name": "Bob"}).status_code == 200
    response = api("PUT", f"/clients/{MSISDN}", json={"name": "Bob", "crm_id": "X1"})
    assert response.status_code == 200
    assert {c["name"] for c in response.json["clients"]} == {"Ann", "Bob"}
