"""/api/v1 clients: the consent document of a phone, client records, preferences, history."""

from __future__ import annotations

import logging

from flask import current_app

from gateway.api_answers import Classification, Client, Event, Events
from gateway.api_models import (
    ClassifyInput,
    ClientInput,
    EventsQuery,
    MisreadInput,
    PreferencesInput,
)
from gateway.api_routes import operation
from gateway.errors import Error, Refusal
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
from store.phones import mask
from store.records import find_phones, load_card, upsert_client

log = logging.getLogger("smsprefs.api")

CLIENT = (200, Client, "The client's consent")
MISREAD_REFUSALS = ("not_client_opt_out, not_natural_language, already_corrected, "
                    "confirmed_by_client, state_changed, opted_out")


@operation("GET", "/clients/<phone>", "Look up a phone's clients and consent", ok=CLIENT,
           errors=(404, 422))
def get_client(phone: str) -> Client:
    return client_document(phone)


@operation("PUT", "/clients/<phone>", "Create or update a client record (never touches consent)",
           ok=CLIENT, errors=(422,), body=ClientInput)
def put_client(phone: str, body: ClientInput) -> Client:
    upsert_client(phone, name=body.name, crm_id=body.crm_id)
    return client_document(phone)


@operation("PATCH", "/clients/<phone>/preferences", "Change consent as staff, all or nothing",
           ok=CLIENT, errors=(409, 422), body=PreferencesInput)
def patch_preferences(phone: str, body: PreferencesInput) -> Client:
    actor = Actor(source="staff", actor=body.actor, channel="api")
    # a refusal raises ConsentRefused once its events are committed: 409, or 422 for a note
    try:
        change_consent(phone, actor=actor, overall=body.overall,
                       automations=body.automations, note=body.note)
    except ConsentRefused as exc:
        log.info("API preferences of %s by %s refused: %s", mask(phone), actor.actor,
                 exc.refusals)
        raise
    log.info("API preferences of %s changed by %s", mask(phone), actor.actor)
    return client_document(phone)


@operation("POST", "/clients/<phone>/misread",
           "Mark an opt-out the classifier read from natural language as misread, undoing it "
           "as staff", ok=CLIENT, body=MisreadInput, errors=(
               404,
               (409, Refusal, f"SPEC rule 11 refuses it (error: {MISREAD_REFUSALS}); nothing "
                "was applied, and the refused attempt is recorded"),
               (422, Error, "The phone is not valid (invalid_phone), or the note is blank "
                "(note_required, recorded as a refused attempt)")))
def post_misread(phone: str, body: MisreadInput):
    """Mark a natural-language opt-out misread, undoing it as staff (SPEC rule 11)."""
    actor = Actor(source="staff", actor=body.actor, channel="api")
    result = correct_misread(phone, body.event_id, actor=actor, note=body.note)
    refusal = result.refusal
    if refusal is not None:  # recorded as an event already
        log.info("API misread correction of %s event %s by %s refused: %s", mask(phone),
                 body.event_id, actor.actor, refusal.reason)
        if refusal.reason == NOTE_REQUIRED:  # like evidence_required: the same caller can fix it
            return Error(error=refusal.reason, message=str(refusal)), 422
        raise refusal
    log.info("API misread correction of %s event %s by %s", mask(phone), body.event_id,
             actor.actor)
    return client_document(phone)


@operation("GET", "/clients/<phone>/events", "List consent events, newest first",
           ok=(200, Events, "A page of events"), errors=(400, 404, 422), query=EventsQuery)
def get_events(phone: str, query: EventsQuery) -> Events:
    if not find_phones(phone):
        raise NotFound(f"no client or consent is recorded for {phone}")
    events = list_events(phone, limit=query.limit + 1, before_id=query.before)
    more, events = len(events) > query.limit, events[:query.limit]
    return Events(phone=phone, events=[event_document(e) for e in events],
                  next_before=events[-1].id if more else None)


@operation("POST", "/classify",
           "Read a text as a client's opt-out, opt-in, help request or review",
           ok=(200, Classification, "What the text asks for"), errors=(422,),
           body=ClassifyInput)
def post_classify(body: ClassifyInput) -> Classification:
    # an empty text (a picture without words) is read like any other: intent none (SPEC 4)
    result = classify_for(body.phone, body.text)
    return Classification(intent=result.intent, scope=result.scope, rule=result.rule,
                          version=result.version)


def client_document(e164: str) -> Client:
    """Return what the API says about one phone; NotFound (404) for a phone never seen."""
    region = current_app.extensions["smsprefs"].default_region
    card = load_card(e164, region=region, events=0)
    state = card.state
    automations = {}
    for name in AUTOMATIONS:
        switch = state.switch(name)
        automations[name] = {"state": switch.state, "source": switch.source,
                             "locked": switch.locked}
    return Client(
        phone=state.e164,
        clients=[{"name": c.name, "crm_id": c.crm_id} for c in card.clients],
        overall=state.overall,
        overall_source=state.overall_source,
        overall_changed_at=state.overall_changed_at,
        locked=state.locked,
        automations=automations,
        carrier_blocked=state.carrier_blocked,
        pending_review=card.pending_review,
    )


def event_document(event) -> Event:
    return Event(
        id=event.id, scope=event.scope, old_state=event.old_state,
        new_state=event.new_state, source=event.source, actor=event.actor,
        channel=event.channel, outcome=event.outcome, reason=event.reason,
        inbound_message_id=event.inbound_message_id, raw_text=event.raw_text,
        rule=event.rule, classifier_version=event.classifier_version,
        note=event.note, corrects_event_id=event.corrects_id,
        occurred_at=event.occurred_at, recorded_at=event.recorded_at,
    )
