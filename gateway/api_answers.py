"""Every answer /api/v1 gives, as pydantic models: rendered by the views, and described by
their JSON Schema in the OpenAPI document (openapi.py). Error answers are in errors.py.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from gateway.api_models import Overall, SwitchState
from gateway.errors import Problem
from gateway.fields import E164Phone, When
from store.consent import AUTOMATIONS
from store.messaging import EXCLUSIONS
from store.vocabulary import (
    APPLIED,
    BLOCKED,
    CARRIER,
    CHANNELS,
    CLEAR,
    INTENTS,
    KINDS,
    MESSAGE_STATUSES,
    OVERALL,
    OVERALL_STATES,
    REFUSED,
    REVIEW_SCOPE,
    REVIEW_STATUSES,
    SOURCES,
    SWITCH_STATES,
    SYSTEM_KINDS,
)

BLOCK_REASONS = tuple(r for r in EXCLUSIONS if r != "duplicate")
Source = Literal[SOURCES]
Status = Literal[MESSAGE_STATUSES]


class Reply(BaseModel):
    """An answer: exactly these fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Switch(Reply):
    state: SwitchState
    source: Source
    locked: bool


Automations = create_model("Automations", __base__=Reply, __doc__="One switch per automation.",
                           **{name: (Switch, ...) for name in AUTOMATIONS})


class ClientRecord(Reply):
    name: str
    crm_id: str | None


class Client(Reply):
    """A phone's clients and consent."""

    phone: E164Phone
    clients: list[ClientRecord]
    overall: Overall
    overall_source: Source
    overall_changed_at: When | None
    locked: bool
    automations: Automations
    carrier_blocked: bool
    pending_review: bool


EventState = Literal[tuple(sorted({*OVERALL_STATES, *SWITCH_STATES, BLOCKED, CLEAR,
                                   *REVIEW_STATUSES}))]


class Event(Reply):
    """One consent event; events are never updated or deleted."""

    id: int
    scope: Literal[(OVERALL, CARRIER, REVIEW_SCOPE, *AUTOMATIONS)] = Field(
        description="review: a person's decision on a possible opt-out")
    old_state: EventState
    new_state: EventState
    source: Source
    actor: str
    channel: Literal[CHANNELS]
    outcome: Literal[APPLIED, REFUSED]
    reason: str | None
    inbound_message_id: str | None
    raw_text: str | None
    rule: str | None
    classifier_version: str | None
    note: str | None
    corrects_event_id: int | None = Field(description="on the events of a misread correction:"
                                          " the opt-out event it undoes (reason misread)")
    occurred_at: When
    recorded_at: When


class Events(Reply):
    phone: E164Phone
    events: list[Event]
    next_before: int | None


class MessageAccepted(Reply):
    id: int
    status: Literal["queued", "scheduled"]
    send_at: When


class Blocked(Problem):
    """Consent blocks the text; it is recorded as blocked."""

    error: Literal["blocked"]
    status: Literal["blocked"]
    reason: Literal[BLOCK_REASONS]
    id: int = Field(description="the blocked message, recorded as such")


class Message(Reply):
    id: int
    to: str = Field(description="E.164, or what was given when it is not a valid number")
    kind: Literal[(*KINDS, *SYSTEM_KINDS)]
    automation: Literal[tuple(AUTOMATIONS)] | None
    status: Status
    reason: str | None
    vonage_message_id: str | None
    send_at: When
    sent_at: When | None
    created_at: When
    campaign_id: int | None


Exclusions = create_model("Exclusions", __base__=Reply, __doc__="Recipients left out, by reason.",
                          **{reason: (int, ...) for reason in EXCLUSIONS})
Statuses = create_model("Statuses", __base__=Reply,
                        __doc__="How many of the campaign's messages are in each status now.",
                        **{status: (int, ...) for status in MESSAGE_STATUSES})


class CampaignCreated(Reply):
    id: int
    queued: int
    scheduled: int
    excluded: Exclusions


class Recipient(Reply):
    id: int
    phone: str
    status: Status
    reason: str | None


class Campaign(Reply):
    """A campaign's counts and a page of its recipients."""

    id: int
    name: str
    include_unknown: bool
    actor: str
    created_at: When
    counts: dict[Literal[("queued", "scheduled", *EXCLUSIONS)], int] = Field(
        description="as decided when the campaign was created")
    statuses: Statuses
    opt_outs: int = Field(description="recipients who opted out (of everything or of one "
                          "automation) in answer to the campaign's text; one marked misread "
                          "is not counted")
    opt_out_rate: float | None = Field(description="opt_outs / texts sent (those with "
                                       "sent_at); null while none was sent")
    recipients: list[Recipient]
    next_after: int | None


class Classification(Reply):
    intent: Literal[INTENTS]
    scope: Literal[("all", *AUTOMATIONS)] | None
    rule: str
    version: str


class OpenApiDocument(BaseModel):
    """This document."""

    model_config = ConfigDict(extra="allow", frozen=True)

    openapi: Literal["3.1.0"]
    info: dict[str, str]
    paths: dict[str, Any]
    components: dict[str, Any]

