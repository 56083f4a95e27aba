"""Hostile and malformed input on /api/v1 (SPEC section 5), generated, not listed.

Properties, as for the webhooks (test_hostile_webhooks.py): never a 5xx and every 4xx is JSON
{"error", "message"}; a 4xx changes nothing (but the refused event a refusal must record, and
the blocked message a blocked send records); a value of the wrong type is 400; a wrong
credential is 401; JSON nested deeper than 32 levels or not UTF-8 is 400; a 405 has Allow.
Every body field, path segment, query parameter and the Authorization header is generated.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import OTHER, PHONE
from tests.gateway.conftest import API_TOKEN
from tests.gateway.hostile import (
    CONTENT_TYPES,
    HOSTILE,
    INVALID_UTF8,
    Raw,
    api_call,
    assert_unchanged,
    check_answer,
    containers,
    describe,
    encode_query,
    form_values,
    fresh_id,
    fresh_phone,
    hostile_strings,
    hostile_text,
    json_object,
    json_values,
    mutations,
    nested,
    phone_like,
    scalars,
    short_strings,
    snapshot,
    stop_in_junk,
)

pytestmark = pytest.mark.usefixtures("database")

# endpoint: (method, path with {phone}, field types, required fields)
ENDPOINTS = {
    "put_client": ("PUT", "/clients/{phone}", {"name": str, "crm_id": str}, {"name"}),
    "preferences": ("PATCH", "/clients/{phone}/preferences",
                    {"overall": str, "automations": dict, "note": str, "actor": str}, {"actor"}),
    "message": ("POST", "/messages", {"to": str, "text": str, "kind": str, "automation": str,
                                      "actor": str}, {"to", "text", "kind"}),
    "campaign": ("POST", "/campaigns", {"name": str, "text": str, "recipients": list,
                                        "include_unknown": bool, "actor": str},
                 {"name", "text", "recipients", "actor"}),
    "classify": ("POST", "/classify", {"text": str, "phone": str}, {"text"}),
    "misread": ("POST", "/clients/{phone}/misread", {"event_id": int, "actor": str, "note": str},
                {"event_id", "actor", "note"}),
}
READS = [("GET", "/clients/{phone}"), ("GET", "/clients/{phone}/events"),
         ("GET", "/messages/{id}"), ("GET", "/campaigns/{id}"), ("GET", "/openapi.json"),
         ("GET", "/reports/opt-outs"), ("GET", "/clients/{phone}/proof")]


@pytest.fixture
def known(api):
    """A phone with a client, events, a message and a campaign, for reads to find."""
    assert api("PUT", f"/clients/{PHONE}", json={"name": "Ana", "crm_id": "C1"}).status_code == 200
    api("PATCH", f"/clients/{PHONE}/preferences", json={"overall": "opted_out", "actor": "crm"})
    message = api("POST", "/messages", json={"to": OTHER, "text": "Hi", "kind": "manual"})
    campaign = api("POST", "/campaigns", json={"name": "Sale", "text": "Deals", "actor": "crm",
                                                "recipients": [OTHER, PHONE, "nope"],
                                                "include_unknown": True})
    return {"phone": PHONE, "message": message.get_json()["id"],
            "campaign": campaign.get_json()["id"]}


@st.composite
def base_body(draw, endpoint: str, phone: str) -> list[tuple[str, object]]:
    """A well-formed body for `endpoint` (it may still be refused by a consent rule)."""
    if endpoint == "put_client":
        return [("name", "Ana Díaz"), ("crm_id", fresh_id("C"))]
    if endpoint == "preferences":
        return [("overall", draw(st.sampled_from(["opted_out", "opted_in", "unknown"]))),
                ("automations", {"price_reduction": draw(st.sampled_from(["on", "off"]))}),
                ("actor", "crm"), ("note", "Client consented at the desk on Nov 26")]
    if endpoint == "message":
        kind = draw(st.sampled_from(["manual", "campaign", "automation", "work_plan"]))
        extra = [("automation", "price_reduction")] if kind == "automation" else []
        return [("to", phone), ("text", "Your car is ready"), ("kind", kind), *extra,
                ("actor", "crm")]
    if endpoint == "campaign":
        return [("name", "Black Friday"), ("text", "Deals this weekend"),
                ("recipients", [phone, fresh_phone()]), ("include_unknown", True),
                ("actor", "crm")]
    return [("text", "STOP"), ("phone", phone)]


def path_segment(text: str) -> str:
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


def exemptions(endpoint: str, response) -> tuple[str, ...]:
    """What a 4xx may still record: a refused attempt's event, a blocked message."""
    body = response.get_json(silent=True) or {}
    error = body.get("error")
    if endpoint == "preferences" and response.status_code in (409, 422) and "refused" in body:
        return ("refused events", "new phones")  # rule 10: a refused attempt is an event
    if endpoint == "misread" and response.status_code in (409, 422) and error != "invalid_phone":
        return ("refused events", "new phones")  # rule 11's refusals are events too
    if endpoint == "message" and response.status_code == 409 and error == "blocked":
        return ("blocked outbound", "new phones")
    return ()


def call(client, endpoint, phone_segment, pairs, *, body=None, content_type="application/json"):
    method, path, _, _ = ENDPOINTS[endpoint]
    before = snapshot()
    response = api_call(client, method, path.format(phone=phone_segment),
                        body=json_object(pairs) if body is None else body,
                        content_type=content_type)
    check_answer(response)
    if 400 <= response.status_code < 500:
        assert_unchanged(before, snapshot(), response, allow=exemptions(endpoint, response))
    return response


# --- properties 1 and 2: anything in any field -----------------------------------------------

@settings(HOSTILE, max_examples=80)
@given(data=st.data(), endpoint=st.sampled_from(list(ENDPOINTS)),
       content_type=st.one_of(st.just("application/json"), st.none(),
                              st.sampled_from(CONTENT_TYPES)))
def test_api_bodies_never_fail_and_a_refusal_changes_nothing(client, data, endpoint,
                                                             content_type):
    phone = fresh_phone()
    pairs = data.draw(base_body(endpoint, phone), label="body")
    fields = list(ENDPOINTS[endpoint][2])
    for change in data.draw(mutations(fields, json_values), label="mutations"):
        pairs = change.apply(pairs)
    segment = data.draw(st.one_of(st.just(phone), phone_like(), hostile_text), label="phone")
    call(client, endpoint, path_segment(segment), pairs, content_type=content_type)


@settings(HOSTILE, max_examples=30)
@given(endpoint=st.sampled_from(list(ENDPOINTS)), body=st.sampled_from(
    [b"", b" ", b"null", b"[]", b'"x"', b"1", b"{", b"{}", b'{"a":1,"a":2}', b"\xff",
     b"\xef\xbb\xbf{}", b'{"text": "STOP"}garbage']),
       content_type=st.one_of(st.none(), st.sampled_from(CONTENT_TYPES)))
def test_empty_and_non_object_bodies_are_4xx(client, endpoint, body, content_type):
    response = call(client, endpoint, path_segment(fresh_phone()), [], body=body,
                    content_type=content_type)
    assert 400 <= response.status_code < 500, describe(response)


# --- property 3: a value of the wrong type is 400 ----------------------------------------------

def wrong_type(kind) -> st.SearchStrategy:
    """A non-null JSON value that is not of `kind` (str, bool, list of str, dict of str)."""
    not_null = scalars.filter(lambda v: v is not None)
    if kind is str:
        return st.one_of(not_null, containers)
    if kind is bool:
        return st.one_of(not_null.filter(lambda v: not isinstance(v, bool)), short_strings,
                         containers)
    if kind is list:
        return st.one_of(not_null, short_strings, st.dictionaries(st.text(max_size=3),
                                                                    scalars, max_size=2),
                         st.lists(st.one_of(not_null, containers), min_size=1, max_size=3))
    return st.one_of(not_null, short_strings, st.lists(scalars, max_size=2),
                     st.dictionaries(st.sampled_from(["price_reduction", "x"]),
                                     st.one_of(not_null, containers), min_size=1, max_size=2))


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@settings(HOSTILE, max_examples=6)
@given(data=st.data())
def test_a_field_of_the_wrong_type_is_400(client, data, endpoint):
    """Each field in turn gets a value of another type; the failure lists every field."""
    failures = []
    for key, kind in ENDPOINTS[endpoint][2].items():
        phone = fresh_phone()
        pairs = data.draw(base_body(endpoint, phone), label=f"body for {key}")
        value = data.draw(wrong_type(kind), label=key)
        pairs = [(k, v) for k, v in pairs if k != key] + [(key, value)]
        response = call(client, endpoint, path_segment(phone), pairs)
        if response.status_code != 400:
            failures.append((key, value, response.status_code))
    assert not failures, f"fields that took a wrong type (field, value, status): {failures}"


# --- paths, query strings, reads ---------------------------------------------------------------

numbers = st.one_of(st.integers(-5, 2**70).map(str), st.sampled_from(
    ["1" + "0" * 30, "9" * 400, "1" * 5000, "٣", "３", "1_0", " 5 ", "+5", "0x10", "1e3", "5.0",
     "-0", "", "NaN", "1\x00", "2147483648", "9223372036854775808"]))


# times as a report's since: well formed or nearly, near now, far off, with odd offsets
moments = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.builds(lambda d, zone, sep: d.isoformat(sep=sep) + zone,
              st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
              st.sampled_from(["", "Z", "+00:00", "-12:00", "+14:00", "+99:99", "z"]),
              st.sampled_from(["T", " ", "t"])),
    st.dates().map(lambda d: d.isoformat()))


@settings(HOSTILE, max_examples=50)
@given(data=st.data(), read=st.sampled_from(READS))
def test_reads_survive_any_path_and_query(client, known, data, read):
    method, path = read
    segment = data.draw(st.one_of(st.sampled_from([PHONE, OTHER, PHONE.lstrip("+")]),
                                  phone_like(), hostile_strings), label="phone")
    ident = data.draw(st.one_of(st.sampled_from([str(known["message"]),
                                                 str(known["campaign"])]), numbers,
                                hostile_text), label="id")
    keys = ["limit", "before", "after", "since"]
    pairs = data.draw(st.lists(st.tuples(st.one_of(st.sampled_from(keys), st.text(max_size=5)),
                                         st.one_of(numbers, form_values, moments)), max_size=4),
                      label="query")
    before = snapshot()
    response = api_call(client, method, path.format(phone=path_segment(segment),
                                                    id=path_segment(ident)),
                        body=None, content_type=None, query=encode_query(pairs))
    check_answer(response)
    if 400 <= response.status_code < 500:
        assert_unchanged(before, snapshot(), response)


# --- the Authorization header ------------------------------------------------------------------

latin1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
non_ascii = st.characters(min_codepoint=0x80, max_codepoint=0xFF)


@st.composite
def bad_authorization(draw) -> str:
    """An Authorization header that is not `Bearer <the token>`: often our token, spoiled."""
    kind = draw(st.sampled_from(["inside", "around", "scheme", "random", "ascii"]))
    if kind == "inside":
        at = draw(st.integers(0, len(API_TOKEN)))
        return f"Bearer {API_TOKEN[:at]}{draw(non_ascii)}{API_TOKEN[at:]}"
    if kind == "around":  # \xa0 and \x85 are whitespace to str.strip()
        junk = draw(st.text(st.sampled_from(["\xa0", "\x85", "\xe9", "\xff"]), min_size=1,
                            max_size=2))
        return draw(st.sampled_from([f"Bearer {API_TOKEN}{junk}", f"Bearer {junk}{API_TOKEN}",
                                     f"Bearer{junk}{API_TOKEN}"]))
    if kind == "scheme":
        scheme = draw(st.sampled_from(["Bëarer", "Bearer\xa0", "Basic", "Token", ""]))
        return f"{scheme} {API_TOKEN}"
    if kind == "random":
        return draw(st.text(latin1, max_size=40).filter(lambda t: not t.isascii()))
    return draw(st.sampled_from(["Bearer", "Bearer ", "Bearer wrong", f"Bearer {API_TOKEN}x",
                                 f"Bearer {API_TOKEN[:-1]}", "Bearer " + "a" * 5000]))


ROUTES = [("GET", "/clients/{phone}"), ("PUT", "/clients/{phone}"),
          ("PATCH", "/clients/{phone}/preferences"), ("GET", "/clients/{phone}/events"),
          ("POST", "/messages"), ("GET", "/messages/1"), ("POST", "/campaigns"),
          ("GET", "/campaigns/1"), ("POST", "/classify"), ("GET", "/openapi.json"),
          ("GET", "/reports/opt-outs"), ("GET", "/clients/{phone}/proof"),
          ("POST", "/clients/{phone}/misread"), ("GET", "/nowhere")]


def test_every_operation_of_the_api_is_generated_against():
    """A new operation cannot be left out of the properties above."""
    from gateway.api_routes import OPERATIONS

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}|<[^>]+>|(?<=/)\d+$", "*", path)

    covered = {(m, shape(p)) for m, p, *_ in ENDPOINTS.values()} | {
        (m, shape(p)) for m, p in READS}
    declared = {(op.method, shape(op.rule)) for op in OPERATIONS}
    assert declared - covered == set()
    assert {(m, shape(p)) for m, p in ROUTES} >= declared


@settings(HOSTILE, max_examples=50)
@given(route=st.sampled_from(ROUTES), authorization=bad_authorization())
def test_a_wrong_or_non_ascii_credential_is_401(client, known, route, authorization):
    method, path = route
    before = snapshot()
    response = api_call(client, method, path.format(phone=PHONE), authorization=authorization,
                        body=json_object([("text", "STOP"), ("name", "Mallory")]))
    check_answer(response)
    assert response.status_code == 401, describe(response)
    assert_unchanged(before, snapshot(), response)


# --- JSON too deep, or not UTF-8 -----------------------------------------------------------------

@settings(HOSTILE, max_examples=50)
@given(data=st.data(), endpoint=st.sampled_from(list(ENDPOINTS)), deep=st.booleans())
def test_json_nested_deeper_than_32_or_not_utf8_is_400(client, data, endpoint, deep):
    phone = fresh_phone()
    pairs = data.draw(base_body(endpoint, phone), label="body")
    if deep:  # the body is level 1: 32 levels inside a field make 33
        value = nested(data.draw(st.integers(32, 2000), label="depth"),
                       data.draw(st.sampled_from("[{"), label="kind"))
    else:
        value = Raw(b'"' + data.draw(st.sampled_from(INVALID_UTF8), label="bytes") + b'"')
    key = data.draw(st.sampled_from([*ENDPOINTS[endpoint][2], "extra"]), label="field")
    pairs = [(k, value if k == key else v) for k, v in pairs]
    if key not in dict(pairs):
        pairs.append((key, value))
    response = call(client, endpoint, path_segment(phone), pairs)
    assert response.status_code == 400, describe(response)


# --- a STOP inside junk reads as STOP ---------------------------------------------------------

@settings(HOSTILE, max_examples=50)
@given(text=stop_in_junk())
def test_classify_reads_a_stop_inside_junk_as_a_stop(client, text):
    response = call(client, "classify", "", [("text", text)])
    assert response.status_code == 200, describe(response)
    assert (response.get_json()["intent"], response.get_json()["scope"]) == ("opt_out", "all")


# --- property 7: 405 carries Allow -------------------------------------------------------------

def test_a_wrong_method_on_the_api_is_405_with_allow(client):
    routes = {"/clients/{phone}": {"GET", "PUT"}, "/clients/{phone}/preferences": {"PATCH"},
              "/clients/{phone}/events": {"GET"}, "/messages": {"POST"},
              "/messages/1": {"GET"}, "/campaigns": {"POST"}, "/campaigns/1": {"GET"},
              "/classify": {"POST"}, "/openapi.json": {"GET"},
              "/reports/opt-outs": {"GET"}}
    failures = []
    for path, allowed in routes.items():
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed):
            response = api_call(client, method, path.format(phone=PHONE), body=b"{}")
            check_answer(response)
            allow = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
            if response.status_code != 405 or not allowed <= allow:
                failures.append((method, path, response.status_code,
                                 response.headers.get("Allow")))
    assert not failures, failures
