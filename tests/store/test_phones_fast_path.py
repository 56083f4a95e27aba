"""The E.164 fast path of store.phones gives phonenumbers' own answers (issue 11).

valid_e164() answers only "valid, and this is its E.164"; everything else goes to the full
phonenumbers.parse() + is_valid_number(). So it is right when every number it accepts is one
the full parse reads as valid with the same E.164: checked here on a million random numbers.
"""

from __future__ import annotations

import random
import re

import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberFormat, PhoneNumberType
from phonenumbers.re_util import enable_pattern_cache

from store.errors import InvalidPhone
from store.phones import WRITTEN, _first_region_check, parse_phone, valid_e164

DIGITS = "0123456789"
# The reference reads numbers of every region: without its own cache phonenumbers recompiles
# its patterns each time they fall out of re's (512 entries), ten times slower.
enable_pattern_cache()


def full_parse(text: str, region: str = "US") -> str | None:
    """Return what phonenumbers alone says: the E.164 of a valid number, else None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def written_and_parsed(text: str) -> str | None:
    """Return what parse_phone() answered before the fast path: its own check of how a
    number is written (ASCII digits, 7 to 15 of them), then phonenumbers alone."""
    if len(text) > 40 or not re.match(WRITTEN, text.strip()):
        return None
    return full_parse(text)


def example_numbers() -> list[str]:
    """Return phonenumbers' example number of every type of every region, in E.164."""
    found = []
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
                examples = [phonenumbers.example_number_for_non_geo_entity(code)]
            else:
                examples = [phonenumbers.example_number_for_type(region, kind)
                            for kind in vars(PhoneNumberType).values() if isinstance(kind, int)]
            found += [phonenumbers.format_number(e, PhoneNumberFormat.E164)
                      for e in examples if e is not None]
    return sorted(set(found))


def random_numbers(count: int, seed: int) -> list[str]:
    """Return `count` strings of + and 7 to 15 digits, valid and invalid, across codes.

    Half are a real example number with its tail redrawn (sometimes a digit longer or
    shorter), so that every region's valid numbers are well represented; the rest are random
    digits after a known country code, or after any one to three digits.
    """
    rng = random.Random(seed)
    examples = example_numbers()
    codes = [str(c) for c in sorted(COUNTRY_CODE_TO_REGION_CODE)]
    numbers = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.5:
            example = rng.choice(examples)
            keep = rng.randint(3, len(example) - 1)
            size = min(len(example) - keep + rng.choice((0, 0, 0, -1, 1)), 16 - keep)
            text = example[:keep] + "".join(rng.choices(DIGITS, k=size))
        elif roll < 0.8:
            code = rng.choice(codes)
            text = "+" + code + "".join(rng.choices(DIGITS, k=rng.randint(4, 15 - len(code))))
        else:
            text = (f"+{rng.randint(1, 999)}"
                    + "".join(rng.choices(DIGITS, k=rng.randint(4, 12))))
        numbers.append(text)
    return numbers


@pytest.mark.slow
def test_the_fast_path_agrees_with_the_full_parse_on_a_million_random_numbers(monkeypatch):
    """About 10 s: a few µs a number for the fast path, ~20 µs for each full parse it is
    checked against (only the numbers it accepts: for the others parse_phone() runs the full
    parse itself, so its answer is phonenumbers' by construction)."""
    numbers = random_numbers(1_000_000, seed=11)
    accepted = [(text, e164) for text in numbers if (e164 := valid_e164(text)) is not None]
    wrong = [(text, e164, full_parse(text)) for text, e164 in accepted
             if full_parse(text) != e164]
    assert wrong == [], wrong[:20]
    # it must be a path worth having: most valid numbers take it, and it never falls back on
    # the full parse it replaces (its cost is in bench/, not asserted in seconds here)
    valid = sum(full_parse(text) is not None for text in numbers[:20_000])
    full_calls = []
    for name in ("parse", "is_valid_number", "is_valid_number_for_region"):
        monkeypatch.setattr(phonenumbers, name,
                            lambda *args, name=name, **kwargs: full_calls.append(name))
    taken = sum(valid_e164(text) is not None for text in numbers[:20_000])
    assert taken >= 0.9 * valid, (taken, valid)
    assert full_calls == []


def test_parse_phone_answers_as_phonenumbers_does_whichever_path_it_takes():
    numbers = random_numbers(20_000, seed=5)
    written = numbers + [f" {n} " for n in numbers[:2000]] + [
        f"{n[:4]} {n[4:8]} {n[8:]}" for n in numbers[:2000]]
    for text in written:
        try:
            got = parse_phone(text)
        except InvalidPhone:
            got = None
        assert got == written_and_parsed(text), text


@pytest.mark.parametrize(("text", "why"), [
    ("+4402079460000", "a national prefix the full parse strips: +44 20 7946 0000"),
    ("+390612345678", "an Italian leading zero"),
    ("+12125550100", "a plain US number"),
    ("+11234567890", "a US number written with its national prefix 1"),
    ("+80012345678", "a non-geographic code (international freephone)"),
    ("+882345678901", "a non-geographic network code"),
    ("+5491123456789", "Argentina's mobile 9, which parsing rewrites"),
    ("+8613800138000", "a Chinese mobile"),
    ("+2125550100", "a US number without its country code (+212 is Morocco)"),
    ("+9990000000", "an unassigned country code"),
    ("+1242555010", "a Caribbean NANP region one digit short"),
    ("+12423570000", "a Bahamas number among +1's many regions"),
])
def test_the_fast_path_on_numbers_that_are_hard_to_read(text, why):
    fast = valid_e164(text)
    assert fast is None or fast == full_parse(text), why
    try:
        assert parse_phone(text) == full_parse(text), why
    except InvalidPhone:
        assert full_parse(text) is None, why


def test_only_plus_and_ascii_digits_take_the_fast_path():
    for text in ("12125550100", "+1 212 555 0100", "+1-212-555-0100", "+١٢١٢٥٥٥٠١٠٠",
                 "+12125550100x12", "++12125550100", "+012125550100"):
        assert valid_e164(text) is None, text
    assert valid_e164("+12125550100") == "+12125550100"


@pytest.mark.slow
def test_the_one_pattern_for_us_numbers_agrees_with_the_full_parse():
    """valid_e164() first tries +1 and ten digits against one pattern built from the US
    metadata (store.phones._first_region_check): on 200,000 random ten-digit numbers after
    +1, every one it accepts is valid for phonenumbers with the same E.164, and every one
    phonenumbers finds valid in the US is accepted by it."""
    rng = random.Random(5)
    numbers = ["+1" + "".join(rng.choices(DIGITS, k=10)) for _ in range(200_000)]
    check = _first_region_check(1, 10)
    assert check.pattern != "(?!)", "the US pattern was not built: the fast path is gone"
    accepted = [text for text in numbers if check.fullmatch(text)]
    assert len(accepted) > 50_000
    assert [t for t in accepted if full_parse(t) != t] == []
    us = [t for t in numbers[:20_000]
          if phonenumbers.region_code_for_number(phonenumbers.parse(t)) == "US"
          and full_parse(t) == t]
    assert [t for t in us if not check.fullmatch(t)] == []
