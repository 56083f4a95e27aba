"""Request bodies read as strict JSON: the one door every JSON body comes in through.

Python's json module accepts what a sender can use against us: duplicate keys (the last
silently wins), NaN and Infinity, lone surrogates ("\\ud800", which no database can store),
and nesting deep enough to exhaust the stack. No library refuses all of these with one
clear error, so this small reader does, before any field is looked at (SPEC section 5).
"""

from __future__ import annotations

import json
from typing import Any

from gateway.errors import ApiError

MAX_DEPTH = 32


def bad_json(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def load_object(data: bytes) -> dict[str, Any]:
    """Return `data` as a JSON object, or raise ApiError(400) saying what is wrong with it."""
    if not data.strip():
        raise bad_json("the request needs a JSON object body")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_json("the request body is not valid UTF-8") from None
    try:
        body = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except RecursionError:
        raise bad_json(f"the JSON body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, a duplicate key, NaN, a 5,000-digit number
        raise bad_json(f"the request body is not valid JSON: {_first_line(exc)}") from None
    if not isinstance(body, dict):
        raise bad_json("the request body must be a JSON object")
    _check_values(body)
    return body


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        repeated = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"the key {_quoted(repeated)} appears twice")
    return body


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _check_values(body: dict[str, Any]) -> None:
    """Refuse nesting past MAX_DEPTH and strings that are not Unicode text (lone surrogates)."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            if isinstance(value, str) and not _is_text(value):
                raise bad_json("the JSON body holds a string that is not valid Unicode "
                               "(a lone surrogate escape)")
            continue
        if depth > MAX_DEPTH:
            raise bad_json(f"the JSON body is nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _quoted(key: str) -> str:
    return json.dumps(key[:40]) if _is_text(key) else "(not valid Unicode)"


def _first_line(exc: ValueError) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else "unreadable"
