"""The field shapes of gateway/fields.py: the patterns mean the same to pydantic (Rust regex),
to a JSON Schema validator (Python re) and to the str methods the store trims with; and
vonage_time()'s fast path reads exactly what strptime reads."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from gateway.fields import BLANK, CONTROL, NAMED, ONE_LINE, PROSE, PROSE_TEXT, named
from gateway.webhook_fields import VONAGE_TIME, vonage_time

CONTROLS = re.compile(f"[{CONTROL}]")
SAMPLES = ["Ana", " Ana ", "", " ", "\u3000", "\u00a0x", "a\nb", "a\tb", "a\r\n", "x\x00",
           "\x85", "\u2028", "\ufeff", "Ana\n", "línea", "\U0001F6D1"]


def test_blank_is_what_str_strip_removes_besides_control_characters():
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    blank = {c for c in spaces if not CONTROLS.match(c)}
    assert blank == {c for c in spaces if re.fullmatch(f"[{BLANK}]", c)}


@pytest.mark.parametrize("text", SAMPLES)
def test_a_named_field_is_one_line_and_not_blank(text):
    expected = not CONTROLS.search(text) and bool(text.strip())
    assert bool(re.search(NAMED, text)) == expected or text.endswith("\n")  # re's $ takes \n
    try:
        read = TypeAdapter(named(10)).validate_python(text)
    except ValidationError:
        assert not expected
    else:
        assert expected and read == text.strip()


@pytest.mark.parametrize("text", SAMPLES)
def test_prose_allows_line_breaks_and_tabs_only(text):
    controls = {c for c in text if CONTROLS.match(c)} - {"\t", "\n", "\r"}
    assert bool(re.fullmatch(PROSE.strip("^$"), text)) == (not controls)
    assert bool(re.fullmatch(PROSE_TEXT.strip("^$"), text)) == (
        not controls and bool(text.strip()))
    assert bool(re.fullmatch(ONE_LINE.strip("^$"), text)) == (not CONTROLS.search(text))


def _strptime_or_none(text):
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


TIMES = ["2026-12-01 04:00:00", "2024-02-29 23:59:59", "2023-02-29 10:00:00",
         "2026-13-01 00:00:00", "2026-12-01 24:00:00", "2026-12-01 23:60:00",
         "2026-12-01 23:59:60", "0000-01-01 00:00:00", "0001-01-01 00:00:00",
         "9999-12-31 23:59:59", "2026-1-5 3:4:5", "2026-12-01T04:00:00",
         "2026-12-01 04:00:00Z", "2026-12-01 04:00:00+00:00", "2026-12-01 04:00:00.5",
         "2026-12-01", "2026-12-01 04:00", " 2026-12-01 04:00:00", "2026-12-01 04:00:00 ",
         "2026-12-01 04:00:00\n", "٢٠٢٦-١٢-٠١ ٠٤:٠٠:٠٠", "2026-12-01\u300004:00:00", "", "x"]


@pytest.mark.parametrize("text", TIMES)
def test_vonage_time_reads_what_strptime_reads(text):
    assert vonage_time(text) == _strptime_or_none(text)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A[0-9٠-٩]{1,4}[-/][0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,3}"
                     r"(\.[0-9]+)?Z?\Z"))
def test_vonage_time_agrees_with_strptime_on_near_misses(text):
    assert vonage_time(text) == _strptime_or_none(text)


def test_vonage_time_of_nothing_is_none():
    assert vonage_time(None) is None


@pytest.mark.parametrize("clock", ["24:00:00", "23:60:00", "23:59:60", "99:00:00"])
def test_only_a_time_of_day_in_range_takes_the_fast_path(clock):
    # what fromisoformat reads differently by Python version (3.14 takes 24:00 as the next
    # day) never reaches it: strptime, the reference, refuses these on every version
    assert VONAGE_TIME.fullmatch(f"2026-12-01 {clock}") is None
    assert vonage_time(f"2026-12-01 {clock}") is None
