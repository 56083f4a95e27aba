"""GET /api/v1/clients/<phone>/proof: a phone's consent record that anyone can re-check.

The record is JSON, the form a program checks (tools/check_proof.py); the document a person
reads, in Markdown or HTML, comes from `smsprefs proof PHONE --format markdown|html`, made
from the same record. Every field is what the store holds, typed loosely where a row written
by hand outside smsprefs could hold anything: a record reports such a row, it does not fail.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from flask import current_app
from pydantic import Field, WithJsonSchema

from gateway.api_answers import ClientRecord, Reply
from gateway.api_routes import operation
from gateway.fields import E164Phone
from store.phones import mask
from store.records import make_proof

log = logging.getLogger("smsprefs.api")

Hash = Annotated[str | None, Field(description="64 lowercase hex digits (SHA-256); null only "
                                   "in a row written by hand, which the checker reports")]
# a time the record states, ISO 8601 in UTC with microseconds: 2026-11-30T14:47:51.028123Z
UtcTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
# a time as an event's hash covers it: naive UTC, "2026-11-30 14:47:51.028123"
HashedTime = Annotated[str, Field(description='UTC as the hash covers it: '
                                  '"YYYY-MM-DD HH:MM:SS.ffffff"')]


class ProofEvent(Reply):
    """One consent event: its fields by name, the exact content its hash covers, its hashes."""

    id: int
    phone: E164Phone
    scope: str = Field(description="overall, carrier, review or an automation")
    old_state: str
    new_state: str
    source: str
    outcome: str = Field(description="applied or refused")
    reason: str | None
    actor: str
    channel: str
    inbound_message_id: str | None
    raw_text: str | None = Field(description="the client's text that made the change")
    rule: str | None = Field(description="the classifier's rule that read the text")
    classifier_version: str | None
    note: str | None = Field(description="staff's evidence note")
    corrects: int | None = Field(description="the opt-out event a misread correction undoes")
    occurred_at: HashedTime
    recorded_at: HashedTime
    cause_message_id: int | None = Field(description="an opt-out's likely cause: the last "
                                         "text sent to the phone within 7 days")
    cause_kind: str | None
    cause_campaign_id: int | None
    cause_automation: str | None
    content: str = Field(description="the exact text the hash covers: a JSON array of the "
                         "chain's fields, in the order of chain.fields")
    prev_hash: Hash
    hash: Hash


class ProofStore(Reply):
    """The store when the record was made."""

    events: int = Field(description="how many events the store held")
    head_event_id: int | None = Field(description="its last event")
    head_hash: Hash


class ProofChain(Reply):
    """How each event's hash is made."""

    algorithm: Literal["sha256"]
    genesis: str
    fields: list[str]
    hash: str
    content: str
    scope: str


class ProofSwitch(Reply):
    state: str
    source: str
    changed_at: UtcTime | None
    locked: bool


class ProofState(Reply):
    """The phone's consent when the record was made."""

    clients: list[ClientRecord]
    overall: str
    overall_source: str
    overall_changed_at: UtcTime | None
    locked: bool
    automations: dict[str, ProofSwitch]
    carrier_blocked: bool
    carrier_blocked_at: UtcTime | None
    pending_review: bool


class Proof(Reply):
    """A phone's consent record: every event in the order written, with the hashes that let
    anyone re-check it (tools/check_proof.py), and the consent when it was made."""

    record: Literal["smsprefs consent record"]
    version: Literal[1]
    phone: E164Phone
    dealership: str | None
    generated_at: UtcTime
    store: ProofStore
    chain: ProofChain
    state: ProofState
    events: list[ProofEvent]


@operation("GET", "/clients/<phone>/proof",
           "A phone's consent record that anyone can re-check: every event with its hashes, "
           "and the consent now", ok=(200, Proof, "The record, as JSON"), errors=(404, 422))
def get_proof(phone: str) -> Proof:
    config = current_app.extensions["smsprefs"]
    record = make_proof(phone, region=config.default_region, dealership=config.dealership_name)
    log.info("API proof of %s: %d events", mask(phone), len(record["events"]))
    return Proof.model_validate(record)
