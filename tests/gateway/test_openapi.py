"""The OpenAPI document of /api/v1: well formed, complete, and true to the real answers.

jsonschema is not a dependency, so a small checker below validates JSON against the
subset of JSON Schema the document uses; it fails on any keyword it does not know, so a
schema can never pass by being ignored. test_api.py checks every answer it gets with it.
"""

from __future__ import annotations

import re
from datetime import datetime

from gateway.openapi import document
from tests.gateway.conftest import API_TOKEN

DOC = document()
METHODS = ("get", "put", "post", "patch", "delete")
KEYWORDS = {"$ref", "type", "enum", "properties", "required", "additionalProperties", "items",
            "minItems", "minLength", "maxLength", "minimum", "maximum", "pattern", "format",
            "propertyNames", "default", "description"}
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def resolve(doc: dict, schema: dict) -> dict:
    """Follow a local $ref (#/components/...) to what it names."""
    while "$ref" in schema:
        node = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def errors_of(value, schema: dict, doc: dict = DOC, at: str = "$") -> list[str]:
    """Return where `value` breaks `schema` (an empty list when it conforms)."""
    schema = resolve(doc, schema)
    unknown = set(schema) - KEYWORDS
    assert not unknown, f"the checker does not know {unknown} (at {at})"
    if "type" in schema and not _is_type(value, schema["type"]):
        return [f"{at}: {value!r} is not of type {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: {value!r} is not one of {schema['enum']}"]
    found = []
    if isinstance(value, str):
        found += _string_errors(value, schema, at)
    number = isinstance(value, int) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        found.append(f"{at}: {value} is out of bounds")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{at}: fewer than {schema['minItems']} items")
        for i, item in enumerate(value):
            found += errors_of(item, schema.get("items", {}), doc, f"{at}[{i}]")
    if isinstance(value, dict):
        found += _object_errors(value, schema, doc, at)
    return found


def _is_type(value, wanted) -> bool:
    for name in [wanted] if isinstance(wanted, str) else wanted:
        if name == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if name in TYPES and isinstance(value, TYPES[name]):
            return True
    return False


def _string_errors(value: str, schema: dict, at: str) -> list[str]:
    found = []
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        found.append(f"{at}: length {len(value)} is out of bounds")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if schema.get("format") == "date-time":
        if not value.endswith("Z"):
            found.append(f"{at}: {value!r} is not UTC with a Z")
        try:
            datetime.fromisoformat(value)
        except ValueError:
            found.append(f"{at}: {value!r} is not an ISO 8601 date-time")
    return found


def _object_errors(value: dict, schema: dict, doc: dict, at: str) -> list[str]:
    found = [f"{at}: {key!r} is missing" for key in schema.get("required", [])
             if key not in value]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if "propertyNames" in schema:
            found += errors_of(key, schema["propertyNames"], doc, f"{at} key {key!r}")
        if key in properties:
            found += errors_of(item, properties[key], doc, f"{at}.{key}")
        elif extra is False:
            found.append(f"{at}: {key!r} is not allowed")
        elif isinstance(extra, dict):
            found += errors_of(item, extra, doc, f"{at}.{key}")
    return found


def operation_of(method: str, path: str, doc: dict = DOC) -> tuple[str, dict]:
    """Return the documented template and operation that a real request path falls under."""
    path = path.split("?")[0]
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{")
                               .replace(r"\}", "}")) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def assert_documented(method: str, path: str, response, *, request_json=None) -> None:
    """Assert that the answer is one the document declares, and that its body fits."""
    template, operation = operation_of(method, path)
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template} does not declare {status}"
    declared = resolve(DOC, operation["responses"][status])
    schema = declared["content"]["application/json"]["schema"]
    assert response.is_json, f"{method} {path} answered {response.content_type}"
    problems = errors_of(response.get_json(), schema)
    assert not problems, f"{method} {path} {status}: {problems}"
    if response.status_code < 300 and request_json is not None:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        problems = errors_of(request_json, body)
        assert not problems, f"the document refuses a request the API accepted: {problems}"
    assert API_TOKEN not in response.get_data(as_text=True)
    assert all(API_TOKEN not in value for _, value in response.headers)


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_document_is_openapi_3_1_with_a_bearer_scheme():
    assert DOC["openapi"] == "3.1.0"
    assert DOC["info"]["title"] and DOC["info"]["version"]
    assert DOC["components"]["securitySchemes"]["bearer"] == {
        **DOC["components"]["securitySchemes"]["bearer"], "type": "http", "scheme": "bearer"}
    assert DOC["security"] == [{"bearer": []}]


def test_every_reference_resolves():
    for ref in _refs(DOC):
        assert ref.startswith("#/components/")
        assert resolve(DOC, {"$ref": ref}), ref


def _subschemas(schema: dict):
    yield schema
    children = [*schema.get("properties", {}).values(), schema.get("items"),
                schema.get("additionalProperties"), schema.get("propertyNames")]
    for child in children:
        if isinstance(child, dict):
            yield from _subschemas(child)


def test_every_schema_uses_only_keywords_the_checker_knows():
    for name, schema in DOC["components"]["schemas"].items():
        for node in _subschemas(schema):
            assert set(node) <= KEYWORDS, (name, set(node) - KEYWORDS)


def test_every_operation_declares_its_answers_and_path_parameters():
    for template, item in DOC["paths"].items():
        declared = {resolve(DOC, p)["name"] for p in item.get("parameters", [])}
        assert declared == set(re.findall(r"\{([^}]+)\}", template)), template
        for method in set(item) & set(METHODS):
            operation = item[method]
            assert operation["summary"]
            assert {"401", "503"} <= set(operation["responses"]), (method, template)
            assert any(code.startswith("2") for code in operation["responses"])
            for answer in operation["responses"].values():
                answer = resolve(DOC, answer)
                assert answer["description"]
                assert "schema" in answer["content"]["application/json"]
            if "requestBody" in operation:
                assert {"400", "413"} <= set(operation["responses"])


def test_the_document_lists_exactly_the_routes_of_the_api(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            template = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}",
                              rule.rule.removeprefix("/api/v1"))
            routes |= {(template, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(t, m) for t, item in DOC["paths"].items() for m in item if m in METHODS}
    assert routes == documented


def test_the_checker_finds_what_breaks_a_schema():
    client = {"$ref": "#/components/schemas/Client"}
    assert errors_of({"phone": "+12125550100"}, client)
    assert errors_of("x", {"type": ["integer", "null"]})
    assert errors_of({"a": 1}, {"type": "object", "additionalProperties": False})
    assert errors_of("2026-01-01T00:00:00+02:00", {"type": "string", "format": "date-time"})
    assert not errors_of(None, {"type": ["string", "null"]})


def test_the_api_serves_the_document(client):
    response = client.get("/api/v1/openapi.json",
                          headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 200
    assert response.get_json() == DOC
    assert_documented("GET", "/openapi.json", response)
