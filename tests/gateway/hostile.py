"""Hostile input for the gateway (SPEC section 5): hypothesis strategies, raw requests that are
signed the way Vonage signs them (so they reach validation), and a snapshot of everything a
request could change.

Values are written into request bodies and query strings by hand, byte for byte, so that a test
can send what no well-behaved client library would: lone surrogates as JSON escapes or as raw
bytes, invalid UTF-8, duplicate JSON keys, NaN and 400-digit numbers, 2000 levels of nesting.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote_from_bytes

import phonenumbers
import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" codec error handler)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from peewee import fn

from store.models import (
    Alert,
    AutomationSwitch,
    Campaign,
    Client,
    ConsentEvent,
    InboundMessage,
    InboundPart,
    OutboundMessage,
    Phone,
    Review,
)
from tests.fakes.signing import messages_jwt, signature_base
from tests.gateway.conftest import API_TOKEN, SIGNATURE_SECRET, WEBHOOK_TOKEN

HOSTILE = settings(
    max_examples=50, deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much])
DEALER = "12125550199"


# --- fresh phones and ids (never drawn: each example gets its own) -------------------------

_numbers = itertools.count()


def fresh_phone() -> str:
    """Return an E.164 US number no earlier call returned, valid for phonenumbers."""
    while True:
        n = next(_numbers)
        e164 = f"+1212{300 + (n // 10_000) % 600:03d}{n % 10_000:04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            return e164


def fresh_id(prefix: str = "hx") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


# --- raw bytes ------------------------------------------------------------------------------

class Raw(bytes):
    """Bytes written into a body or query string exactly as they are (no quoting, no JSON)."""

    def __repr__(self) -> str:
        return f"Raw({bytes(self)[:80]!r}{'…' if len(self) > 80 else ''} len={len(self)})"


def nested(depth: int, kind: str) -> Raw:
    """Return a JSON value `depth` levels deep: [[[…]]] or {"a":{"a":…}}."""
    if kind == "[":
        return Raw(b"[" * depth + b"1" + b"]" * depth)
    return Raw(b'{"a":' * depth + b"1" + b"}" * depth)


def encode_json(value) -> bytes:
    """Return `value` as JSON bytes; lone surrogates become \\udXXX escapes, Raw stays raw."""
    if isinstance(value, Raw):
        return bytes(value)
    if isinstance(value, list):
        return b"[" + b",".join(encode_json(v) for v in value) + b"]"
    if isinstance(value, dict):
        return json_object(value.items())
    return json.dumps(value).encode()  # ensure_ascii: "\ud800" written as an escape


def json_object(pairs: Iterable[tuple[str, object]]) -> bytes:
    """Return a JSON object from (key, value) pairs, in order, a repeated key repeated."""
    return b"{" + b",".join(encode_json(k) + b":" + encode_json(v) for k, v in pairs) + b"}"


def encode_query(pairs: Iterable[tuple[str, object]]) -> bytes:
    """Return an application/x-www-form-urlencoded string; Raw values go in unquoted."""
    def part(value) -> bytes:
        if isinstance(value, Raw):
            return bytes(value)
        text = value if isinstance(value, str) else json.dumps(value) if not isinstance(
            value, bytes) else value.decode("latin-1")
        return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="").encode()

    return b"&".join(part(k) + b"=" + part(v) for k, v in pairs)


# --- strategies -----------------------------------------------------------------------------

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
# Removed from a text before it is read, without splitting a word: control characters that
# are not whitespace, and zero-width characters.
INVISIBLE = [c for c in CONTROLS if not c.isspace()] + ["\u200b", "\u200c", "\u200d", "\u2060",
                                                         "\ufeff"]
ODD = ["\u2028", "\u2029", "\u202e", "\ufffd", "\U0001F6D1", "\u0301", "\n", "\r", "%", "&",
       "=", "+", "'", '"', "\\", "<", ";", "\u00e9"]
DIGITS = "0123456789" "٠١٢٣٤٥٦٧٨٩" "۰۱۲۳۴۵۶۷۸۹" "０１２３４５６７８９" "०१२३४५६७८९"
INVALID_UTF8 = [b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80",
                b"ST\xffOP", b"\xf4\x90\x80\x80", b"\xed\xbf\xbf"]
SPECIAL_STRINGS = ["", " ", "\x00", "None", "null", "true", "[]", "{}", "0", "-1", "1e308", "NaN",
                   "Infinity", "-0", "1" + "0" * 400, "0x1F", "١٢٣", "１２３", "\u00a0", "\t",
                   "STOP", "START", "%00", "%FF", "../../etc", "' OR 1=1 --", "\\u0000"]

odd_chars = st.one_of(st.characters(), st.sampled_from(CONTROLS + INVISIBLE + ODD),
                      st.sampled_from(DIGITS))
hostile_text = st.text(odd_chars, max_size=30)
surrogate_text = st.tuples(st.text(odd_chars, max_size=6), st.integers(0xD800, 0xDFFF),
                           st.text(odd_chars, max_size=6)).map(lambda t: t[0] + chr(t[1]) + t[2])
# sizes around the 64 KiB body limit too: 413 must be JSON like every 4xx
huge_text = st.builds(lambda n, c: c * n, st.sampled_from([101, 1_000, 10_001, 30_000, 70_000]),
                      st.sampled_from(["x", "9", "\x00", "\u00e9", "STOP ", "\U0001F6D1"]))


@st.composite
def phone_like(draw) -> str:
    """A phone written oddly: other digit scripts, controls inside, too long, letters."""
    digits = draw(st.sampled_from(["12125550100", "2125550100", "447700900123", "1" * 40, "911"]))
    script = draw(st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９"]))
    digits = digits.translate(str.maketrans("0123456789", script))
    junk = draw(st.text(st.sampled_from([*INVISIBLE, "-", " ", "(", ")", ".", "\n", "a"]),
                        max_size=3))
    at = draw(st.integers(0, len(digits)))
    prefix = draw(st.sampled_from(["", "+", "00", "＋", "tel:"]))
    return prefix + digits[:at] + junk + digits[at:]


def _stamp(moment: datetime, sep: str = " ") -> str:
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}{sep}"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")


_NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
ABSURD_STAMPS = ["9999-12-31 23:59:59", "0001-01-01 00:00:00", "1970-01-01 00:00:00",
                 "-1", "0", "abc", "", " ", "2026-13-45 99:99:99", "9999999999", "1e308", "NaN",
                 "２０２６-０１-０１ ００:００:００", "2026-02-30 12:00:00", "10000-01-01 00:00:00",
                 "-2026-01-01 00:00:00", "\x00", "2026-01-01T00:00:00+14:00"]


@st.composite
def absurd_timestamp(draw, iso: bool = False) -> str:
    """A timestamp unparseable, or more than a day (plus a margin) from now."""
    now = _NOW  # a fixed bound: hypothesis replays draws against the same bounds
    kind = draw(st.sampled_from(["fixed", "past", "future"]))
    if kind == "fixed":
        return draw(st.sampled_from(ABSURD_STAMPS))
    if kind == "past":
        moment = draw(st.datetimes(datetime(1, 1, 1), now - timedelta(days=2)))
    else:
        moment = draw(st.datetimes(now + timedelta(days=2), datetime(9999, 12, 31, 23, 59, 59)))
    if not iso:
        return _stamp(moment)
    zone = draw(st.sampled_from(["Z", "+00:00", "+14:00", "-12:00", ""]))
    return _stamp(moment, "T") + zone


AROUND_STOP = [*CONTROLS, *INVISIBLE, " ", "  ", "!", "!!!", ".", ",", "?", "-", "*", "'", '"', "(",
          ")", "\U0001F6D1", "\U0001F621", "\u2026"]


@st.composite
def stop_in_junk(draw) -> str:
    """STOP with invisible characters between its letters, and junk before and after."""
    word = draw(st.sampled_from(["STOP", "stop", "Stop", "sToP"]))
    inside = st.text(st.sampled_from(INVISIBLE), max_size=3)
    core = "".join(draw(inside) + letter for letter in word) + draw(inside)
    around = st.lists(st.sampled_from(AROUND_STOP), max_size=4).map("".join)
    return draw(around) + core + draw(around)


short_strings = st.one_of(hostile_text, surrogate_text, st.sampled_from(SPECIAL_STRINGS))
hostile_strings = st.one_of(hostile_text, surrogate_text, huge_text, st.sampled_from(
    SPECIAL_STRINGS), absurd_timestamp(), absurd_timestamp(iso=True), phone_like())

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([1e308, -1e308, 5e-324, 2**63, -(2**63) - 1, 10**30]))
json_junk = st.recursive(scalars | st.text(odd_chars, max_size=5),
                         lambda kids: st.lists(kids, max_size=3)
                         | st.dictionaries(st.text(max_size=5), kids, max_size=3), max_leaves=8)
# a list or an object where a string belongs
containers = st.one_of(st.lists(json_junk, max_size=3),
                       st.dictionaries(st.text(max_size=5), json_junk, max_size=3),
                       st.sampled_from([["START"], ["STOP"], {"text": "START"}, [], {}, [None],
                                        [["x"]]]))
raw_json = st.one_of(
    st.builds(nested, st.integers(33, 2000), st.sampled_from("[{")),
    st.integers(300, 5000).map(lambda k: Raw(b"1" + b"0" * k)),
    st.sampled_from([Raw(b"NaN"), Raw(b"Infinity"), Raw(b"-Infinity"), Raw(b"1e400"),
                     Raw(b"-1e400"), Raw(b"-0"), Raw(b'"\\ud800"'), Raw(b'"\\udfff\\ud800"'),
                     Raw(b'"ST\\u0000OP"')]),
    st.sampled_from(INVALID_UTF8).map(lambda b: Raw(b'"' + b + b'"')),
)
# any value a sender may put in a JSON field
json_values = st.one_of(hostile_strings, json_junk, containers, raw_json)
# any value a sender may put in a query string or form field
form_values = st.one_of(hostile_strings, st.sampled_from(INVALID_UTF8).map(Raw))
field_names = st.one_of(st.sampled_from(["sig", "token", "api-key", "nonce", "", "__proto__",
                                         "text[]", "text ", "TEXT", "messageid", "a" * 300]),
                        st.text(odd_chars, min_size=1, max_size=12))

CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data",
                 "application/json; charset=latin-1", "application/vnd.api+json", "",
                 "application/x-www-form-urlencoded; charset=utf-16"]


@dataclass
class Mutation:
    """One change a sender makes to a request's fields."""

    op: str  # set | repeat | drop | extra
    key: str
    value: object = None

    def apply(self, pairs: list[tuple[str, object]]) -> list[tuple[str, object]]:
        if self.op == "drop":
            return [(k, v) for k, v in pairs if k != self.key]
        if self.op == "set" and any(k == self.key for k, _ in pairs):
            return [(k, self.value if k == self.key else v) for k, v in pairs]
        if self.op == "repeat":
            return [(self.key, self.value), *pairs]  # first and last differ
        return [*pairs, (self.key, self.value)]


def mutations(fields: list[str], values) -> st.SearchStrategy[list[Mutation]]:
    one = st.one_of(
        st.builds(Mutation, st.just("set"), st.sampled_from(fields), values),
        st.builds(Mutation, st.just("repeat"), st.sampled_from(fields), values),
        st.builds(Mutation, st.just("drop"), st.sampled_from(fields)),
        st.builds(Mutation, st.just("extra"), field_names, values),
    )
    return st.lists(one, min_size=1, max_size=3)


# --- what the gateway will see, signed as Vonage signs it ----------------------------------

def sms_sig(view: dict) -> str:
    """Return the SMS API `sig` (HMAC-SHA256, the default method) of the gateway's view.

    Values are str()-ed as the SDK's signer does; lone surrogates are encoded with
    surrogatepass so that a hostile value can still be signed and reach validation.
    """
    base = signature_base({k: v for k, v in view.items() if k != "sig"})
    return hmac.new(SIGNATURE_SECRET.encode(), base.encode("utf-8", "surrogatepass"),
                    hashlib.sha256).hexdigest().upper()


def _first_values(data: bytes) -> dict | None:
    try:
        items = parse_qsl(data.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    except UnicodeDecodeError:
        return None
    view: dict = {}
    for key, value in items:
        view.setdefault(key, value)
    return view


def _json_view(body: bytes) -> dict | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class SmsRequest:
    """An SMS API webhook request (inbound text or delivery receipt) as a sender shapes it."""

    path: str  # /webhooks/vonage/inbound or /webhooks/vonage/status
    pairs: list[tuple[str, object]]
    transport: str = "form"  # get | form | json
    mode: str = "signed"  # signed | token
    content_type: str | None = None  # overrides the transport's own
    token: object = WEBHOOK_TOKEN  # the ?token= sent in token mode

    def sign(self) -> SmsRequest:
        """Add the token (token mode) or `sig` (signed mode, unless the sender set one)."""
        if self.mode == "token":
            return self
        if any(k == "sig" for k, _ in self.pairs):
            return self
        query, body = self.encoded()
        if self.transport == "json":
            view = _json_view(body)
        else:
            view = _first_values(query) or {}
            if self.transport == "form":
                form = _first_values(body)
                view = None if form is None else {**view, **form}
        if view is not None:
            self.pairs = [*self.pairs, ("sig", sms_sig(view))]
        return self

    def encoded(self) -> tuple[bytes, bytes]:
        """Return (query string, body)."""
        token = [("token", self.token)] if self.mode == "token" else []
        if self.transport == "get":
            return encode_query([*token, *self.pairs]), b""
        body = (json_object(self.pairs) if self.transport == "json"
                else encode_query(self.pairs))
        return encode_query(token), body

    def send(self, client):
        query, body = self.encoded()
        content_type = self.content_type
        if content_type is None:
            content_type = {"json": "application/json",
                            "form": "application/x-www-form-urlencoded"}.get(self.transport)
        headers = {"Content-Type": content_type} if content_type else {}
        return client.open(self.path, method="GET" if self.transport == "get" else "POST",
                           data=body or None, headers=headers,
                           environ_overrides={"QUERY_STRING": query.decode("latin-1")})


def inbound_pairs(phone: str, text: str = "hello", *, message_id: str | None = None,
                  concat: bool = False, stamp: str | None = None) -> list[tuple[str, object]]:
    """Return the parameters of a well-formed inbound text, as Vonage sends them."""
    pairs = [("msisdn", phone.lstrip("+")), ("to", DEALER),
             ("messageId", message_id or fresh_id()), ("text", text), ("type", "text"),
             ("keyword", (text.split() or [""])[0].upper()),
             ("message-timestamp", stamp or time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())),
             ("api-key", "abcd1234"), ("timestamp", str(int(time.time()))),
             ("nonce", str(uuid.uuid4()))]
    if concat:
        pairs += [("concat", "true"), ("concat-ref", str(uuid.uuid4().int % 256)),
                  ("concat-part", "1"), ("concat-total", "2")]
    return pairs


def receipt_pairs(vonage_id: str, phone: str) -> list[tuple[str, object]]:
    """Return the parameters of a well-formed SMS API delivery receipt."""
    return [("msisdn", phone.lstrip("+")), ("to", DEALER), ("network-code", "310260"),
            ("messageId", vonage_id), ("price", "0.00570000"), ("status", "delivered"),
            ("scts", time.strftime("%y%m%d%H%M", time.gmtime())), ("err-code", "0"),
            ("message-timestamp", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())),
            ("api-key", "abcd1234"), ("timestamp", str(int(time.time()))),
            ("nonce", str(uuid.uuid4()))]


@dataclass
class MessagesRequest:
    """A Messages API webhook: a JSON body and the Bearer JWT Vonage signs over its bytes."""

    path: str  # /webhooks/vonage/messages or /webhooks/vonage/messages/status
    pairs: list[tuple[str, object]]
    mode: str = "signed"  # signed | token
    content_type: str = "application/json"
    body: bytes | None = None  # when set, sent instead of the pairs
    authorization: str | None = None  # when set, sent instead of a fresh valid JWT
    token: object = WEBHOOK_TOKEN  # the ?token= sent in token mode

    def raw(self) -> bytes:
        return self.body if self.body is not None else json_object(self.pairs)

    def signed(self) -> MessagesRequest:
        """Fix the Authorization header to a fresh, valid JWT over the body."""
        if self.mode == "signed" and self.authorization is None:
            self.authorization = f"Bearer {messages_jwt(self.raw(), SIGNATURE_SECRET)}"
        return self

    def send(self, client):
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        if self.mode == "signed":
            self.signed()
            headers["Authorization"] = self.authorization
        query = encode_query([("token", self.token)]) if self.mode == "token" else b""
        return client.open(self.path, method="POST", data=self.raw(), headers=headers,
                           environ_overrides={"QUERY_STRING": query.decode("latin-1")})


def message_pairs(phone: str, text: str = "hello", *, uuid_: str | None = None,
                  stamp: str | None = None) -> list[tuple[str, object]]:
    return [("message_uuid", uuid_ or fresh_id()), ("to", DEALER), ("from", phone.lstrip("+")),
            ("timestamp", stamp or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
            ("channel", "sms"), ("message_type", "text"), ("text", text),
            ("sms", {"num_messages": "1", "keyword": (text.split() or [""])[0].upper()})]


def message_status_pairs(vonage_id: str, phone: str) -> list[tuple[str, object]]:
    return [("message_uuid", vonage_id), ("to", phone.lstrip("+")), ("from", DEALER),
            ("timestamp", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
            ("status", "delivered"), ("channel", "sms"),
            ("usage", {"currency": "EUR", "price": "0.0333"})]


def api_call(client, method: str, path: str, *, body: bytes | None = None,
             content_type: str | None = "application/json", query: bytes = b"",
             authorization: str | None = None):
    """Call /api/v1 with raw bytes and a raw query string (the bearer token unless given)."""
    headers = {"Authorization": authorization if authorization is not None
               else f"Bearer {API_TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    return client.open(f"/api/v1{path}", method=method, data=body, headers=headers,
                       environ_overrides={"QUERY_STRING": query.decode("latin-1")})


# --- answers and state ----------------------------------------------------------------------

def describe(response) -> str:
    return f"{response.status_code} {response.get_data()[:300]!r}"


def check_answer(response) -> None:
    """Property 1: never a 5xx; every 4xx is JSON {"error": str, "message": str}."""
    assert response.status_code < 500, f"5xx: {describe(response)}"
    assert response.status_code >= 200, describe(response)
    if response.status_code >= 400:
        body = response.get_json(silent=True)
        assert isinstance(body, dict), f"4xx body is not a JSON object: {describe(response)}"
        assert isinstance(body.get("error"), str), describe(response)
        assert isinstance(body.get("message"), str), describe(response)


def snapshot() -> dict:
    """Everything a request may change: consent of every phone, events, texts, alerts, clients."""
    phones = {e164: (overall, source, blocked) for e164, overall, source, blocked in Phone.select(
        Phone.e164, Phone.overall, Phone.overall_source, Phone.carrier_blocked).tuples()}
    switches = sorted(AutomationSwitch.select(
        Phone.e164, AutomationSwitch.automation, AutomationSwitch.state, AutomationSwitch.source)
        .join(Phone).tuples())
    events = dict(ConsentEvent.select(ConsentEvent.outcome, fn.COUNT(ConsentEvent.id))
                  .group_by(ConsentEvent.outcome).tuples())
    outbound = OutboundMessage.select(OutboundMessage.id, OutboundMessage.status,
                                      OutboundMessage.to).order_by(OutboundMessage.id).tuples()
    return {
        "phones": phones,
        "switches": switches,
        "applied events": events.get("applied", 0),
        "refused events": events.get("refused", 0),
        "outbound": [row for row in outbound if row[1] != "blocked"],
        "blocked outbound": sum(1 for row in outbound if row[1] == "blocked"),
        "alerts": Alert.select().count(),
        "clients": sorted(Client.select(Client.phone, Client.name, Client.crm_id).tuples()),
        "inbound": InboundMessage.select().count(),
        "parts": InboundPart.select().count(),
        "reviews": Review.select().count(),
        "campaigns": Campaign.select().count(),
    }


def assert_unchanged(before: dict, after: dict, response, *, allow: tuple[str, ...] = ()) -> None:
    """Property 2: a request answered 4xx changed nothing (but what `allow` names)."""
    for key in before:
        if key in allow:
            continue
        if key == "phones" and "new phones" in allow:
            changed = {p: (s, after["phones"].get(p)) for p, s in before["phones"].items()
                       if after["phones"].get(p) != s}
            changed.update({p: (None, s) for p, s in after["phones"].items()
                            if p not in before["phones"] and s != ("unknown", "default", False)})
            assert not changed, f"{describe(response)} changed phones: {changed}"
            continue
        assert before[key] == after[key], (
            f"{describe(response)} changed {key}: {str(before[key])[-200:]} -> "
            f"{str(after[key])[-200:]}")


def answered(send, *, allow=()):
    """Send, check the answer (property 1), and on a 4xx that nothing changed (property 2)."""
    before = snapshot()
    response = send()
    check_answer(response)
    if 400 <= response.status_code < 500:
        assert_unchanged(before, snapshot(), response, allow=allow)
    return response


def no_none_stored() -> None:
    """Property 3: a null was not stored as the string "None" (nor a list as its repr)."""
    for model, columns in ((InboundMessage, ("provider_id", "from_number", "to_number", "text")),
                           (InboundPart, ("provider_id", "from_number", "to_number", "text",
                                          "concat_ref"))):
        for column in columns:
            col = getattr(model, column)
            bad = model.select().where(col.in_(["None", "null", "[]", "{}"]) | col.startswith("[")
                                       | col.startswith("{")).count()
            assert bad == 0, f"{model.__name__}.{column} holds a coerced null/list/object"
    bad = ConsentEvent.select().where(ConsentEvent.inbound_message_id.in_(["None", "null"])
                                      | ConsentEvent.raw_text.in_(["None", "null"])).count()
    assert bad == 0, "a consent event holds a coerced null"
