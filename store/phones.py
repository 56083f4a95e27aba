"""Phone numbers: parsing to E.164 with phonenumbers, masking, and where a number lives."""

from __future__ import annotations

import re
from functools import wraps

import phonenumbers
from phonenumbers import geocoder, timezone

from store.errors import InvalidPhone

# How a phone is written: ASCII digits (7 to 15 of them, as E.164 allows) with the usual
# separators. phonenumbers alone would also read digits of other scripts (٣, ３) and letters
# (1-800-FLOWERS), which no client record means.
WRITTEN = r"^\+?[ ().-]*(?:[0-9][ ().-]*){7,15}$"
_WRITTEN = re.compile(WRITTEN)

# States whose mini-TCPA laws end the texting day at 20:00 instead of 21:00.
EARLY_QUIET_STATES = {"Florida": "FL", "Oklahoma": "OK", "Maryland": "MD"}


def cache_by(key):
    """Memoize a function of a phone number by `key(number)` instead of the whole number.

    Campaigns look up the zone of 100,000 numbers; most share their area, and phonenumbers
    takes tens of microseconds per lookup.
    """

    def decorate(function):
        memo: dict[str, object] = {}

        @wraps(function)
        def wrapper(e164: str):
            k = key(e164)
            if k not in memo:
                if len(memo) > 100_000:
                    memo.clear()
                memo[k] = function(e164)
            return memo[k]

        return wrapper

    return decorate


def parse_phone(text: str, *, region: str = "US") -> str:
    """Return `text` as an E.164 number, or raise InvalidPhone with a reason."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidPhone("a phone number is required")
    if len(text) > 40:
        raise InvalidPhone("a phone number has at most 40 characters")
    if not _WRITTEN.match(text.strip()):
        raise InvalidPhone(f"{text!r} is not a phone number: write 7 to 15 digits 0-9, "
                           "with + ( ) - . or spaces if you like")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{text!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_parse_phone(text: str, *, region: str = "US") -> str | None:
    """Return `text` as E.164, or None when it is not a valid number."""
    try:
        return parse_phone(text, region=region)
    except InvalidPhone:
        return None


def mask(e164: str) -> str:
    """Return the phone with all but its last four digits hidden, for logs and alerts."""
    return f"…{e164[-4:]}" if e164 else "…"


def _area(e164: str) -> str:
    """Return the part of the number that decides its zone and state.

    phonenumbers maps North American numbers by NPA-NXX (+1 and six digits) at the finest,
    so numbers sharing it share the answer; other countries are looked up whole.
    """
    return e164[:8] if e164.startswith("+1") else e164


@cache_by(_area)
def time_zones(e164: str) -> tuple[str, ...]:
    """Return the IANA time zones the number may be in (empty when unknown)."""
    zones = timezone.time_zones_for_number(phonenumbers.parse(e164))
    return tuple(z for z in zones if z != timezone.UNKNOWN_TIMEZONE)


@cache_by(_area)
def us_state(e164: str) -> str | None:
    """Return the two-letter code of an early-quiet-hours US state the number belongs to."""
    number = phonenumbers.parse(e164)
    if number.country_code != 1:
        return None
    place = geocoder.description_for_number(number, "en")
    for name, code in EARLY_QUIET_STATES.items():
        if place == name or place.endswith(f", {code}"):
            return code
    return None


def parse_msisdn(msisdn: str) -> str | None:
    """Return a Vonage `msisdn` (international digits, no +) as E.164, or None.

    None stands for a sender that is not a phone number (a short code, a name).
    """
    digits = (msisdn or "").strip().lstrip("+")
    if not (digits.isascii() and digits.isdigit()):
        return None
    return try_parse_phone(f"+{digits}")


def display(e164: str) -> str:
    """Return the number as people write it: national format at home, international abroad."""
    number = phonenumbers.parse(e164)
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 1
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)
