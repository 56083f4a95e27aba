"""The JSON schemas of /api/v1's bodies and answers, for the OpenAPI document.

Enumerations (states, sources, kinds, automations, block reasons) and limits come from the
code that enforces them, so the document cannot drift from what the endpoints accept.
"""

from __future__ import annotations

from gateway.api_clients import MAX_EVENT_ID
from gateway.api_json import MAX_ACTOR, ONE_LINE, PROSE
from gateway.api_messages import MAX_CAMPAIGN_NAME, STATUSES
from store.consent import AUTOMATIONS
from store.messaging import EXCLUSIONS, MAX_TEXT
from store.phones import WRITTEN
from store.records import MAX_CRM_ID, MAX_NAME
from store.vocabulary import (
    APPLIED,
    BLOCKED,
    CARRIER,
    CHANNELS,
    CLEAR,
    INTENTS,
    KINDS,
    OVERALL,
    OVERALL_STATES,
    REFUSED,
    SOURCES,
    SWITCH_STATES,
    SYSTEM_KINDS,
)

E164 = r"^\+[1-9][0-9]{1,14}$"
BLOCK_REASONS = [r for r in EXCLUSIONS if r != "duplicate"]


REVIEW_STATES = ["pending", "opted_out", "dismissed"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _object(properties: dict, *, optional: tuple[str, ...] = (), **extra) -> dict:
    required = [k for k in properties if k not in optional]
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False, **extra}


def schemas() -> dict:
    """Return the component schemas, by name."""
    string, boolean = {"type": "string"}, {"type": "boolean"}
    integer, when = {"type": "integer"}, {"type": "string", "format": "date-time"}
    phone = {"type": "string", "pattern": E164}
    line = {"type": "string", "pattern": ONE_LINE}
    written_phone = {"type": "string", "maxLength": 40, "pattern": WRITTEN}
    actor = {**line, "minLength": 1, "maxLength": MAX_ACTOR}
    text = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": PROSE}
    automation = {"type": "string", "enum": list(AUTOMATIONS)}
    source = {"type": "string", "enum": list(SOURCES)}
    switch = _object({"state": {"type": "string", "enum": list(SWITCH_STATES)},
                      "source": source, "locked": boolean})
    states = sorted({*OVERALL_STATES, *SWITCH_STATES, BLOCKED, CLEAR})
    status = {"type": "string", "enum": list(STATUSES)}
    return {
        "Error": _object({"error": string, "message": string,
                          "refused": {"type": "object", "additionalProperties": string}},
                         optional=("refused",)),
        "Refusal": _object({
            "error": string, "message": string,
            "refused": {"type": "object", "additionalProperties": string,
                        "description": "each refused scope (overall or an automation) and "
                        "its reason"}}),
        "Blocked": _object({
            "error": {"type": "string", "enum": ["blocked"]}, "message": string,
            "status": {"type": "string", "enum": ["blocked"]},
            "reason": {"type": "string", "enum": BLOCK_REASONS},
            "id": {**integer, "description": "the blocked message, recorded as such"}}),
        "Client": _object({
            "phone": phone,
            "clients": {"type": "array", "items": _object(
                {"name": string, "crm_id": _nullable(string)})},
            "overall": {"type": "string", "enum": list(OVERALL_STATES)},
            "overall_source": source,
            "overall_changed_at": _nullable(when),
            "locked": boolean,
            "automations": _object({name: switch for name in AUTOMATIONS}),
            "carrier_blocked": boolean,
            "pending_review": boolean,
        }),
        "ClientInput": _object({
            "name": {**line, "minLength": 1, "maxLength": MAX_NAME},
            "crm_id": _nullable({**line, "maxLength": MAX_CRM_ID}),
        }, optional=("crm_id",)),
        "PreferencesInput": _object({
            "overall": _nullable({"type": "string", "enum": list(OVERALL_STATES)}),
            "automations": {"type": ["object", "null"], "propertyNames": automation,
                            "additionalProperties": {"type": "string",
                                                     "enum": list(SWITCH_STATES)}},
            "actor": actor,
            "note": _nullable({"type": "string", "pattern": PROSE,
                               "description": "evidence of consent; required to opt a client "
                                              "in"}),
        }, optional=("overall", "automations", "note")),
        "Event": _object({
            "id": integer,
            "scope": {"type": "string", "enum": [OVERALL, CARRIER, "review", *AUTOMATIONS],
                      "description": "review: a person's decision on a possible opt-out"},
            "old_state": {"type": "string", "enum": sorted({*states, *REVIEW_STATES})},
            "new_state": {"type": "string", "enum": sorted({*states, *REVIEW_STATES})},
            "source": source, "actor": string,
            "channel": {"type": "string", "enum": list(CHANNELS)},
            "outcome": {"type": "string", "enum": [APPLIED, REFUSED]},
            **{k: _nullable(string) for k in ("reason", "inbound_message_id", "raw_text",
                                              "rule", "classifier_version", "note")},
            "corrects_event_id": _nullable({
                **integer, "description": "on the events of a misread correction: the "
                "opt-out event it undoes (reason misread)"}),
            "occurred_at": when, "recorded_at": when,
        }),
        "Events": _object({"phone": phone,
                           "events": {"type": "array", "items": _ref("Event")},
                           "next_before": _nullable(integer)}),
        "MessageInput": _object({
            "to": written_phone, "text": text, "kind": {"type": "string", "enum": list(KINDS)},
            "automation": _nullable(automation), "actor": _nullable(actor),
        }, optional=("automation", "actor")),
        "MessageAccepted": _object({
            "id": integer, "status": {"type": "string", "enum": ["queued", "scheduled"]},
            "send_at": when}),
        "Message": _object({
            "id": integer, "to": string,
            "kind": {"type": "string", "enum": [*KINDS, *SYSTEM_KINDS]},
            "automation": _nullable(automation), "status": status,
            "reason": _nullable(string), "vonage_message_id": _nullable(string),
            "send_at": when, "sent_at": _nullable(when), "created_at": when,
            "campaign_id": _nullable(integer)}),
        "CampaignInput": _object({
            "name": {**line, "minLength": 1, "maxLength": MAX_CAMPAIGN_NAME},
            "text": text,
            "recipients": {"type": "array", "minItems": 1, "items": line},
            "include_unknown": _nullable({**boolean, "default": False}),
            "actor": actor,
        }, optional=("include_unknown",)),
        "CampaignCreated": _object({
            "id": integer, "queued": integer, "scheduled": integer,
            "excluded": _object({k: integer for k in EXCLUSIONS})}),
        "Campaign": _object({
            "id": integer, "name": string, "include_unknown": boolean, "actor": string,
            "created_at": when,
            "counts": {"type": "object", "additionalProperties": integer,
                       "description": "as decided when the campaign was created"},
            "statuses": _object({s: integer for s in STATUSES},
                                description="how many of its messages are in each status now"),
            "recipients": {"type": "array", "items": _object({
                "id": integer, "phone": string, "status": status,
                "reason": _nullable(string)})},
            "next_after": _nullable(integer),
        }),
        "MisreadInput": _object({
            "event_id": {**integer, "minimum": 1, "maximum": MAX_EVENT_ID,
                         "description": "the opt-out event (its id in the events list)"},
            "actor": actor,
            "note": {"type": "string", "minLength": 1, "pattern": PROSE,
                     "description": "what the client meant; a blank note is refused"},
        }),
        "ClassifyInput": _object({"text": {"type": "string",
                                           "description": "may be empty: intent none"},
                                  "phone": _nullable(written_phone)}, optional=("phone",)),
        "Classification": _object({
            "intent": {"type": "string", "enum": list(INTENTS)},
            "scope": _nullable({"type": "string", "enum": ["all", *AUTOMATIONS]}),
            "rule": string, "version": string}),
        "OpenApiDocument": {"type": "object", "required": ["openapi", "paths"]},
    }
