"""The pages a person opens in a browser: `/` says what the gateway runs with, and
`/api/v1/docs` is the API reference, served with no CDN and no token."""

from __future__ import annotations

import json
import re

import pytest

from gateway.app import create_app
from gateway.openapi import document
from gateway.pages import ASSETS, version
from tests.gateway.conftest import API_TOKEN, SIGNATURE_SECRET, make_config


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html)[1]


def test_the_status_page_says_what_is_configured(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert title(html) == "smsprefs"
    database = "PostgreSQL" if client.application.extensions["smsprefs"].database_url.reveal() \
        .startswith("postgres") else "SQLite"
    for words in (f"<th>Database</th><td>{database}</td>",
                  "<th>SMS transport</th><td>console (texts are printed, not sent)</td>",
                  "<th>Slack</th><td>off (alerts are printed)</td>",
                  "<th>Webhooks</th><td>signed (Vonage signature checked)</td>",
                  f"<th>Version</th><td>{version()}</td>",
                  "href='/api/v1/docs'", "href='/healthz'"):
        assert words in html


def test_the_status_page_shows_no_secret_and_no_phone(client):
    html = client.get("/").get_data(as_text=True)
    config = client.application.extensions["smsprefs"]
    for secret in (API_TOKEN, SIGNATURE_SECRET, config.database_url.reveal(), "abcd1234"):
        assert secret not in html
    assert not re.search(r"\d{7,}|\d{3}[ .-]\d{4}", html)  # the dealership's phone neither


@pytest.mark.parametrize(("overrides", "words"), [
    ({"VONAGE_SIGNATURE_SECRET": "", "WEBHOOK_TOKEN": "path-token"},
     "path token (WEBHOOK_TOKEN)"),
    ({"VONAGE_SIGNATURE_SECRET": "", "ALLOW_UNSIGNED_WEBHOOKS": "true"}, "UNSIGNED"),
    ({"VONAGE_SIGNATURE_SECRET": ""}, "refused until"),
    ({"SMSPREFS_API_TOKEN": ""}, "off (SMSPREFS_API_TOKEN unset)"),
])
def test_the_status_page_names_how_webhooks_and_the_api_are_guarded(database, tmp_path,
                                                                     monkeypatch, overrides,
                                                                     words):
    monkeypatch.chdir(tmp_path)
    app = create_app(make_config(database, tmp_path, **overrides))
    assert words in app.test_client().get("/").get_data(as_text=True)


def test_the_api_reference_needs_no_token_and_shows_the_document(client):
    response = client.get("/api/v1/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert title(html) == "smsprefs API reference"
    spec = re.search(r"SwaggerUIBundle\(\{spec: (.*), dom_id:", html)[1]
    assert json.loads(spec.replace("<\\/", "</")) == document()
    assert "http" not in re.sub(r'"[^"]*"', "", html.split("<script>")[0])  # no CDN link
    for name in ASSETS:
        assert f"src='/api/v1/docs/{name}'" in html or f"href='/api/v1/docs/{name}'" in html


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_the_reference_serves_swagger_ui_from_the_package(client, name):
    response = client.get(f"/api/v1/docs/{name}")
    assert response.status_code == 200 and len(response.data) > 10_000
    assert response.mimetype == ASSETS[name][1]


def test_only_the_references_own_files_are_served_and_the_api_stays_closed(client):
    assert client.get("/api/v1/docs/..%2f..%2fpyproject.toml").status_code == 404
    assert client.get("/api/v1/docs/index.html").status_code == 404
    assert client.get("/api/v1/openapi.json").status_code == 401
    assert client.get("/api/v1/docsx").status_code == 401
