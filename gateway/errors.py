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


def error_body(code: str, message: str, **extra) -> dict:
    """Return an error answer's JSON body."""
    return Error(error=code, message=message, **extra).model_dump(mode="json", exclude_none=True)


def unavailable() -> dict:
    """Return the body of a 503 for a database that failed or cannot be reached."""
    return error_body("database_unavailable", "The database is unreachable; try again shortly.")


def error_response(status: int, code: str, message: str, **extra):
    return jsonify(error_body(code, message, **extra)), status


Answer = tuple[int, dict, list[tuple[str, str]]]  # status, JSON body, headers besides its type


def answer_for(exc: Exception) -> Answer | None:
    """Return the JSON answer to an error a request raised; None for one unforeseen (a bug:
    500). Flask's handlers (register) and the Vonage webhooks (webhook_server.py) both answer
    with it."""
    if isinstance(exc, ApiError):
        return exc.status, error_body(exc.code, exc.message), []
    if isinstance(exc, ConsentRefused):
        status = 422 if exc.reason == "evidence_required" else 409
        return status, error_body(exc.reason, str(exc), refused=exc.refusals), []
    if isinstance(exc, StoreError):
        return STORE_STATUS.get(type(exc), 400), error_body(exc.code, str(exc)), []
    if isinstance(exc, ConnectionLost):
        # The database failed under a request (a restart or failover cut the connection,
        # SQLite stayed locked past its timeout): the transaction rolled back, so nothing of
        # the request is kept; 503 says try again (Vonage and Slack retry). The pool drops
        # a dead connection when it is given back.
        log.error("the database failed under a request: %s: %s", type(exc).__name__, exc)
        return 503, unavailable(), []
    if isinstance(exc, UnicodeError):
        # werkzeug decodes a raw query string as UTF-8 and raises on bytes that are not
        return 400, error_body("bad_request", "the request is not valid UTF-8"), []
    if isinstance(exc, HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        # keep what the exception says besides its body, such as a 405's Allow header
        headers = [(name, value) for name, value in exc.get_headers()
                   if name.lower() != "content-type"]
        return exc.code or 500, error_body(code, exc.description or exc.name), headers
    return None


def register(app: Flask) -> None:
    """Map every error to a JSON answer."""

    def answer(exc: Exception):
        status, body, headers = answer_for(exc)
        return jsonify(body), status, headers

    for known in (ApiError, ConsentRefused, StoreError, *ConnectionLost, UnicodeError,
                  HTTPException):
        app.register_error_handler(known, answer)
