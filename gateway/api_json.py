"""JSON into /api/v1: a body or query string read into its model, or a 400/422 naming the field.

The body comes through strict_json (UTF-8, no duplicate keys, no NaN, 32 levels at most)
before pydantic sees it. Of the errors pydantic reports, a malformed field is 400
bad_request; only when every field is well formed does a phone that is not a number answer
422 invalid_phone, or an automation that is not registered 422 unknown_automation.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError

from gateway.errors import ApiError
from gateway.fields import CONTROL, NAMED, ONE_LINE, PROSE, PROSE_CONTROL, PROSE_TEXT
from gateway.strict_json import load_object
from store.phones import parse_phone

Model = TypeVar("Model", bound=BaseModel)
SEMANTIC = ("invalid_phone", "unknown_automation")  # 422, with the store's own code
KINDS = {"string": "a string", "boolean": "true or false", "integer": "a whole number",
         "object": "an object", "array": "a list"}
CONTROLS, PROSE_CONTROLS = re.compile(f"[{CONTROL}]"), re.compile(f"[{PROSE_CONTROL}]")


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def read_body(model: type[Model]) -> Model:
    """Return the request's JSON object read into `model`, or raise ApiError."""
    body = load_object(request.get_data(cache=True))  # past the body limit: 413, as JSON
    try:
        return model.model_validate(body, context={"region": _region()})
    except ValidationError as exc:
        raise api_error(model, exc) from None


def read_query(model: type[Model]) -> Model:
    """Return the query string read into `model`; a parameter given twice is 400."""
    values = {}
    for name in model.model_fields:
        given = request.args.getlist(name)
        if len(given) > 1:
            raise bad_request(f"{name} is given more than once")
        if given:
            values[name] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise api_error(model, exc) from None


def phone_of(text: str) -> str:
    """Return `text` as E.164 in the dealership's region; InvalidPhone answers 422."""
    return parse_phone(text, region=_region())


def _region() -> str:
    return current_app.extensions["smsprefs"].default_region


def api_error(model: type[BaseModel], exc: ValidationError) -> ApiError:
    """Return the one error to answer for what pydantic found wrong, naming the field."""
    errors = exc.errors(include_url=False)
    unknown = [str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden"]
    if unknown:
        accepted = ", ".join(model.model_fields)
        return bad_request(f"unknown field{_s(unknown)} {', '.join(unknown)}; "
                           f"this endpoint accepts {accepted}")
    missing = [str(e["loc"][0]) for e in errors if e["type"] == "missing"]
    if missing:
        return bad_request(f"missing field{_s(missing)} {', '.join(missing)}")
    malformed = [e for e in errors if e["type"] not in SEMANTIC]
    if malformed:
        return bad_request(describe(model, malformed[0]))
    error = errors[0]
    return ApiError(422, error["type"], f"{_name(error['loc'])}: {error['msg']}")


def describe(model: type[BaseModel], error: dict) -> str:
    """Return a sentence saying what is wrong with one field."""
    loc, kind, value, ctx = error["loc"], error["type"], error["input"], error.get("ctx", {})
    name, field = _name(loc), str(loc[0])
    schema = _field_schemas(model).get(field, {})
    if kind.endswith("_type") or (kind == "literal_error" and not isinstance(value, str)):
        return f"{field} must be {_kind(schema)}"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", ctx["expected"])
        wanted = (" or ".join(f"'{o}'" for o in options) if len(options) == 2
                  else f"one of {', '.join(options)}")
        return f"{name} must be {wanted}, not {value[:40]!r}"
    if kind == "string_pattern_mismatch":
        return f"{name} {_pattern_rule(ctx['pattern'], value)}"
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if kind == "string_too_long" else "items"
        return f"{name} has at most {ctx['max_length']} {unit}"
    if kind in ("string_too_short", "too_short"):
        return f"{name} must not be empty"
    if kind == "whole_number" or kind.startswith(("greater_than", "less_than")):
        low, high = schema.get("minimum"), schema.get("maximum")
        return f"{name} must be a whole number from {low} to {high}, not {str(value)[:40]!r}"
    return f"{name}: {error['msg']}"


def _pattern_rule(pattern: str, value: str) -> str:
    if pattern in (PROSE, PROSE_TEXT) and PROSE_CONTROLS.search(value):
        return "must not contain a control character"
    if pattern in (ONE_LINE, NAMED) and CONTROLS.search(value):
        return "must not contain a line break or control character"
    if pattern in (NAMED, PROSE_TEXT):
        return "must not be blank"
    return f"must match {pattern}"


def _name(loc: tuple) -> str:
    """Return where in the body an error is: name, recipients[2], automations.price_reduction."""
    if not loc:
        return "the body"
    if loc[-1] == "[key]":
        return f"a key of {_name(loc[:-2])}"
    name = str(loc[0])
    for part in loc[1:]:
        if isinstance(part, int):
            name += f"[{part}]"
        elif not CONTROLS.search(part) and len(part) <= 40:
            name += f".{part}"
    return name


@cache
def _field_schemas(model: type[BaseModel]) -> dict[str, dict]:
    properties = model.model_json_schema()["properties"]
    return {name: _not_null(schema) for name, schema in properties.items()}


def _not_null(schema: dict) -> dict:
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    return {**schema, **options[0]} if options else schema


def _kind(schema: dict) -> str:
    kind = KINDS.get(schema.get("type"), "well formed")
    inner = schema.get("items") or schema.get("additionalProperties")
    if isinstance(inner, dict) and inner.get("type") in KINDS:
        kind += f" of {KINDS[inner['type']].removeprefix('a ').removeprefix('an ')}s"
    return kind


def _s(names: list[str]) -> str:
    return "s" if len(names) > 1 else ""
