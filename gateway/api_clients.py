"""/api/v1 clients: the consent document of a phone, client records, preferences, history."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

from gateway.api_json import actor_of, bad_request, iso, phone_of, query_int, read_body
from gateway.errors import error_response
from store.consent import (
    AUTOMATIONS,
    NOTE_REQUIRED,
    Actor,
    change_consent,
    classify_for,
    correct_misread,
    list_events,
)
from store.errors import ConsentRefused, NotFound
from store.models import ConsentEvent
from store.phones import mask
from store.records import find_phones, load_card, upsert_client

log = logging.getLogger("smsprefs.api")

MAX_EVENTS = 500
MAX_EVENT_ID = 2**63 - 1  # event ids are BIGINT


def add_routes(bp: Blueprint) -> None:
    bp.get("/clients/<phone>")(get_client)
    bp.put("/clients/<phone>")(put_client)
    bp.patch("/clients/<phone>/preferences")(patch_preferences)
    bp.get("/clients/<phone>/events")(get_events)
    bp.post("/clients/<phone>/misread")(post_misread)
    bp.post("/classify")(post_classify)


def get_client(phone: str):
    return jsonify(client_document(phone_of(phone)))


def put_client(phone: str):
    e164 = phone_of(phone)
    body = read_body({"name": str}, {"crm_id": str})
    upsert_client(e164, name=body["name"], crm_id=body.get("crm_id"))
    return jsonify(client_document(e164))


def patch_preferences(phone: str):
    e164 = phone_of(phone)
    body = read_body({"actor": str},
                     {"overall": str, "automations": dict[str, str], "note": str})
    actor = Actor(source="staff", actor=actor_of(body), channel="api")
    # a refusal raises ConsentRefused once its events are committed: 409, or 422 for a note
    try:
        change_consent(e164, actor=actor, overall=body.get("overall"),
                       automations=body.get("automations"), note=body.get("note"))
    except ConsentRefused as exc:
        log.info("API preferences of %s by %s refused: %s", mask(e164), actor.actor,
                 exc.refusals)
        raise
    log.info("API preferences of %s changed by %s", mask(e164), actor.actor)
    return jsonify(client_document(e164))


def post_misread(phone: str):
    """Mark a natural-language opt-out misread, undoing it as staff (SPEC rule 11)."""
    e164 = phone_of(phone)
    body = read_body({"event_id": int, "actor": str, "note": str})
    if not 1 <= body["event_id"] <= MAX_EVENT_ID:
        raise bad_request(f"event_id must be a consent event id, from 1 to {MAX_EVENT_ID}")
    actor = Actor(source="staff", actor=actor_of(body), channel="api")
    result = correct_misread(e164, body["event_id"], actor=actor, note=body["note"])
    refusal = result.refusal
    if refusal is not None:  # recorded as an event already
        log.info("API misread correction of %s event %s by %s refused: %s", mask(e164),
                 body["event_id"], actor.actor, refusal.reason)
        if refusal.reason == NOTE_REQUIRED:  # like evidence_required: the same caller can fix it
            return error_response(422, refusal.reason, str(refusal))
        raise refusal
    log.info("API misread correction of %s event %s by %s", mask(e164), body["event_id"],
             actor.actor)
    return jsonify(client_document(e164))


def get_events(phone: str):
    e164 = phone_of(phone)
    limit = query_int("limit", default=100, low=1, high=MAX_EVENTS)
    before = query_int("before", default=None, low=1)
    if not find_phones(e164):
        raise NotFound(f"no client or consent is recorded for {e164}")
    events = list_events(e164, limit=limit + 1, before_id=before)
    more, events = len(events) > limit, events[:limit]
    return jsonify({
        "phone": e164,
        "events": [event_document(e) for e in events],
        "next_before": events[-1].id if more else None,
    })


def post_classify():
    # an empty text (a picture without words) is read like any other: intent none (SPEC 4)
    body = read_body({"text": str}, {"phone": str}, client_text="text")
    e164 = phone_of(body["phone"]) if "phone" in body else None
    result = classify_for(e164, body["text"])
    return jsonify({"intent": result.intent, "scope": result.scope, "rule": result.rule,
                    "version": result.version})


def client_document(e164: str) -> dict:
    """Return what the API says about one phone; NotFound (404) for a phone never seen."""
    region = current_app.extensions["smsprefs"].default_region
    card = load_card(e164, region=region, events=0)
    state = card.state
    automations = {}
    for name in AUTOMATIONS:
        switch = state.switch(name)
        automations[name] = {"state": switch.state, "source": switch.source,
                             "locked": switch.locked}
    return {
        "phone": state.e164,
        "clients": [{"name": c.name, "crm_id": c.crm_id} for c in card.clients],
        "overall": state.overall,
        "overall_source": state.overall_source,
        "overall_changed_at": iso(state.overall_changed_at),
        "locked": state.locked,
        "automations": automations,
        "carrier_blocked": state.carrier_blocked,
        "pending_review": card.pending_review,
    }


def event_document(event: ConsentEvent) -> dict:
    return {
        "id": event.id, "scope": event.scope, "old_state": event.old_state,
        "new_state": event.new_state, "source": event.source, "actor": event.actor,
        "channel": event.channel, "outcome": event.outcome, "reason": event.reason,
        "inbound_message_id": event.inbound_message_id, "raw_text": event.raw_text,
        "rule": event.rule, "classifier_version": event.classifier_version,
        "note": event.note, "corrects_event_id": event.corrects_id,
        "occurred_at": iso(event.occurred_at),
        "recorded_at": iso(event.recorded_at),
    }
