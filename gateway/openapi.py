"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of /api/v1 (schemas in api_schemas.py).

Tests check that it lists exactly the API's routes and that every answer fits it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from gateway.api_clients import MAX_EVENTS
from gateway.api_json import MAX_ID
from gateway.api_messages import MAX_RECIPIENTS_PAGE
from gateway.api_schemas import schemas
from store.phones import WRITTEN


def add_routes(bp: Blueprint) -> None:
    bp.get("/openapi.json")(get_openapi)


def get_openapi():
    return jsonify(document())


def document() -> dict:
    """Return the OpenAPI document of /api/v1."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "smsprefs API", "version": "1",
                 "description": "SMS consent for one dealership: look up and change a client's "
                 "preferences, and send texts only when consent allows them."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "The value of SMSPREFS_API_TOKEN."}},
            "parameters": _parameters(),
            "responses": _responses(),
            "schemas": schemas(),
        },
    }


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(summary: str, ok: tuple[str, str, str], *, errors: tuple[str, ...] = (),
               body: str | None = None, parameters: tuple[str, ...] = (),
               answers: dict | None = None) -> dict:
    """Return one operation: its success answer, its errors, its parameters and body."""
    status, description, schema = ok
    responses = {status: _json(description, _ref("schemas", schema))}
    for code in ("401", *errors, "503"):
        responses[code] = _ref("responses", code)
    responses.update(answers or {})
    operation = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = [_ref("parameters", p) for p in parameters]
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref("schemas", body)}}}
        operation["responses"].setdefault("400", _ref("responses", "400"))
        operation["responses"].setdefault("413", _ref("responses", "413"))
    return operation


def _paths() -> dict:
    client = ("200", "The client's consent", "Client")
    return {
        "/clients/{phone}": {
            "parameters": [_ref("parameters", "phone")],
            "get": _operation("Look up a phone's clients and consent", client,
                              errors=("404", "422")),
            "put": _operation("Create or update a client record (never touches consent)",
                              client, errors=("422",), body="ClientInput"),
        },
        "/clients/{phone}/preferences": {
            "parameters": [_ref("parameters", "phone")],
            "patch": _operation("Change consent as staff, all or nothing", client,
                                errors=("409", "422"), body="PreferencesInput"),
        },
        "/clients/{phone}/misread": {
            "parameters": [_ref("parameters", "phone")],
            "post": _operation(
                "Mark an opt-out the classifier read from natural language as misread, "
                "undoing it as staff", client, errors=("404",), body="MisreadInput",
                answers={
                    "409": _json(
                        "SPEC rule 11 refuses it (error: not_client_opt_out, "
                        "not_natural_language, already_corrected, confirmed_by_client, "
                        "state_changed, opted_out); nothing was applied, and the refused "
                        "attempt is recorded", _ref("schemas", "Refusal")),
                    "422": _json(
                        "The phone is not valid (invalid_phone), or the note is blank "
                        "(note_required, recorded as a refused attempt)",
                        _ref("schemas", "Error")),
                }),
        },
        "/clients/{phone}/events": {
            "parameters": [_ref("parameters", "phone")],
            "get": _operation("List consent events, newest first",
                              ("200", "A page of events", "Events"),
                              errors=("400", "404", "422"), parameters=("limit", "before")),
        },
        "/messages": {"post": _operation(
            "Send one text if consent allows it",
            ("202", "Accepted for sending", "MessageAccepted"), errors=("422",),
            body="MessageInput", answers={"409": _json(
                "Consent blocks the text; it is recorded as blocked", _ref("schemas", "Blocked"))},
        )},
        "/messages/{message_id}": {
            "parameters": [_ref("parameters", "message_id")],
            "get": _operation("Follow one text", ("200", "The message", "Message"),
                              errors=("404",)),
        },
        "/campaigns": {"post": _operation(
            "Send one text to many phones; those consent excludes are counted",
            ("202", "The campaign and its counts", "CampaignCreated"), body="CampaignInput")},
        "/campaigns/{campaign_id}": {
            "parameters": [_ref("parameters", "campaign_id")],
            "get": _operation("A campaign's counts and a page of its recipients",
                              ("200", "The campaign", "Campaign"), errors=("400", "404"),
                              parameters=("after", "recipients_limit")),
        },
        "/classify": {"post": _operation(
            "Read a text as a client's opt-out, opt-in, help request or review",
            ("200", "What the text asks for", "Classification"),
            errors=("422",), body="ClassifyInput")},
        "/openapi.json": {"get": _operation("This document",
                                            ("200", "OpenAPI 3.1", "OpenApiDocument"))},
    }


def _parameters() -> dict:
    def query(name: str, description: str, schema: dict) -> dict:
        return {"name": name, "in": "query", "required": False, "description": description,
                "schema": schema}

    return {
        "phone": {"name": "phone", "in": "path", "required": True,
                  "schema": {"type": "string", "maxLength": 40, "pattern": WRITTEN},
                  "description": "A phone number in any format (URL-encoded); answered in E.164."},
        "message_id": {"name": "message_id", "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        "campaign_id": {"name": "campaign_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        "limit": query("limit", "Events per page",
                       {"type": "integer", "minimum": 1, "maximum": MAX_EVENTS,
                        "default": 100}),
        "before": query("before", "Only events older than this event id (next_before)",
                        {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
        "after": query("after", "Only recipients after this message id (next_after)",
                       {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0}),
        "recipients_limit": query("limit", "Recipients per page",
                                  {"type": "integer", "minimum": 1,
                                   "maximum": MAX_RECIPIENTS_PAGE, "default": 100}),
    }


def _responses() -> dict:
    def error(description: str, schema: str = "Error") -> dict:
        return _json(description, _ref("schemas", schema))

    return {
        "400": error("The request is malformed: not a JSON object, an unknown field, "
                     "a wrong type, a bad value or query parameter"),
        "401": error("No valid API token (error: unauthorized)"),
        "404": error("No such phone, message or campaign (error: not_found)"),
        "409": error("A consent rule refuses the change (error: locked, opted_out, …); "
                     "nothing was applied, and the refused attempt is recorded", "Refusal"),
        "413": error("The body is over its limit: 64 KiB, or 8 MiB for a campaign"),
        "422": error("The phone is not valid (invalid_phone), the automation is unknown "
                     "(unknown_automation), or opting in needs a note (evidence_required)"),
        "503": error("The database is unreachable (error: database_unavailable)"),
    }
