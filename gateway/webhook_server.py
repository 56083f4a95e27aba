"""Vonage's webhooks served by werkzeug directly, in front of the Flask app.

The webhooks are the gateway's hot path (a campaign's reply storm, a receipt for every text
sent) and need nothing of Flask's request machinery: no session, no URL building, no
templates, no view arguments. That machinery (a request context and its URL adapter and
session, the dispatch, a response object and its finalizing, the teardown) was ~0.14 ms of
a sync worker's 0.83 ms of CPU a webhook, and serving the four routes without it raised the
PostgreSQL webhook's rate by ~15 % (bench/RESULTS.md, issue 11). So they are matched here by
path, read by werkzeug's own Request (the class Flask's extends), and answered with the
same JSON errors as every other route (errors.answer_for); any other path goes to Flask.
What Flask gave these routes and is kept here, tested through the app's WSGI call like
any route: the request's database connection (store/request_connection.py), Flask's body
limit (413), 405 with Allow and OPTIONS, HEAD served as GET, and a crash logged as Flask
logs it and answered 500 in JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.exceptions import InternalServerError, MethodNotAllowed
from werkzeug.wrappers import Request

from gateway.config import Config
from gateway.errors import answer_for, unavailable
from gateway.webhooks import VonageWebhooks
from store.db import DatabaseError
from store.request_connection import close_request_connection, open_request_connection

log = logging.getLogger("smsprefs")
PREFIX = "/webhooks/vonage"
# path: (handler's name, methods); Vonage sends the SMS API's as GET or POST, as configured
ROUTES = {
    f"{PREFIX}/inbound": ("sms_inbound", frozenset({"GET", "HEAD", "POST"})),
    f"{PREFIX}/status": ("sms_status", frozenset({"GET", "HEAD", "POST"})),
    f"{PREFIX}/messages": ("messages_inbound", frozenset({"POST"})),
    f"{PREFIX}/messages/status": ("messages_status", frozenset({"POST"})),
}
NO_CONTENT = "204 NO CONTENT"


def mount(app: Flask, config: Config) -> None:
    """Serve the Vonage webhooks ahead of `app`'s own routes."""

    class WebhookRequest(Request):
        max_content_length = app.config["MAX_CONTENT_LENGTH"]  # 413 past it, as in Flask

    hooks = VonageWebhooks(config, app.extensions["smsprefs.queue"])
    flask_app = app.wsgi_app

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        route = ROUTES.get(environ.get("PATH_INFO", ""))
        if route is None:
            return flask_app(environ, start_response)
        name, methods = route
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in methods:
            return _refuse(app, method, methods)(environ, start_response)
        try:
            owned = open_request_connection()
        except DatabaseError:
            log.exception("the database is unreachable")
            return _json(app, 503, unavailable())(environ, start_response)
        failed = True
        try:
            getattr(hooks, name)(WebhookRequest(environ))
            failed = False
        except Exception as exc:  # every error is answered, as Flask answers it
            response = _answer(app, exc, environ, method)
            failed = response.status_code >= 500
            return response(environ, start_response)
        finally:
            if owned:
                close_request_connection(failed=failed)
        start_response(NO_CONTENT, [])
        return []

    app.wsgi_app = wsgi


def _refuse(app: Flask, method: str, methods: frozenset[str]):
    """OPTIONS answered with Allow as Flask does; any other method 405 with Allow."""
    allowed = sorted(methods | {"OPTIONS"})
    if method == "OPTIONS":
        response = app.response_class()
        response.allow.update(allowed)
        return response
    return _error(app, MethodNotAllowed(valid_methods=allowed))


def _answer(app: Flask, exc: Exception, environ: dict, method: str):
    """Return the JSON answer to `exc`; a crash is logged (as Flask logs one) and 500."""
    if answer_for(exc) is None:
        app.logger.error("Exception on %s [%s]", environ.get("PATH_INFO"), method,
                         exc_info=exc)
        exc = InternalServerError(original_exception=exc)
    return _error(app, exc)


def _error(app: Flask, exc: Exception):
    status, body, headers = answer_for(exc)
    response = _json(app, status, body)
    response.headers.extend(headers)
    return response


def _json(app: Flask, status: int, body: dict):
    response = app.json.response(body)  # Flask's jsonify, needing no request context
    response.status_code = status
    return response
