"""The OpenAPI document of /api/v1: well formed, complete, as tight as the checks, and true to
the real answers (tests/gateway/conftest.py checks every answer of every gateway test)."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from gateway.api import DOCS
from gateway.openapi import document, template
from tests.factories import PHONE
from tests.gateway.conftest import API_TOKEN, validator

DOC = document()
METHODS = ("get", "put", "post", "patch", "delete")


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


def test_every_reference_resolves_to_a_valid_json_schema():
    for ref in set(_refs(DOC)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in DOC["components"]["schemas"], ref
    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


# JSON Schema 2020-12's keywords (and OpenAPI's annotations) the document may use: a misspelt
# constraint ("ge" for "minimum") would be ignored by every validator, not refused.
KEYWORDS = {"$ref", "type", "enum", "const", "properties", "required", "additionalProperties",
            "propertyNames", "items", "minItems", "maxItems", "minLength", "maxLength",
            "minimum", "maximum", "pattern", "format", "anyOf", "default", "description",
            "title"}


def _schemas():
    components = DOC["components"]["schemas"].values()
    parameters = [p["schema"] for item in DOC["paths"].values() for value in item.values()
                  for p in (value if isinstance(value, list) else value.get("parameters", []))]
    stack = [*components, *parameters]
    while stack:
        schema = stack.pop()
        yield schema
        stack += [*schema.get("properties", {}).values(), *schema.get("anyOf", [])]
        stack += [schema[k] for k in ("items", "additionalProperties", "propertyNames")
                  if isinstance(schema.get(k), dict)]


def test_every_schema_uses_only_json_schema_keywords():
    for schema in _schemas():
        assert set(schema) <= KEYWORDS, set(schema) - KEYWORDS


def test_every_operation_declares_its_answers_and_path_parameters():
    for path, item in DOC["paths"].items():
        declared = {p["name"] for p in item.get("parameters", [])}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), path
        for method in set(item) & set(METHODS):
            operation = item[method]
            assert operation["summary"]
            assert {"401", "503"} <= set(operation["responses"]), (method, path)
            assert any(code.startswith("2") for code in operation["responses"])
            for answer in operation["responses"].values():
                assert answer["description"]
                assert "schema" in answer["content"]["application/json"]
            if "requestBody" in operation:
                assert {"400", "413"} <= set(operation["responses"])
            for parameter in operation.get("parameters", []):
                Draft202012Validator.check_schema(parameter["schema"])


def test_the_document_lists_exactly_the_routes_of_the_api(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.startswith(DOCS):  # pages
            path = template(rule.rule.removeprefix("/api/v1"))
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(t, m) for t, item in DOC["paths"].items() for m in item if m in METHODS}
    assert routes == documented


def test_the_api_serves_the_document(client):
    response = client.get("/api/v1/openapi.json",
                          headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 200
    assert response.get_json() == DOC


def _limit(operation: dict) -> int:
    words = re.search(r"over (\d+) (KiB|MiB)", operation["responses"]["413"]["description"])
    return int(words[1]) * {"KiB": 2**10, "MiB": 2**20}[words[2]]


BODIES = [(path, method) for path, item in DOC["paths"].items() for method, operation
          in item.items() if method in METHODS and "requestBody" in operation]


@pytest.mark.parametrize(("path", "method"), BODIES)
def test_each_route_takes_the_body_its_413_states(api, path, method):
    limit = _limit(DOC["paths"][path][method])
    assert limit == (8 * 2**20 if path == "/campaigns" else 64 * 2**10)
    url = path.format(phone=PHONE)
    under = b'{"x":"' + b"y" * (limit - 8) + b'"}'
    assert len(under) == limit
    answer = api(method.upper(), url, data=under, content_type="application/json")
    assert answer.status_code == 400 and "unknown field x" in answer.get_json()["message"]
    over = api(method.upper(), url, data=under + b" ", content_type="application/json")
    assert over.status_code == 413
    assert over.get_json()["error"] == "request_entity_too_large"


# --- the document refuses what the checks refuse, and takes what they take ------------------

NAMED = ["", " ", "\u3000\u00a0", "a\nb", "a\x00", "a\x85", "\t"]
REFUSED = {
    "ClientInput": [{"name": v} for v in NAMED] + [
        {"name": "x" * 201}, {"name": 7}, {"name": "Ann", "crm_id": "x" * 101},
        {"name": "Ann", "crm_id": "c\n1"}, {"name": "Ann", "email": "a@b.c"}, {}],
    "PreferencesInput": [{"overall": "opted_out", "actor": v} for v in [*NAMED, "x" * 121]] + [
        {"overall": "maybe", "actor": "crm"}, {"automations": {"deals": "off"}, "actor": "crm"},
        {"automations": {"price_reduction": "yes"}, "actor": "crm"},
        {"automations": ["price_reduction"], "actor": "crm"},
        {"overall": "opted_out", "actor": "crm", "note": "a\x00b"},
        {"overall": "opted_out", "actor": "crm", "why": 1}],
    "MisreadInput": [{"event_id": v, "actor": "crm", "note": "n"}
                     for v in [0, 2**63, "7", True, 1.5]] + [
        {"event_id": 1, "actor": " ", "note": "n"}, {"event_id": 1, "actor": "crm",
                                                     "note": "a\x07"}],
    "MessageInput": [{"to": PHONE, "text": t, "kind": "manual"}
                     for t in ["", " \n ", "x" * 1601, "hi\x00", 5]] + [
        {"to": t, "text": "hi", "kind": "manual"} for t in ["555-01", "1-800-FLOWERS",
                                                            "1" * 41, PHONE + "\x00"]] + [
        {"to": PHONE, "text": "hi", "kind": k} for k in ["fax", "confirmation", "help"]] + [
        {"to": PHONE, "text": "hi", "kind": "automation", "automation": "deals"},
        {"to": PHONE, "text": "hi", "kind": "manual", "actor": "x" * 121}],
    "CampaignInput": [{"name": "Sale", "text": "hi", "actor": "crm", "recipients": r}
                      for r in [[], PHONE, [5], [PHONE + "\x00"]]] + [
        {"name": "Sale", "text": "hi", "actor": "crm", "recipients": [PHONE],
         "include_unknown": "yes"}],
    "ClassifyInput": [{"text": 5}, {"text": "STOP", "phone": "x"}, {}],
}
TAKEN = {
    "ClientInput": [{"name": "Ana Díaz", "crm_id": None}, {"name": " Ana ", "crm_id": ""}],
    "PreferencesInput": [{"overall": "opted_in", "actor": " crm ", "note": "said yes\n"},
                         {"automations": {"price_reduction": "off"}, "actor": "crm"}],
    "MisreadInput": [{"event_id": 2**63 - 1, "actor": "crm", "note": " "}],
    "MessageInput": [{"to": "(212) 555-0100", "text": "Hi\n\tthere", "kind": "automation",
                      "automation": "price_reduction", "actor": ""}],
    "CampaignInput": [{"name": "Sale", "text": "hi", "actor": "crm", "recipients": ["nope"],
                       "include_unknown": None}],
    "ClassifyInput": [{"text": "S\x00TOP"}, {"text": "", "phone": "+1 212 555 0100"}],
}
ROUTE = {"ClientInput": ("PUT", f"/clients/{PHONE}"),
         "PreferencesInput": ("PATCH", f"/clients/{PHONE}/preferences"),
         "MisreadInput": ("POST", f"/clients/{PHONE}/misread"),
         "MessageInput": ("POST", "/messages"), "CampaignInput": ("POST", "/campaigns"),
         "ClassifyInput": ("POST", "/classify")}


def test_every_request_body_is_covered():
    bodies = {op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
              for item in DOC["paths"].values() for op in item.values()
              if isinstance(op, dict) and "requestBody" in op}
    assert {ref.rsplit("/", 1)[1] for ref in bodies} == set(ROUTE) == set(REFUSED) == set(TAKEN)


@pytest.mark.parametrize(("model", "body"), [(m, b) for m, bs in REFUSED.items() for b in bs])
def test_the_document_refuses_what_the_api_refuses(api, model, body):
    assert not validator(f"#/components/schemas/{model}").is_valid(body), body
    method, path = ROUTE[model]
    answer = api(method, path, json=body)
    assert answer.status_code in (400, 422), (body, answer.get_json())


@pytest.mark.parametrize(("model", "body"), [(m, b) for m, bs in TAKEN.items() for b in bs])
def test_the_document_takes_what_the_api_takes(api, model, body):
    assert validator(f"#/components/schemas/{model}").is_valid(body), body
