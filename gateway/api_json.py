"""JSON in and out of /api/v1: checked request bodies, paging parameters, phones, timestamps."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, get_args, get_origin

from flask import current_app, request

from gateway.errors import ApiError
from gateway.strict_json import load_object
from store.clock import to_aware
from store.messaging import clean_text
from store.phones import parse_phone

MAX_ACTOR = 120  # the width of the actor column of events, messages and campaigns

KIND_NAMES = {str: "a string", bool: "true or false", int: "a whole number",
              dict: "an object", list: "a list"}
# Fields a person writes several lines in; every other string is one line. No string holds
# NUL or another control character: they forge log lines and PostgreSQL cannot store NUL.
# The patterns are JSON Schema's too (api_schemas.py), so the document is as tight as this.
PROSE_FIELDS = frozenset({"text", "note"})
ONE_LINE = r"^[^\u0000-\u001f\u007f-\u009f]*$"
PROSE = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
_ONE_LINE, _PROSE = re.compile(ONE_LINE), re.compile(PROSE)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def read_body(required: dict[str, Any], optional: dict[str, Any] | None = None, *,
              client_text: str | None = None) -> dict[str, Any]:
    """Return the request's JSON object, checked against the keys and types it may hold.

    `required` and `optional` map each key to its type (str, bool, list[str], dict[str, str]).
    An optional key given as null counts as absent and is left out of the result. The key
    `client_text` names a text a client wrote: its control characters are removed, as from
    an inbound text, instead of refused.
    """
    optional = optional or {}
    body = _json_object()
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        accepted = ", ".join([*required, *optional])
        raise bad_request(f"unknown field{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(unknown)}; this endpoint accepts {accepted}")
    missing = [key for key in required if body.get(key) is None]
    if missing:
        raise bad_request(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    checked = {}
    for key, value in body.items():
        if value is None:
            continue  # an optional key (a required one was reported missing above)
        kind = required.get(key) or optional[key]
        if not _matches(value, kind):
            raise bad_request(f"{key} must be {_describe(kind)}")
        if key == client_text:
            value = clean_text(value)
        elif not _fits(value, _PROSE if key in PROSE_FIELDS else _ONE_LINE):
            what = ("a control character" if key in PROSE_FIELDS
                    else "a line break or control character")
            raise bad_request(f"{key} must not contain {what}")
        checked[key] = value
    return checked


def _json_object() -> dict[str, Any]:
    # over MAX_CONTENT_LENGTH get_data raises 413, answered as JSON
    return load_object(request.get_data(cache=True))


def _fits(value: Any, pattern: re.Pattern) -> bool:
    if isinstance(value, str):
        return bool(pattern.match(value))
    if isinstance(value, dict):
        return all(_fits(k, _ONE_LINE) and _fits(v, pattern) for k, v in value.items())
    if isinstance(value, list):
        return all(_fits(v, pattern) for v in value)
    return True


def _matches(value: Any, kind: Any) -> bool:
    origin = get_origin(kind)
    if origin is None:
        # bool is an int in Python, but true is not a number in JSON
        return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
    if not isinstance(value, origin):
        return False
    args = get_args(kind)
    values = value if origin is list else value.values()
    return all(_matches(v, args[-1]) for v in values)


def _describe(kind: Any) -> str:
    origin = get_origin(kind)
    if origin is None:
        return KIND_NAMES[kind]
    inner = KIND_NAMES[get_args(kind)[-1]].removeprefix("a ").removeprefix("an ")
    return f"{KIND_NAMES[origin]} of {inner}s"


def actor_of(body: dict[str, Any], *, required: bool = True) -> str | None:
    """Return the body's actor, trimmed; every change is attributed to someone."""
    actor = (body.get("actor") or "").strip()
    if not actor:
        if required:
            raise bad_request("actor must name who asks (a user id or the CRM's name)")
        return None
    if len(actor) > MAX_ACTOR:
        raise bad_request(f"actor has at most {MAX_ACTOR} characters")
    return actor


# The largest id a database column holds (a signed 64-bit integer): SQLite raises past it.
MAX_ID = 2**63 - 1


def query_int(name: str, *, default: int | None, low: int, high: int = MAX_ID) -> int | None:
    """Return the query parameter `name` as a whole number within bounds, or raise 400."""
    given = request.args.getlist(name)
    if len(given) > 1:
        raise bad_request(f"{name} is given more than once")
    if not given:
        return default
    raw = given[0]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):  # int() takes " 1_0", "１"
        raise bad_request(f"{name} must be a whole number, not {raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}, not {value}")
    return value


def phone_of(text: str) -> str:
    """Return `text` as E.164 in the dealership's region; InvalidPhone answers 422."""
    return parse_phone(text, region=current_app.extensions["smsprefs"].default_region)


def iso(moment: datetime | None) -> str | None:
    """Return a stored naive UTC time as ISO 8601 with a Z, e.g. 2026-11-26T14:03:00.000Z."""
    if moment is None:
        return None
    return to_aware(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")
