"""What a Vonage webhook may carry, field by field: type and shape checked before anything
reads it (SPEC section 5). A field of the wrong type, a repeated parameter or a malformed
id is a 400 that changes nothing; unknown fields Vonage may add are let through.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import ConfigDict, Field, StrictInt, StrictStr, ValidationError
from werkzeug.wrappers import Request

from gateway.errors import ApiError
from gateway.fields import Strict, address, token
from gateway.strict_json import load_object

Text = Annotated[StrictStr, Field(default="", description="a string")]
PartNumber = Annotated[StrictStr | None, Field(default=None, pattern=r"^[0-9]{1,3}$",
                                               description="a part number (1 to 255)")]


class WebhookFields(Strict):
    """A webhook's fields: strict as every body is, and open to fields Vonage may add."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class SmsInbound(WebhookFields):
    """An SMS API inbound text (all values strings, as Vonage sends them)."""

    msisdn: address()
    message_id: token(100, "Vonage's message id") = Field(alias="messageId")
    to: address(optional=True)
    text: Text
    message_timestamp: StrictStr | None = Field(None, alias="message-timestamp",
                                                description="a time, a string")
    concat: StrictStr | None = Field(None, description="true or absent")
    concat_ref: token(40, "the concatenation reference", optional=True) = Field(alias="concat-ref")
    concat_part: PartNumber = Field(alias="concat-part")
    concat_total: PartNumber = Field(alias="concat-total")


class SmsReceipt(WebhookFields):
    """An SMS API delivery receipt."""

    message_id: token(100, "Vonage's message id") = Field(alias="messageId")
    status: token(40, "a delivery status")
    err_code: token(10, "an error code", optional=True) = Field(alias="err-code")
    msisdn: address(optional=True)


class MessagesFields(WebhookFields):
    """What every Messages API webhook may carry at its top level."""

    message_uuid: token(100, "Vonage's message uuid")
    to: address(optional=True)
    channel: token(20, "a channel name", optional=True)
    message_type: token(20, "a message type", optional=True)
    timestamp: StrictStr | None = Field(None, description="an ISO 8601 time, a string")


class MessagesInbound(MessagesFields):
    """A Messages API inbound message (only SMS is read)."""

    from_: address() = Field(alias="from")
    text: Text


class MessagesError(WebhookFields):
    title: StrictStr | StrictInt | None = None
    detail: StrictStr | None = None


class MessagesStatus(MessagesFields):
    """A Messages API status update."""

    from_: address(optional=True) = Field(alias="from")
    status: token(40, "a message status")
    error: MessagesError | None = None


Fields = TypeVar("Fields", bound=WebhookFields)


def read_fields(model: type[Fields], params: dict[str, Any]) -> Fields:
    """Return `params` checked against `model`, or raise ApiError(400) naming the field."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise ApiError(400, "bad_request", _describe(model, exc.errors()[0])) from None


def _describe(model: type[WebhookFields], error: dict) -> str:
    name = ".".join(str(part) for part in error["loc"]) or "the body"
    if error["type"] == "missing":
        return f"the webhook lacks {name}"
    field = next((f for key, f in model.model_fields.items()
                  if name in (key, f.alias)), None)
    if error["type"] == "string_too_short":
        return f"{name} must not be empty"
    if error["type"] == "string_type":
        return f"{name} must be a string"
    if error["type"] in ("model_type", "dict_type"):
        return f"{name} must be an object"
    description = field.description if field and field.description else "well formed"
    return f"{name} must be {description}"


FORM = "application/x-www-form-urlencoded"


def single_values(request: Request) -> dict[str, str]:
    """Return the query string and form of `request` as one dict; 400 for a repeated key.

    A parameter given twice (in the query, the form, or both) is ambiguous: which one the
    signature covered and which one we read could differ, so neither is chosen.
    """
    pairs = url_pairs(request.query_string)
    if request.method == "POST" and not request.is_json:
        if request.mimetype == FORM:  # what Vonage posts
            pairs += url_pairs(request.get_data())
        else:
            pairs += list(request.form.items(multi=True))
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values:
            raise ApiError(400, "bad_request",
                           f"the parameter {key[:40]!r} is given more than once")
        values[key] = value
    return values


def url_pairs(data: bytes) -> list[tuple[str, str]]:
    """Return a query string's or a urlencoded form's pairs as werkzeug reads them (its
    own call: parse_qsl, blank values kept, escapes that are not UTF-8 kept
    percent-encoded); 400 for `data` that is not UTF-8 itself.

    By hand around that call because werkzeug's request.args and request.form build a
    parser, a limited stream and a MultiDict around it: ~300,000 instructions a webhook
    where this takes ~130,000 (valgrind), a tenth of an inbound text's. The body is read
    by request.get_data(), which keeps Flask's MAX_CONTENT_LENGTH (413).
    tests/gateway/test_fields.py compares the two on forms made to trip a parser.
    """
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise ApiError(400, "bad_request", "the parameters are not UTF-8") from None
    return parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")


def sms_params(request: Request) -> tuple[dict[str, str], str | None]:
    """Return an SMS API webhook's parameters (query string, form or JSON) and its ?token=."""
    params = single_values(request)
    token = params.get("token")
    if request.method == "POST" and request.is_json:
        params = load_object(request.get_data())
        for key, value in params.items():
            if not isinstance(value, str):  # Vonage sends every value as a string
                raise ApiError(400, "bad_request", f"{key[:40]!r} must be a string")
    return params, token


# an SMS API message-timestamp as Vonage writes it, its time of day in range (ASCII digits:
# strptime takes others; and from Python 3.14 fromisoformat reads hour 24 as the next day)
VONAGE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")


def vonage_time(text: str | None) -> datetime | None:
    """Return an SMS API `message-timestamp` (UTC "YYYY-MM-DD HH:MM:SS"), or None."""
    if text is None:
        return None
    # the exact shape read by fromisoformat (~0.5 µs, where strptime takes ~8 µs); any other
    # text goes to strptime, which refuses what fromisoformat would also take (a "T", a zone,
    # fractions of a second, a date alone): tests/gateway/test_fields.py
    if VONAGE_TIME.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:  # a month or day out of range (February 30, year 0)
            return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def iso_time(text: str | None) -> datetime | None:
    """Return a Messages API `timestamp` (ISO 8601), or None."""
    try:
        return datetime.fromisoformat((text or "").replace("Z", "+00:00"))
    except ValueError:
        return None
