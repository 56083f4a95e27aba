"""Every body /api/v1 reads and answers, as pydantic models: the one declaration of the API.

A request model checks the body (api_json.read_body) and, through its JSON Schema, describes
it in the OpenAPI document (openapi.py); a response model renders the answer and describes
it. Enumerations and limits come from the store that enforces them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gateway.errors import Problem
from gateway.fields import (
    MAX_ID,
    PROSE_TEXT,
    AutomationName,
    E164Phone,
    Id,
    OneLine,
    Phone,
    Prose,
    Strict,
    When,
    named,
    one_line,
)
from store.consent import AUTOMATIONS
from store.messaging import EXCLUSIONS, MAX_RECIPIENTS, MAX_TEXT, clean_text
from store.records import MAX_CRM_ID, MAX_NAME
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

MAX_ACTOR = 120  # the width of the actor column of events, messages and campaigns
MAX_CAMPAIGN_NAME = 200
MAX_EVENTS = 500
MAX_RECIPIENTS_PAGE = 1000
BLOCK_REASONS = tuple(r for r in EXCLUSIONS if r != "duplicate")

Overall = Literal[OVERALL_STATES]
SwitchState = Literal[SWITCH_STATES]
Source = Literal[SOURCES]
Status = Literal[MESSAGE_STATUSES]
Actor = named(MAX_ACTOR, "who asks: a user id or the CRM's name")
# Blank counts as absent where naming who asks is optional.
OptionalActor = Annotated[one_line(MAX_ACTOR, "who asks; blank counts as absent"),
                          AfterValidator(lambda actor: actor.strip() or None)]
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT, pattern=PROSE_TEXT,
                                  description="the text to send; not blank")]


class Body(Strict):
    """A request body: no field beyond those declared, and a null counts as absent."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


# --- requests ------------------------------------------------------------------------------

class ClientInput(Body):
    """A client record on a phone; consent is never touched."""

    name: named(MAX_NAME)
    crm_id: one_line(MAX_CRM_ID, "the CRM's id; blank or absent keeps the one recorded") | None \
        = None


class PreferencesInput(Body):
    """A change of consent as staff, all or nothing; give overall and/or automations."""

    overall: Overall | None = None
    automations: dict[AutomationName, SwitchState] | None = None
    actor: Actor
    note: Prose | None = Field(None, description="evidence of consent; required to opt in")


class MisreadInput(Body):
    """An opt-out the classifier read from natural language, marked misread (SPEC rule 11)."""

    event_id: Id = Field(description="the opt-out event (its id in the events list)")
    actor: Actor
    note: Prose = Field(description="what the client meant; a blank note is refused (422 "
                                    "note_required) and the refusal recorded")


class MessageInput(Body):
    """One text to send if consent allows it."""

    to: Phone
    text: Text
    kind: Literal[KINDS]
    automation: AutomationName | None = Field(None, description="required for kind "
                                                                "automation, refused otherwise")
    actor: OptionalActor | None = None


class CampaignInput(Body):
    """One text to many phones; recipients that are not valid numbers are counted, not sent."""

    name: named(MAX_CAMPAIGN_NAME)
    text: Text
    recipients: list[OneLine] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    include_unknown: StrictBool | None = Field(None, description="also text phones whose "
                                               "consent is unknown; default false")
    actor: Actor


class ClassifyInput(Body):
    """A text to read as the classifier reads a client's text."""

    text: Annotated[StrictStr, AfterValidator(clean_text)] = Field(
        description="may be empty (intent none); control characters are removed first")
    phone: Phone | None = Field(None, description="the sender: YES means opt in only in "
                                                  "context")


# --- query strings ---------------------------------------------------------------------------

def _whole_number(raw: Any) -> Any:
    # int() would also take " 1_0" and "１"; 19 digits hold every id a column can
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        return int(raw)
    raise PydanticCustomError("whole_number", "a whole number is needed")


QueryInt = Annotated[int, BeforeValidator(_whole_number)]


class Query(Strict):
    """A query string: other parameters are ignored."""

    model_config = ConfigDict(extra="ignore")


class EventsQuery(Query):
    limit: QueryInt = Field(100, ge=1, le=MAX_EVENTS, description="events per page")
    before: Annotated[QueryInt, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="only events older than this event id (next_before)")


class RecipientsQuery(Query):
    after: QueryInt = Field(0, ge=0, le=MAX_ID, description="only recipients after this "
                            "message id (next_after)")
    limit: QueryInt = Field(100, ge=1, le=MAX_RECIPIENTS_PAGE, description="recipients per page")


# --- answers -----------------------------------------------------------------------------------

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

