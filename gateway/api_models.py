"""Every body and query string /api/v1 reads, as pydantic models: checked by them
(api_json.py) and described by their JSON Schema in the OpenAPI document (openapi.py).
What it answers is in api_answers.py. Enumerations and limits come from the store that
enforces them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gateway.fields import (
    MAX_ID,
    PROSE_TEXT,
    AutomationName,
    Id,
    OneLine,
    Phone,
    Prose,
    Strict,
    named,
    one_line,
)
from store.messaging import MAX_RECIPIENTS, MAX_TEXT, clean_text
from store.records import MAX_CRM_ID, MAX_NAME
from store.vocabulary import KINDS, OVERALL_STATES, SWITCH_STATES

MAX_ACTOR = 120  # the width of the actor column of events, messages and campaigns
MAX_CAMPAIGN_NAME = 200
MAX_EVENTS = 500
MAX_RECIPIENTS_PAGE = 1000

Overall = Literal[OVERALL_STATES]
SwitchState = Literal[SWITCH_STATES]
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
            # a field not declared stays, null or not, and is refused as unknown
            return {key: value for key, value in data.items()
                    if value is not None or key not in cls.model_fields}
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


def query_int(low: int, high: int):
    """Return the type of a whole number from `low` to `high` in a query string."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_whole_number)]


class Query(Strict):
    """A query string: other parameters are ignored."""

    model_config = ConfigDict(extra="ignore")


class EventsQuery(Query):
    limit: query_int(1, MAX_EVENTS) = Field(100, description="events per page")
    before: query_int(1, MAX_ID) | None = Field(
        None, description="only events older than this event id (next_before)")


class RecipientsQuery(Query):
    after: query_int(0, MAX_ID) = Field(0, description="only recipients after this message "
                                        "id (next_after)")
    limit: query_int(1, MAX_RECIPIENTS_PAGE) = Field(100, description="recipients per page")
