"""The two pages a person opens in a browser: `/`, what this gateway runs with, and
`/api/v1/docs`, the API reference.

The reference is Swagger UI, served from the flask-openapi3-swagger package's own files (no
CDN: the service may run where the internet is filtered), with the OpenAPI document written
into the page. The document itself stays behind the API token at /api/v1/openapi.json; it
holds no data, only the API's shape, so showing it on the page tells a stranger nothing the
SPEC does not. "Authorize" on the page takes the token for "Try it out".
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
from html import escape

from flask import Blueprint, Flask, Response, abort

from gateway.api import DOCS
from gateway.config import Config
from gateway.openapi import document
from store.db import is_postgres

SWAGGER = importlib.resources.files("flask_openapi3_swagger") / "templates" / "swagger"
ASSETS = {  # the only files served from the package: name -> (folder, content type)
    "swagger-ui-bundle.js": ("js", "text/javascript"),
    "swagger-ui-standalone-preset.js": ("js", "text/javascript"),
    "swagger-ui.css": ("css", "text/css"),
}
STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
         "padding:0 1rem;color:#222}th{text-align:left;padding-right:1rem}"
         "td,th{padding:.2rem 0;vertical-align:top}")


def version() -> str:
    """Return this installation's version (pyproject's), or "unknown" when not installed."""
    try:
        return importlib.metadata.version("smsprefs")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def register(app: Flask, config: Config) -> None:
    """Register `/`, the API reference and its assets (no token needed for any of them)."""
    bp = Blueprint("pages", __name__)
    bp.add_url_rule("/", "status", lambda: _html(status_page(config)))
    bp.add_url_rule(DOCS, "docs", lambda: _html(docs_page()))
    bp.add_url_rule(f"{DOCS}/<name>", "docs_asset", _asset)
    app.register_blueprint(bp)


def status_page(config: Config) -> str:
    """Return the status page: what is configured, never a secret or a phone number."""
    if config.vonage_signature_secret:
        webhooks = "signed (Vonage signature checked)"
    elif config.webhook_token:
        webhooks = "path token (WEBHOOK_TOKEN)"
    elif config.allow_unsigned_webhooks:
        webhooks = "UNSIGNED: anyone can post texts (ALLOW_UNSIGNED_WEBHOOKS, a local demo only)"
    else:
        webhooks = "refused until VONAGE_SIGNATURE_SECRET or WEBHOOK_TOKEN is set"
    rows = [
        ("Version", version()),
        ("Database", "PostgreSQL" if is_postgres() else "SQLite"),
        ("SMS transport", "Vonage" if config.sms_transport == "vonage"
         else "console (texts are printed, not sent)"),
        ("Slack", "on" if config.slack_enabled else "off (alerts are printed)"),
        ("Webhooks", webhooks),
        ("CRM API", "on (bearer token)" if config.api_token else "off (SMSPREFS_API_TOKEN unset)"),
    ]
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>smsprefs</title>"
            f"<meta name=viewport content='width=device-width'><style>{STYLE}</style></head>"
            f"<body><h1>smsprefs</h1><p>SMS consent for {escape(config.dealership_name)}: "
            "opt-outs read from every inbound text, every outbound text checked.</p>"
            f"<table>{table}</table><p><a href='{DOCS}'>API reference</a> · "
            "<a href='/healthz'>Health check</a> (<code>/healthz</code>)</p></body></html>")


def docs_page() -> str:
    """Return Swagger UI showing the API's OpenAPI document."""
    # "</" inside a script would end it: the document's text is escaped for that place
    spec = json.dumps(document()).replace("</", "<\\/")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<title>smsprefs API reference</title>"
            f"<link rel=stylesheet href='{DOCS}/swagger-ui.css'></head><body>"
            "<div id=swagger-ui></div>"
            f"<script src='{DOCS}/swagger-ui-bundle.js'></script>"
            f"<script src='{DOCS}/swagger-ui-standalone-preset.js'></script>"
            f"<script>window.ui = SwaggerUIBundle({{spec: {spec}, dom_id: '#swagger-ui', "
            "presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], "
            "layout: 'StandaloneLayout', deepLinking: true});</script></body></html>")


def _asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404)
    folder, kind = ASSETS[name]
    response = Response((SWAGGER / folder / name).read_bytes(), mimetype=kind)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def _html(body: str) -> Response:
    return Response(body, mimetype="text/html")
