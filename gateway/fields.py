"""The shapes of the fields every JSON body of the gateway holds, declared once.

The /api/v1 models (api_models.py) and the Vonage webhook models (webhook_fields.py) are
built from these pydantic types, so one declaration both checks a value and describes it in
the OpenAPI document (openapi.py). Strings are strict (a number is not a string, true is not
a number), and no string holds a control character unless the field is prose: they forge
log lines, and PostgreSQL cannot store NUL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    StrictStr,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from store.clock import to_aware
from store.consent import AUTOMATIONS
from store.controls import CONTROL, PROSE_CONTROL
from store.errors import InvalidPhone
from store.phones import WRITTEN, parse_phone

# CONTROL and PROSE_CONTROL (store/controls.py): prose keeps tab, line feed and return.
# What str.strip() removes besides control characters (tests check the list is complete).
BLANK = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
ONE_LINE = rf"^[^{CONTROL}]*$"
PROSE = rf"^[^{PROSE_CONTROL}]*$"
# The same, and not blank: at least one character that is neither control nor space.
NAMED = rf"^[^{CONTROL}]*[^{CONTROL}{BLANK}][^{CONTROL}]*$"
PROSE_TEXT = rf"^[^{PROSE_CONTROL}]*[^{CONTROL}{BLANK}][^{PROSE_CONTROL}]*$"
# Printable ASCII without spaces: every id, status and code Vonage sends has this shape.
TOKEN = r"^[!-~]+$"
# A sender or recipient: a number, or an alphanumeric sender id such as "Acme Motors".
ADDRESS = r"^[ -~]+$"
E164 = r"^\+[1-9][0-9]{1,14}$"

# The largest id a database column holds (a signed 64-bit integer): SQLite raises past it.
MAX_ID = 2**63 - 1
MAX_WRITTEN_PHONE = 40  # parse_phone refuses longer


class Strict(BaseModel):
    """A body read strictly: a string is a string, a number a number, nothing coerced."""

    model_config = ConfigDict(strict=True, frozen=True)


OneLine = Annotated[StrictStr, Field(pattern=ONE_LINE)]
Prose = Annotated[StrictStr, Field(pattern=PROSE)]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


def one_line(max_length: int, description: str | None = None):
    """Return the type of a one-line string of at most `max_length` characters."""
    return Annotated[StrictStr, Field(max_length=max_length, pattern=ONE_LINE,
                                      description=description)]


def named(max_length: int, description: str | None = None):
    """Return the type of a one-line string that is not blank, trimmed once read."""
    return Annotated[StrictStr, Field(max_length=max_length, pattern=NAMED,
                                      description=description), AfterValidator(str.strip)]


def token(limit: int, what: str, *, optional: bool = False):
    """Return the type of a Vonage id or code: printable ASCII without spaces."""
    shape = Field(min_length=1, max_length=limit, pattern=TOKEN,
                  description=f"{what} (printable ASCII, at most {limit})")
    return _maybe(shape, optional)


def address(*, optional: bool = False, limit: int = 32):
    """Return the type of a Vonage sender or recipient: a number or a sender id."""
    shape = Field(min_length=1, max_length=limit, pattern=ADDRESS,
                  description=f"a phone number or sender id (printable ASCII, at most {limit})")
    return _maybe(shape, optional)


def _maybe(shape, optional: bool):
    # an optional field keeps its shape's description on the field, where errors read it
    if optional:
        return Annotated[StrictStr | None, shape, Field(default=None)]
    return Annotated[StrictStr, shape]


def _e164(text: str, info: ValidationInfo) -> str:
    region = (info.context or {}).get("region", "US")
    try:
        return parse_phone(text, region=region)
    except InvalidPhone as exc:
        raise PydanticCustomError("invalid_phone", str(exc)) from None


def _registered(name: str) -> str:
    if name not in AUTOMATIONS:
        known = ", ".join(sorted(AUTOMATIONS))
        raise PydanticCustomError("unknown_automation",
                                  f"unknown automation {name!r}; known: {known}")
    return name


# A phone as a person writes it, read as E.164 in the dealership's region (the validation
# context's "region"); not a valid number: 422 invalid_phone.
Phone = Annotated[StrictStr, Field(pattern=ONE_LINE), AfterValidator(_e164), WithJsonSchema({
    "type": "string", "maxLength": MAX_WRITTEN_PHONE, "pattern": WRITTEN,
    "description": "a phone number in any format: 7 to 15 digits 0-9, with + ( ) - . or "
                   "spaces; answered in E.164"})]
# An automation type; one that is not registered: 422 unknown_automation.
AutomationName = Annotated[StrictStr, Field(pattern=ONE_LINE), AfterValidator(_registered),
                           WithJsonSchema({"type": "string", "enum": list(AUTOMATIONS)})]


def _iso(moment: datetime) -> str:
    return to_aware(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# A stored time (naive UTC), answered as ISO 8601 with a Z: 2026-11-26T14:03:00.000Z.
When = Annotated[datetime, PlainSerializer(_iso, return_type=str),
                 WithJsonSchema({"type": "string", "format": "date-time"})]
E164Phone = Annotated[str, Field(pattern=E164)]
