"""Vonage's webhooks served by werkzeug directly, in front of the Flask app.

The webhooks are the gateway's hot path (a campaign's reply storm, a receipt for every text
sent) and need nothing of Flask's request machinery: no session, no URL building, no
templates, no view arguments. That machinery (a request context and its URL adapter and
session, the dispatch, a response object and its finalizing, the teardown) was ~0.14 ms of
a sync worker's 0.83 ms of CPU a webhook, and serving the four routes without it raised the
PostgreSQL webhook's rate by ~15 % (bench/RESULTS.md, issue 11). So they are matched here by
werkzeug's router, read by werkzeug's Request (the classes Flask's extend), and answered
with the same JSON errors as every other route (errors.answer_for); any other path goes to
Flask. What Flask gave these routes and is kept here, tested through the app's WSGI call
like any route (tests/gateway/test_webhook_server.py): the request's database connection
(store/request_connection.py), Flask's body limit (413), routing's answers (405 with Allow,
OPTIONS, HEAD as GET, redirects), and a crash logged as Flask logs it and answered 500 in
JSON. A 204 carries no Content-Type (Flask's said text/html).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request

from gateway.config import Config
from gateway.errors import Answer, answer_for, unavailable
from gateway.webhooks import VonageWebhooks
from store.db import DatabaseError
from store.request_connection import close_request_connection, open_request_connection

log = logging.getLogger("smsprefs")
PREFIX = "/webhooks/vonage"
# Matched by werkzeug's router, Flask's own: a near miss gets the answer every route gives (a
# doubled slash redirected, a leading one served, a Host that is not a name 400). Vonage
# sends the SMS API's webhooks as GET or POST, as configured; HEAD comes with GET.
ROUTES = Map([
    Rule(f"{PREFIX}/inbound", endpoint="sms_inbound", methods=["GET", "POST", "OPTIONS"]),
    Rule(f"{PREFIX}/status", endpoint="sms_status", methods=["GET", "POST", "OPTIONS"]),
    Rule(f"{PREFIX}/messages", endpoint="messages_inbound", methods=["POST", "OPTIONS"]),
    Rule(f"{PREFIX}/messages/status", endpoint="messages_status", methods=["POST", "OPTIONS"]),
])
NO_CONTENT = "204 NO CONTENT"


def mount(app: Flask, config: Config) -> None:
    """Serve the Vonage webhooks ahead of `app`'s own routes."""

    class WebhookRequest(Request):
        max_content_length = app.config["MAX_CONTENT_LENGTH"]  # 413 past it, as in Flask

    hooks = VonageWebhooks(config, app.extensions["smsprefs.queue"])
    flask_app = app.wsgi_app

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            urls = ROUTES.bind_to_environ(environ)
            name, _ = urls.match()
        except NotFound:
            return flask_app(environ, start_response)
        except RequestRedirect as redirect:  # answered as Flask answers it
            return redirect(environ, start_response)
        except HTTPException as exc:  # 405 with Allow; a Host that is not a name, 400
            return _respond(app, answer_for(exc))(environ, start_response)
        method = urls.default_method.upper()  # as the router and werkzeug's Request read it
        if method == "OPTIONS":
            options = app.response_class()
            options.allow.update(urls.allowed_methods())
            return options(environ, start_response)
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
            response = _respond(app, _answer(app, exc, urls.path_info, method))
            failed = response.status_code >= 500
            return response(environ, start_response)
        finally:
            if owned:
                close_request_connection(failed=failed)
        start_response(NO_CONTENT, [])
        return []

    app.wsgi_app = wsgi


def _answer(app: Flask, exc: Exception, path: str, method: str) -> Answer:
    """Return the answer to `exc`; a crash is logged (as Flask logs one) and 500."""
    answer = answer_for(exc)
    if answer is None:
        app.logger.error("Exception on %s [%s]", path, method, exc_info=exc)
        answer = answer_for(InternalServerError(original_exception=exc))
    return answer


def _respond(app: Flask, answer: Answer):
    status, body, headers = answer
    response = _json(app, status, body)
    response.headers.extend(headers)
    return response


def _json(app: Flask, status: int, body: dict):
    response = app.json.response(body)  # Flask's jsonify, needing no request context
    response.status_code = status
    return response
