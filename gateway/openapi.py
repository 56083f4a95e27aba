"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of /api/v1, written from the declarations.

Each operation comes from its @operation (api_routes.py), each schema from the pydantic model
that checks or renders the body (api_models.py, api_answers.py, errors.py), through
pydantic's own JSON Schema: OpenAPI 3.1 schemas are JSON Schema 2020-12, so nothing is
translated. spectree and flask-openapi3 would do the same for a new dependency, but they read
the body with request.get_json (not strict_json), answer validation errors in their own shape
and status, and read query strings their own way; undoing that is more code than this module.
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from gateway import api_clients, api_messages  # noqa: F401  (their @operations declare routes)
from gateway.api_answers import OpenApiDocument
from gateway.api_routes import OPERATIONS, PATH_TYPES, Answer, Operation, operation
from gateway.errors import Error, Refusal

REF = "#/components/schemas/{model}"
COMMON = {
    400: (Error, "The request is malformed: not a JSON object, an unknown field, a wrong type, "
          "a bad value or query parameter (error: bad_request, invalid_request)"),
    401: (Error, "No valid API token (error: unauthorized)"),
    404: (Error, "No such phone, message or campaign (error: not_found)"),
    409: (Refusal, "A consent rule refuses the change (error: locked, opted_out, …); nothing "
          "was applied, and the refused attempt is recorded"),
    413: (Error, "The body is over the limit of this route (error: request_entity_too_large)"),
    422: (Error, "The phone is not valid (invalid_phone), the automation is unknown "
          "(unknown_automation), or opting in needs a note (evidence_required)"),
    503: (Error, "The database is unreachable (error: database_unavailable)"),
}


@operation("GET", "/openapi.json", "This document", ok=(200, OpenApiDocument, "OpenAPI 3.1"))
def get_openapi() -> OpenApiDocument:
    return OpenApiDocument.model_validate(document())


@cache
def document() -> dict:
    """Return the OpenAPI document of /api/v1."""
    refs, schemas = _schemas()
    return {
        "openapi": "3.1.0",
        "info": {"title": "smsprefs API", "version": "1",
                 "description": "SMS consent for one dealership: look up and change a client's "
                 "preferences, and send texts only when consent allows them."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(refs),
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "The value of SMSPREFS_API_TOKEN."}},
            "schemas": schemas,
        },
    }


def template(rule: str) -> str:
    """Return the OpenAPI path of a Flask rule: /messages/<int(max=…):message_id> → {message_id}."""
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)


def _schemas() -> tuple[dict, dict]:
    """Return {(model, mode): {"$ref": …}} and the component schemas, from pydantic."""
    models = {(op.body, "validation") for op in OPERATIONS if op.body}
    models |= {(a.model or COMMON[a.status][0], "serialization")
               for op in OPERATIONS for a in _answers(op)}
    refs, defs = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])),
                                    ref_template=REF)
    return refs, defs["$defs"]


def _answers(op: Operation) -> list[Answer]:
    codes = [401, *(400, 413)[: 2 if op.body else 0], *(a.status for a in op.errors), 503]
    given = {a.status: a for a in (op.ok, *op.errors)}
    return [op.ok, *(given.get(code) or Answer(code, None) for code in dict.fromkeys(codes))]


def _paths(refs: dict) -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path = template(op.rule)
        item = paths.setdefault(path, {})
        names = re.findall(r"\{(\w+)\}", path)
        if names:
            item["parameters"] = [_path_parameter(name) for name in names]
        item[op.method.lower()] = _operation(op, refs)
    return paths


def _operation(op: Operation, refs: dict) -> dict:
    responses = {}
    for answer in _answers(op):
        model, description = answer.model, answer.description
        if model is None:
            model, description = COMMON[answer.status]
        if answer.status == 413:
            description = description.replace("the limit", f"{_size(op.max_body)}, the limit")
        responses[str(answer.status)] = {"description": description, "content": {
            "application/json": {"schema": refs[(model, "serialization")]}}}
    operation = {"summary": op.summary, "operationId": op.endpoint, "responses": responses}
    if op.query is not None:
        operation["parameters"] = _query_parameters(op)
    if op.body is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[(op.body, "validation")]}}}
    return operation


def _path_parameter(name: str) -> dict:
    schema = TypeAdapter(PATH_TYPES[name]).json_schema()
    description = schema.pop("description", None)
    parameter = {"name": name, "in": "path", "required": True, "schema": schema}
    return {**parameter, "description": description} if description else parameter


def _query_parameters(op: Operation) -> list[dict]:
    properties = op.query.model_json_schema()["properties"]
    parameters = []
    for name, schema in properties.items():
        # a parameter left out is absent: null is no value a query string can hold
        options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
        schema = {**{k: v for k, v in schema.items() if k not in ("anyOf", "title")},
                  **(options[0] if options else {})}
        if schema.get("default", 0) is None:
            del schema["default"]
        description = schema.pop("description", "")
        parameters.append({"name": name, "in": "query", "required": False,
                           "description": description, "schema": schema})
    return parameters


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 2**10} KiB"
