"""Hostile and malformed input on the Vonage webhooks (SPEC section 5), generated, not listed.

Every request is signed by the test the way Vonage signs it (or carries the path token), so
that hostile values reach validation rather than stopping at the signature. Properties:
1. never a 5xx; every 4xx is JSON {"error", "message"};
2. a 4xx changes nothing (consent of every phone, events, texts, alerts, clients, inbound);
3. a list, an object or a null where a string belongs is 400, never coerced;
4. STOP with control characters inside and junk around is still a STOP;
5. a repeated signed delivery is 204 twice and processed once; another body under a reused
   signature is 401 and changes nothing; two messages signed with the same nonce, whatever
   the signer put in it, are both processed;
6. an absurd message timestamp on a STOP is replaced by the receipt time;
7. a 405 carries Allow.
Each example uses its own phone and ids, so the assertions hold across examples without
resetting the database.
"""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from store.clock import utcnow
from store.consent.changes import get_state
from store.messaging.outbox import mark_sent, queue_message
from store.models import ConsentEvent, InboundMessage, Phone
from tests.factories import PHONE, ZONE
from tests.fakes.signing import messages_jwt
from tests.gateway.conftest import SIGNATURE_SECRET, WEBHOOK_TOKEN, make_config
from tests.gateway.hostile import (
    CONTENT_TYPES,
    HOSTILE,
    INVALID_UTF8,
    MessagesRequest,
    Raw,
    SmsRequest,
    absurd_timestamp,
    answered,
    assert_unchanged,
    check_answer,
    containers,
    describe,
    form_values,
    fresh_id,
    fresh_phone,
    hostile_strings,
    inbound_pairs,
    json_values,
    message_pairs,
    message_status_pairs,
    mutations,
    nested,
    no_none_stored,
    receipt_pairs,
    snapshot,
    stop_in_junk,
)

VONAGE_ID = "0B00000127FDBC63"
INBOUND, STATUS = "/webhooks/vonage/inbound", "/webhooks/vonage/status"
MESSAGES, MESSAGES_STATUS = "/webhooks/vonage/messages", "/webhooks/vonage/messages/status"
INBOUND_FIELDS = ["msisdn", "to", "messageId", "text", "type", "keyword", "message-timestamp",
                  "timestamp", "nonce", "concat", "concat-ref", "concat-part", "concat-total",
                  "api-key"]
STATUS_FIELDS = ["messageId", "status", "err-code", "msisdn", "to", "network-code", "price",
                 "scts", "message-timestamp", "timestamp", "nonce", "api-key", "client-ref"]
MESSAGES_FIELDS = ["message_uuid", "from", "to", "text", "channel", "message_type", "timestamp"]
MESSAGES_STATUS_FIELDS = ["message_uuid", "status", "to", "from", "timestamp", "channel"]
REQUIRED = {INBOUND: {"msisdn", "messageId"}, STATUS: {"messageId", "status"},
            MESSAGES: {"message_uuid", "from"}, MESSAGES_STATUS: {"message_uuid", "status"}}
TEXTS = ["hello", "STOP", "START", "HELP", "STOP PRICE DROP", "I'll stop by Friday"]

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def clients(client, database, tmp_path):
    """The gateway in its two webhook modes: Vonage signatures, and the path token."""
    token_app = create_app(make_config(database, tmp_path, VONAGE_SIGNATURE_SECRET="",
                                       WEBHOOK_TOKEN=WEBHOOK_TOKEN))
    return {"signed": client, "token": token_app.test_client()}


@pytest.fixture
def sent(database):
    """An outbound text Vonage accepted, so that receipts have something to update."""
    message = queue_message(to=PHONE, text="Your car is ready", kind="manual", fallback_zone=ZONE)
    mark_sent(message.id, vonage_message_id=VONAGE_ID)
    return VONAGE_ID


def sms_base(path: str, phone: str, text: str = "hello", *, concat: bool = False):
    if path == INBOUND:
        return inbound_pairs(phone, text, concat=concat), INBOUND_FIELDS
    return receipt_pairs(VONAGE_ID, phone), STATUS_FIELDS


def messages_base(path: str, phone: str, text: str = "hello"):
    if path == MESSAGES:
        return message_pairs(phone, text), MESSAGES_FIELDS
    return message_status_pairs(VONAGE_ID, phone), MESSAGES_STATUS_FIELDS


def set_field(pairs, key, value):
    if any(k == key for k, _ in pairs):
        return [(k, value if k == key else v) for k, v in pairs]
    return [*pairs, (key, value)]


# --- properties 1 and 2: anything in any field ----------------------------------------------

@settings(HOSTILE, max_examples=80)
@given(data=st.data(), path=st.sampled_from([INBOUND, STATUS]),
       mode=st.sampled_from(["signed", "token"]),
       transport=st.sampled_from(["get", "form", "json"]), text=st.sampled_from(TEXTS),
       concat=st.booleans())
def test_sms_api_webhooks_never_fail_and_a_refusal_changes_nothing(
        clients, sent, data, path, mode, transport, text, concat):
    pairs, fields = sms_base(path, fresh_phone(), text, concat=concat)
    for change in data.draw(mutations(fields, json_values if transport == "json" else form_values),
                            label="mutations"):
        pairs = change.apply(pairs)
    content_type = None if transport == "get" else data.draw(
        st.one_of(st.none(), st.sampled_from(CONTENT_TYPES)), label="content_type")
    request = SmsRequest(path, pairs, transport, mode, content_type).sign()
    answered(lambda: request.send(clients[mode]))


@settings(HOSTILE, max_examples=80)
@given(data=st.data(), path=st.sampled_from([MESSAGES, MESSAGES_STATUS]),
       mode=st.sampled_from(["signed", "token"]), text=st.sampled_from(TEXTS),
       content_type=st.one_of(st.none(), st.sampled_from(CONTENT_TYPES)))
def test_messages_api_webhooks_never_fail_and_a_refusal_changes_nothing(
        clients, sent, data, path, mode, text, content_type):
    pairs, fields = messages_base(path, fresh_phone(), text)
    for change in data.draw(mutations([*fields, "sms", "error", "usage"], json_values),
                            label="mutations"):
        pairs = change.apply(pairs)
    request = MessagesRequest(path, pairs, mode, content_type or "application/json")
    answered(lambda: request.send(clients[mode]))


@pytest.mark.parametrize("mode", ["signed", "token"])
def test_empty_bodies_and_wrong_content_types_are_refused_cleanly(clients, mode):
    for path, methods in ((INBOUND, ["GET", "POST"]), (STATUS, ["GET", "POST"]),
                          (MESSAGES, ["POST"]), (MESSAGES_STATUS, ["POST"])):
        for method in methods:
            for content_type in [None, *CONTENT_TYPES]:
                headers = {"Content-Type": content_type} if content_type else {}
                query = f"token={WEBHOOK_TOKEN}" if mode == "token" else ""
                response = answered(lambda: clients[mode].open(
                    path, method=method, data=b"", headers=headers,  # noqa: B023
                    environ_overrides={"QUERY_STRING": query}))  # noqa: B023
                assert response.status_code in (400, 401), (path, method, content_type)


# --- property 3: a list, object or null where a string belongs ------------------------------

FIELDS_OF = {INBOUND: INBOUND_FIELDS, STATUS: STATUS_FIELDS, MESSAGES: MESSAGES_FIELDS,
             MESSAGES_STATUS: MESSAGES_STATUS_FIELDS}


@pytest.mark.parametrize("path", list(FIELDS_OF), ids=lambda p: p[17:])
@settings(HOSTILE, max_examples=6)
@given(mode=st.sampled_from(["signed", "token"]), value=st.one_of(st.none(), containers),
       concat=st.booleans())
def test_a_json_field_of_the_wrong_type_is_400_not_coerced(clients, sent, path, mode, value,
                                                           concat):
    """Each field in turn gets the value; the failure lists every field that took it."""
    failures = []
    for key in FIELDS_OF[path]:
        phone = fresh_phone()
        if path in (MESSAGES, MESSAGES_STATUS):
            pairs, _ = messages_base(path, phone, "hello")
            request = MessagesRequest(path, set_field(pairs, key, value), mode)
        else:
            pairs, _ = sms_base(path, phone, "hello", concat=concat)
            request = SmsRequest(path, set_field(pairs, key, value), "json", mode).sign()
        before = snapshot()
        response = request.send(clients[mode])
        check_answer(response)
        expected = (204, 400) if value is None and key not in REQUIRED[path] else (400,)
        if response.status_code not in expected:
            failures.append((key, response.status_code))
        if response.status_code == 400:
            assert_unchanged(before, snapshot(), response)
        no_none_stored()
    assert not failures, f"{value!r} taken by these fields (field, status): {failures}"


def test_a_listed_start_opts_nobody_in(clients):
    phone = fresh_phone()
    for transport in ("json",):
        pairs = set_field(inbound_pairs(phone), "text", ["START"])
        response = SmsRequest(INBOUND, pairs, transport, "signed").sign().send(clients["signed"])
        assert response.status_code == 400, describe(response)
    response = MessagesRequest(MESSAGES, set_field(message_pairs(phone), "text", ["START"])) \
        .send(clients["signed"])
    assert response.status_code == 400, describe(response)
    assert Phone.get_or_none(Phone.e164 == phone) is None or get_state(phone).overall == "unknown"


# --- property 4: STOP inside junk -----------------------------------------------------------

@HOSTILE
@given(text=stop_in_junk(), how=st.sampled_from(["get", "form", "json", "messages"]),
       mode=st.sampled_from(["signed", "token"]))
def test_a_stop_inside_control_characters_and_junk_is_honoured(clients, text, how, mode):
    phone = fresh_phone()
    if how == "messages":
        request = MessagesRequest(MESSAGES, message_pairs(phone, text), mode)
    else:
        request = SmsRequest(INBOUND, inbound_pairs(phone, text), how, mode).sign()
    response = request.send(clients[mode])
    assert response.status_code == 204, describe(response)
    assert get_state(phone).overall == "opted_out"


# --- property 5: repeated deliveries and reused signatures ----------------------------------

def resigned(request):
    """The same message as Vonage re-signs it on a retry: a new nonce, timestamp and sig."""
    if isinstance(request, MessagesRequest):
        return MessagesRequest(request.path, request.pairs, request.mode)
    keep = [(k, v) for k, v in request.pairs if k not in ("sig", "nonce", "timestamp")]
    fresh = [("timestamp", str(int(time.time()))), ("nonce", fresh_id("n"))]
    return SmsRequest(request.path, [*keep, *fresh], request.transport).sign()


@HOSTILE
@given(how=st.sampled_from(["get", "form", "json", "messages"]),
       text=st.sampled_from(["STOP", "START", "STOP PRICE DROP", "HELP", "hello"]),
       resign=st.booleans())
def test_a_repeated_signed_delivery_is_204_twice_and_processed_once(client, how, text, resign):
    phone = fresh_phone()
    if how == "messages":
        first = MessagesRequest(MESSAGES, message_pairs(phone, text)).signed()
    else:
        first = SmsRequest(INBOUND, inbound_pairs(phone, text), how).sign()
    response = first.send(client)
    assert response.status_code == 204, describe(response)
    after_first = snapshot()
    events = ConsentEvent.select().join(Phone).where(Phone.e164 == phone).count()
    assert events >= (1 if text in ("STOP", "START", "STOP PRICE DROP") else 0)
    again = resigned(first) if resign else first  # identical bytes, identical signature
    response = again.send(client)
    assert response.status_code == 204, describe(response)
    assert_unchanged(after_first, snapshot(), response)


@HOSTILE
@given(data=st.data(), how=st.sampled_from(["get", "form", "json", "messages"]),
       key=st.sampled_from(["text", "from", "message_uuid", "to", "timestamp", "extra"]),
       deliver_first=st.booleans())
def test_another_body_under_a_reused_signature_is_401_and_changes_nothing(
        client, data, how, key, deliver_first):
    phone = fresh_phone()
    if how == "messages":
        original = MessagesRequest(MESSAGES, message_pairs(phone, "hello")).signed()
    else:
        original = SmsRequest(INBOUND, inbound_pairs(phone, "hello"), how).sign()
        key = {"from": "msisdn", "message_uuid": "messageId", "timestamp": "message-timestamp"
               }.get(key, key)
    if deliver_first:
        assert original.send(client).status_code == 204
    old = dict(original.pairs).get(key)

    def signed_as(v):  # Vonage's base string replaces & and = by _
        return str(v).replace("&", "_").replace("=", "_")

    value = data.draw(st.one_of(
        st.sampled_from(["STOP", "START", fresh_phone().lstrip("+"), fresh_id()]),
        st.text(min_size=1, max_size=20)).filter(lambda v: signed_as(v) != signed_as(old)),
        label="value")
    pairs = set_field(original.pairs, key, value)
    if how == "messages":
        forged = MessagesRequest(MESSAGES, pairs, authorization=original.authorization)
    else:
        forged = SmsRequest(INBOUND, pairs, how)  # keeps the original sig
    response = answered(lambda: forged.send(client))
    assert response.status_code == 401, describe(response)


# The nonce (SMS API) and the jti (Messages API) are remembered, not validated: the signer's
# own, covered by the signature. Whatever they hold (NUL, which PostgreSQL cannot store;
# more than the column holds) must neither fail the request
# nor make two messages signed with the same one count as a single delivery.
# (A nonce past the 64 KiB body limit is 413, as any other field.)
nonces = st.one_of(hostile_strings.filter(lambda v: len(v) <= 4096),
                   st.sampled_from(["\x00" * 101, "n" * 300, "n" * 119]))


@HOSTILE
@given(data=st.data(), how=st.sampled_from(["get", "form", "json", "messages"]))
def test_two_messages_under_one_nonce_are_both_processed_and_each_once(client, data, how):
    phones = [fresh_phone(), fresh_phone()]
    if how == "messages":
        nonce = jti = data.draw(nonces, label="jti")  # PyJWT refuses a jti not a string
        requests = []
        for phone in phones:
            request = MessagesRequest(MESSAGES, message_pairs(phone, "STOP"))
            token = messages_jwt(request.raw(), SIGNATURE_SECRET, jti=jti)
            request.authorization = f"Bearer {token}"
            requests.append(request)
    else:
        nonce = data.draw(nonces, label="nonce")
        requests = [SmsRequest(INBOUND, set_field(inbound_pairs(phone, "STOP"), "nonce", nonce),
                               how).sign() for phone in phones]
    # A body that is itself refused (a lone surrogate in JSON) is a 4xx that changes nothing;
    # otherwise each of the two is a STOP recorded.
    statuses = [answered(lambda r=request: r.send(client)).status_code for request in requests]
    assert statuses[0] == statuses[1], statuses
    if statuses[0] != 204:  # only that refusal: any other is the nonce's doing
        assert how == "json" and any(0xD800 <= ord(c) <= 0xDFFF for c in nonce), statuses
        return
    assert all(get_state(phone).overall == "opted_out" for phone in phones)
    before = snapshot()
    response = requests[0].send(client)  # Vonage resending the first, byte for byte
    assert response.status_code == 204, describe(response)
    assert_unchanged(before, snapshot(), response)


# --- property 6: absurd timestamps ----------------------------------------------------------

@HOSTILE
@given(data=st.data(), how=st.sampled_from(["get", "form", "json", "messages"]))
def test_an_absurd_timestamp_on_a_stop_is_replaced_by_the_receipt_time(client, data, how):
    phone, message_id = fresh_phone(), fresh_id()
    if how == "messages":
        stamp = data.draw(st.one_of(absurd_timestamp(iso=True), absurd_timestamp()),
                          label="stamp")
        pairs = message_pairs(phone, "STOP", uuid_=message_id)
        request = MessagesRequest(MESSAGES, set_field(pairs, "timestamp", stamp))
    else:
        stamp = data.draw(absurd_timestamp(), label="stamp")
        request = SmsRequest(INBOUND, inbound_pairs(phone, "STOP", message_id=message_id,
                                                    stamp=stamp), how).sign()
    start = utcnow() - timedelta(seconds=2)
    response = request.send(client)
    end = utcnow() + timedelta(seconds=2)
    assert response.status_code == 204, describe(response)
    assert get_state(phone).overall == "opted_out"
    received = InboundMessage.get(InboundMessage.provider_id == message_id).received_at
    assert start <= received <= end, f"received_at {received} for message-timestamp {stamp!r}"
    event = (ConsentEvent.select().join(Phone).where(Phone.e164 == phone,
                                                     ConsentEvent.scope == "overall").get())
    assert start <= event.occurred_at <= end, f"occurred_at {event.occurred_at} for {stamp!r}"


# --- bad credentials: 401, never 5xx ---------------------------------------------------------

latin1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
non_ascii_header = st.tuples(st.text(latin1, max_size=12), st.characters(min_codepoint=0xA0,
                                                                         max_codepoint=0xFF),
                             st.text(latin1, max_size=12)).map("".join)
non_ascii_text = st.tuples(st.text(max_size=12), st.characters(min_codepoint=0x80),
                           st.text(max_size=12)).map("".join)


def forged_jwts() -> list[str]:
    claims = {"api_key": "abcd1234", "iat": int(time.time()), "payload_hash": "0" * 64}
    return [jwt.encode(claims, None, algorithm="none"),
            jwt.encode(claims, "not-our-secret-but-long-enough-for-hs256", algorithm="HS256"),
            "x.y.z", "....", "e30.e30.", "a" * 5000]


@HOSTILE
@given(data=st.data(), path=st.sampled_from([INBOUND, STATUS, MESSAGES, MESSAGES_STATUS]),
       mode=st.sampled_from(["signed", "token"]))
def test_bad_and_non_ascii_credentials_are_401(clients, sent, data, path, mode):
    phone = fresh_phone()
    if path in (MESSAGES, MESSAGES_STATUS):
        pairs, _ = messages_base(path, phone, "STOP")
        request = MessagesRequest(path, pairs, mode)
        if mode == "token":
            request.token = data.draw(non_ascii_text, label="token")
        else:
            valid = messages_jwt(request.raw(), SIGNATURE_SECRET)
            at = data.draw(st.integers(0, len(valid)), label="at")
            request.authorization = data.draw(st.one_of(
                non_ascii_header.map(lambda t: f"Bearer {t}"),
                non_ascii_header.map(lambda c: f"Bearer {valid[:at]}{c}{valid[at:]}"),
                non_ascii_header.map(lambda s: f"{s} {valid}"),
                st.sampled_from(forged_jwts()).map(lambda t: f"Bearer {t}")), label="authorization")
    else:
        transport = data.draw(st.sampled_from(["get", "form", "json"]), label="transport")
        pairs, _ = sms_base(path, phone, "STOP")
        request = SmsRequest(path, pairs, transport, mode)
        if mode == "token":
            request.token = data.draw(non_ascii_text, label="token")
        else:
            request.pairs = [*pairs, ("sig", data.draw(non_ascii_text, label="sig"))]
    response = answered(lambda: request.send(clients[mode]))
    assert response.status_code == 401, describe(response)


# --- JSON too deep, or not UTF-8: 400 ---------------------------------------------------------

@HOSTILE
@given(data=st.data(), path=st.sampled_from([INBOUND, STATUS, MESSAGES, MESSAGES_STATUS]),
       mode=st.sampled_from(["signed", "token"]), deep=st.booleans())
def test_json_nested_deeper_than_32_or_not_utf8_is_400(clients, sent, data, path, mode, deep):
    phone = fresh_phone()
    if deep:  # the body is level 1: 32 levels inside a field make 33
        value = nested(data.draw(st.integers(32, 2000), label="depth"),
                       data.draw(st.sampled_from("[{"), label="kind"))
    else:
        value = Raw(b'"' + data.draw(st.sampled_from(INVALID_UTF8), label="bytes") + b'"')
    if path in (MESSAGES, MESSAGES_STATUS):
        pairs, fields = messages_base(path, phone, "STOP")
    else:
        pairs, fields = sms_base(path, phone, "STOP")
    key = data.draw(st.sampled_from([*fields, "extra"]), label="field")
    pairs = set_field(pairs, key, value)
    if path in (MESSAGES, MESSAGES_STATUS):
        request = MessagesRequest(path, pairs, mode)
    else:
        request = SmsRequest(path, pairs, "json", mode).sign()
    response = answered(lambda: request.send(clients[mode]))
    assert response.status_code == 400, describe(response)


# --- property 7: 405 carries Allow -------------------------------------------------------------

def test_a_wrong_method_on_a_webhook_is_405_with_allow(clients):
    routes = {INBOUND: {"GET", "POST"}, STATUS: {"GET", "POST"}, MESSAGES: {"POST"},
              MESSAGES_STATUS: {"POST"}}
    failures = []
    for path, allowed in routes.items():
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed):
            response = clients["signed"].open(path, method=method)
            check_answer(response)
            allow = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
            if response.status_code != 405 or not allowed <= allow:
                failures.append((method, path, response.status_code,
                                 response.headers.get("Allow")))
    assert not failures, failures
