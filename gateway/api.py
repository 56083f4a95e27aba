"""/api/v1: the JSON API for the CRM, behind one bearer token (SPEC section 5).

The endpoints live in api_clients.py (clients, preferences, events, classify),
api_messages.py (messages, campaigns) and openapi.py (the document describing them all),
each declared once with @operation (api_routes.py) over the models of api_models.py
(what it reads) and api_answers.py (what it answers).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, request

import gateway.api_proof  # noqa: F401  (its @operation declares /clients/<phone>/proof)
from gateway import api_reports, api_routes, openapi  # noqa: F401  (they declare operations)
from gateway.config import Config
from gateway.errors import error_response

PREFIX = "/api/v1"
DOCS = f"{PREFIX}/docs"


def register(app: Flask, config: Config) -> None:
    """Register the /api/v1 blueprint and the bearer-token check in front of it."""
    check = token_check(config)

    # On the app rather than the blueprint, so that a path no route matches under
    # /api/v1 answers 401 to a stranger too, instead of telling them what exists.
    @app.before_request
    def _authorize():
        path = request.path
        if path == DOCS or path.startswith(f"{DOCS}/"):
            return None  # the reference page, public: the API's shape, no data (pages.py)
        if path == PREFIX or path.startswith(f"{PREFIX}/"):
            refused = check()
            limit = api_routes.body_limit(request.endpoint)
            if refused is None and limit is not None:
                request.max_content_length = limit  # as the operation declares it
            return refused
        return None

    bp = Blueprint("api", __name__, url_prefix=PREFIX)
    api_routes.register(bp)
    app.register_blueprint(bp)


def token_check(config: Config):
    """Return a function answering 401 unless the request carries the API token."""
    token = config.api_token.reveal().encode() if config.api_token else None

    def check():
        if token is None:
            return _unauthorized("the API is off: SMSPREFS_API_TOKEN is not set on the gateway")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        given = given.strip(" \t")  # not str.strip(): it would drop \x85 and other Unicode
        if scheme.lower() != "bearer" or not given:
            return _unauthorized("send the API token as Authorization: Bearer <token>")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), token):
            return _unauthorized("the API token is not valid")
        return None

    return check


def _unauthorized(message: str):
    response, status = error_response(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="smsprefs"'
    return response, status
