"""Fixtures for the gateway: the real Flask app on the test database, and its client."""

from __future__ import annotations

import pytest

from gateway import create_app

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
