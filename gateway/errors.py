"""JSON errors for every HTTP failure: {"error": code, "message": sentence}, in one place."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.exceptions import HTTPException

from store.db import ConnectionLost
from store.errors import ConsentRefused, InvalidPhone, NotFound, StoreError, UnknownAutomation


class ApiError(Exception):
    """An error an endpoint answers with directly."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Problem(BaseModel):
    """What every error answer holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    error: str = Field(description="a machine-readable code, such as not_found or locked")
    message: str = Field(description="a sentence for a person")


class Error(Problem):
    """An error; a consent rule's refusal also says which scopes it refused."""

    refused: dict[str, str] | None = Field(None, description="each refused scope (overall or "
                                           "an automation) and its reason")


class Refusal(Problem):
    """A consent rule refused the change; nothing was applied, the attempt is recorded."""

    refused: dict[str, str] = Field(description="each refused scope (overall or an "
                                    "automation) and its reason")


log = logging.getLogger("smsprefs.errors")
STORE_STATUS = {InvalidPhone: 422, UnknownAutomation: 422, NotFound: 404}


def error_response(status: int, code: str, message: str, **extra):
    body = Error(error=code, message=message, **extra)
    return jsonify(body.model_dump(mode="json", exclude_none=True)), status


def register(app: Flask) -> None:
    """Map every error to a JSON answer."""

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(ConsentRefused)
    def refused(exc: ConsentRefused):
        status = 422 if exc.reason == "evidence_required" else 409
        return error_response(status, exc.reason, str(exc), refused=exc.refusals)

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError):
        return error_response(STORE_STATUS.get(type(exc), 400), exc.code, str(exc))

    def connection_lost(exc: Exception):
        # The database failed under a request (a restart or failover cut the connection,
        # SQLite stayed locked past its timeout): the transaction rolled back, so nothing of
        # the request is kept; 503 says try again (Vonage and Slack retry). The pool drops
        # a dead connection when it is given back.
        log.error("the database failed under a request: %s: %s", type(exc).__name__, exc)
        return error_response(503, "database_unavailable",
                              "The database is unreachable; try again shortly.")

    for lost in ConnectionLost:
        app.register_error_handler(lost, connection_lost)

    @app.errorhandler(UnicodeError)
    def undecodable(exc: UnicodeError):
        # werkzeug decodes a raw query string as UTF-8 and raises on bytes that are not
        return error_response(400, "bad_request", "the request is not valid UTF-8")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        response, status = error_response(exc.code or 500, code, exc.description or exc.name)
        # keep what the exception says besides its body, such as a 405's Allow header
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status
