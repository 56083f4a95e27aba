"""Phone numbers: parsing to E.164 with phonenumbers, masking, and where a number lives.

phonenumbers' geocoder and time-zone data take most of a second to import, and only quiet
hours need them: they load on first use, so a command that never sends starts fast.
"""

from __future__ import annotations

import re
from functools import cache, wraps

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

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
    if isinstance(text, str) and text[:1] == "+":
        # a number valid as written in E.164 passes every check below (WRITTEN included)
        e164 = valid_e164(text)
        if e164 is not None:
            return e164
    if not isinstance(text, str) or not text.strip():
        raise InvalidPhone("a phone number is required")
    if len(text) > 40:
        raise InvalidPhone("a phone number has at most 40 characters")
    written = text.strip()
    if not _WRITTEN.match(written):
        raise InvalidPhone(f"{text!r} is not a phone number: write 7 to 15 digits 0-9, "
                           "with + ( ) - . or spaces if you like")
    e164 = valid_e164(written)
    if e164 is not None:
        return e164
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        why = _PARSE_WORDS.get(exc.error_type, "it cannot be read as one")
        raise InvalidPhone(f"{text!r} is not a phone number: {why}") from None
    if not phonenumbers.is_valid_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        code = number.country_code
        where = f"+{code} ({phonenumbers.region_code_for_country_code(code)})"
        why = _LENGTH_WORDS.get(reason, f"no such number exists in {where}")
        raise InvalidPhone(f"{text!r} is not a phone number: {why}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# phonenumbers' reasons, in words a salesperson reads (its own are for programmers)
_PARSE_WORDS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "no country has the code after +",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "it has too few digits, or letters",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too few digits after the prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too few digits",
    phonenumbers.NumberParseException.TOO_LONG: "too many digits",
}
_LENGTH_WORDS = {
    phonenumbers.ValidationResult.TOO_SHORT: "too few digits",
    phonenumbers.ValidationResult.TOO_LONG: "too many digits",
    phonenumbers.ValidationResult.INVALID_LENGTH: "the wrong number of digits",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "no country has the code after +",
}


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
    from phonenumbers import timezone

    zones = timezone.time_zones_for_number(phonenumbers.parse(e164))
    return tuple(z for z in zones if z != timezone.UNKNOWN_TIMEZONE)


@cache_by(_area)
def us_state(e164: str) -> str | None:
    """Return the two-letter code of an early-quiet-hours US state the number belongs to."""
    from phonenumbers import geocoder

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
    """Return the number as people write it: national format at home, international abroad
    (as stored, when phonenumbers cannot read it: a number whose country code it dropped)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 1
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


# The E.164 fast path. A number already written +<country code><national number> is what
# imports and campaigns mostly carry; phonenumbers.parse() spends ~12 µs reading it (it looks
# for a number inside free text) and is_valid_number() ~9 µs more (it recompiles, through
# re's cache, a dozen patterns per region). valid_e164() follows the same steps on the same
# metadata with the patterns compiled once, and answers only "valid, and here it is":
# whenever the full parse might read the digits another way (a national prefix it would
# strip, a leading zero) or the number is not valid, it returns None and parse_phone() asks
# phonenumbers itself, so refusals and their reasons are phonenumbers' own.
# tests/store/test_phones_fast_path.py checks it against the full parse on a million numbers.
_PLUS_DIGITS = re.compile(r"\+([1-9][0-9]{6,14})")
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
          "voicemail", "fixed_line")
_REGIONS: dict[str, tuple | None] = {}  # bounded: one entry per region of the metadata
_NON_GEO = phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY


def valid_e164(text: str) -> str | None:
    """Return `text` when it is a valid number written in E.164, else None (undecided)."""
    if len(text) == 12 and text.startswith("+1") and _first_region_check(1, 10).fullmatch(text):
        return text  # most of what a US dealership holds: a 10-digit US number
    found = _PLUS_DIGITS.fullmatch(text)
    if found is None:
        return None
    digits = found.group(1)
    for size in (1, 2, 3):  # as phonenumbers reads a country code: the shortest known prefix
        code = int(digits[:size])
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
        if regions:
            break
    else:
        return None
    national = digits[size:]
    if national[0] == "0":
        return None  # phonenumbers keeps "Italian" leading zeros apart
    parsing = _rules(regions[0], code)  # parse() reads with the code's main region
    if parsing is None or (parsing[0] is not None and parsing[0].match(national)):
        return None  # a national prefix parse() might strip
    return text if _is_valid(national, code, regions) else None


@cache  # one pattern per (code, size) asked; only (1, 10) is
def _first_region_check(code: int, size: int) -> re.Pattern:
    """Return one pattern for "+<code><national number of `size` digits> that the steps
    below would accept in the code's first region": an ASCII digit string, no leading zero,
    no national prefix parse() might strip, the general pattern and a type's, all in one
    match instead of seven calls. Anything it does not match takes the steps below."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
    rules = _rules(regions[0], code)
    never = re.compile(r"(?!)")
    # the steps below try the first region first only when it has no leading digits
    if rules is None or rules[2] != code or (len(regions) > 1 and rules[1] is not None):
        return never
    prefix, (lengths, general), types = rules[0], rules[3], rules[5]
    if lengths and size not in lengths:
        return never
    patterns = [p.pattern for sizes, p in types if not sizes or size in sizes]
    every = [general.pattern, *patterns, *([prefix.pattern] if prefix else [])]
    # anchors and group references would mean something else inside one pattern
    if not patterns or any(re.search(r"[\^$]|\\[0-9]|\(\?P", p) for p in every):
        return never
    return re.compile(
        rf"\+{code}(?=[0-9]{{{size}}}\Z)(?!0)"
        + (f"(?!(?:{prefix.pattern}))" if prefix else "")
        + f"(?=(?:{general.pattern})\\Z)(?:" + "|".join(f"(?:{p})" for p in patterns) + ")",
        re.ASCII)


def _is_valid(national: str, code: int, regions: tuple[str, ...]) -> bool:
    """Return phonenumbers.is_valid_number() of the number, region by region as it does."""
    if len(regions) == 1:
        rules = _rules(regions[0], code)
        return rules is not None and rules[2] == code and _known_type(national, rules)
    for region in regions:  # region_code_for_number(): the first region that claims it
        rules = _rules(region, code)
        if rules is None:
            continue
        if rules[1] is not None:
            if rules[1].match(national):
                return rules[2] == code and _known_type(national, rules)
        elif _known_type(national, rules):
            return rules[2] == code
    return False


def _known_type(national: str, rules: tuple) -> bool:
    """Return whether number_type() is not UNKNOWN: the general pattern and one type's.

    The types' patterns that allow the number's length are tried as one alternation: a
    full match of (?:a|b|c) is a full match of a, b or c.
    """
    general, types = rules[3], rules[4]
    if general[0] and len(national) not in general[0]:
        return False
    if general[1].fullmatch(national) is None:
        return False
    size = len(national)
    if size not in types:
        patterns = [p.pattern for lengths, p in rules[5] if not lengths or size in lengths]
        types[size] = re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)")
    return types[size].fullmatch(national) is not None


def _rules(region: str, code: int) -> tuple | None:
    """Return (national prefix, leading digits, country code, general, types by length,
    types) of a region."""
    key = f"{region}{code}" if region == _NON_GEO else region  # one per non-geographic code
    if key not in _REGIONS:
        metadata = (PhoneMetadata.metadata_for_nongeo_region(code, None) if region == _NON_GEO
                    else PhoneMetadata.metadata_for_region(region.upper(), None))
        _REGIONS[key] = None if metadata is None else _compile(metadata)
    return _REGIONS[key]


def _compile(metadata) -> tuple:
    def desc(d):
        if d is None or not d.national_number_pattern:
            return None
        return (tuple(d.possible_length), re.compile(d.national_number_pattern))

    names = _TYPES if metadata.same_mobile_and_fixed_line_pattern else (*_TYPES, "mobile")
    types = tuple(t for t in (desc(getattr(metadata, n)) for n in names) if t is not None)
    by_length: dict[int, re.Pattern] = {}  # filled by _known_type; at most 17 lengths
    prefix = metadata.national_prefix_for_parsing
    general = desc(metadata.general_desc) or ((), re.compile(r"(?!)"))
    # is_valid_number_for_region() also wants the region's own country code to be the
    # number's (a non-geographic entity's metadata carries its code)
    return (re.compile(prefix) if prefix else None,
            re.compile(metadata.leading_digits) if metadata.leading_digits is not None else None,
            metadata.country_code, general, by_length, types)
