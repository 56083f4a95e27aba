"""Fixtures for the gateway: the real Flask app on the test database, and its client.

Every /api/v1 answer any gateway test gets is checked against the OpenAPI document the
gateway serves (DocumentedClient), with jsonschema.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker

from gateway.api import DOCS
from gateway.app import create_app
from gateway.openapi import document

API_TOKEN = "test-api-token"
SIGNATURE_SECRET = "test-signature-secret-0123456789abcdef"
WEBHOOK_TOKEN = "test-webhook-token"


def make_config(database, tmp_path, **overrides) -> dict:
    """Return the environment of a test gateway: console transport, signed webhooks."""
    return {
        "DATABASE_URL": database.url,
        "SMSPREFS_API_TOKEN": API_TOKEN,
        "DEALERSHIP_NAME": "Acme Motors",
        "DEALERSHIP_PHONE": "+1 212 555 0199",
        "VONAGE_API_KEY": "abcd1234",
        "VONAGE_SIGNATURE_SECRET": SIGNATURE_SECRET,
        "SMS_TRANSPORT": "console",
        **overrides,
    }


@pytest.fixture
def app(database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return create_app(make_config(database, tmp_path))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    """Return a function calling /api/v1 with the bearer token."""

    def call(method: str, path: str, **kw):
        headers = {"Authorization": f"Bearer {API_TOKEN}", **kw.pop("headers", {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    return call


# --- every /api/v1 answer checked against the OpenAPI document --------------------------------

class DocumentedClient(FlaskClient):
    """A test client that checks every /api/v1 answer against the OpenAPI document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        docs = request.path == DOCS or request.path.startswith(f"{DOCS}/")  # pages, not API
        if not docs and (request.path == "/api/v1" or request.path.startswith("/api/v1/")):
            assert_documented(request.method, request.path.removeprefix("/api/v1"), response,
                              request_json=_sent_json(kwargs))
        return response


@pytest.fixture(autouse=True)
def _documented_answers(monkeypatch):
    """Every app a gateway test builds answers through DocumentedClient."""
    monkeypatch.setattr(Flask, "test_client_class", DocumentedClient)


def _sent_json(kwargs: dict):
    if "json" in kwargs:
        return kwargs["json"]
    try:
        return json.loads(kwargs.get("data") or b"")
    except (ValueError, TypeError, RecursionError):
        return None


def operation_of(method: str, path: str) -> dict | None:
    """Return the documented operation a real request path falls under, or None."""
    for pattern, methods in _templates():
        if pattern.fullmatch(path) and method.lower() in methods:
            return methods[method.lower()]
    return None


def assert_documented(method: str, path: str, response, *, request_json=None) -> None:
    """Assert that the answer is one the document declares, and that its body fits it.

    An answer to a route or method the document does not have (401 to a stranger, 404, 405)
    must still be a documented Error.
    """
    assert response.is_json, f"{method} {path} answered {response.content_type}"
    operation = operation_of(method, path)
    status = str(response.status_code)
    if operation is None:
        assert response.status_code in (401, 404, 405), f"{method} {path}: {status}"
        schema = "#/components/schemas/Error"
    else:
        assert status in operation["responses"], f"{method} {path} does not declare {status}"
        schema = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    problems = _problems(schema, response.get_json())
    assert not problems, f"{method} {path} {status}: {problems}"
    if operation and response.status_code < 300 and "requestBody" in operation:
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        problems = _problems(body, request_json)
        assert not problems, f"the document refuses a request the API accepted: {problems}"
    assert API_TOKEN not in response.get_data(as_text=True)
    assert all(API_TOKEN not in value for _, value in response.headers)


def _problems(ref: str, value) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300]
            for e in validator(ref).iter_errors(value)]


FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _utc_time(value) -> bool:
    # the API answers stored UTC times as 2026-11-26T14:03:00.000Z
    return not isinstance(value, str) or (
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value) is not None
        and datetime.fromisoformat(value) is not None)


@cache
def validator(ref: str) -> Draft202012Validator:
    """Return a JSON Schema 2020-12 validator of the document's schema at `ref`."""
    root = {"$ref": ref, "components": document()["components"]}
    return Draft202012Validator(root, format_checker=FORMATS)


@cache
def _templates() -> list[tuple[re.Pattern, dict]]:
    return [(re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))), item)
            for path, item in document()["paths"].items()]
