"""The field shapes of gateway/fields.py: the patterns mean the same to pydantic (Rust regex),
to a JSON Schema validator (Python re) and to the str methods the store trims with;
vonage_time()'s fast path reads exactly what strptime reads; and url_pairs() reads a form
exactly as werkzeug's request.form and request.args do."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.errors import ApiError
from gateway.fields import BLANK, CONTROL, NAMED, ONE_LINE, PROSE, PROSE_TEXT, named
from gateway.webhook_fields import FORM, VONAGE_TIME, url_pairs, vonage_time

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


# the pieces a form is made of, and the ones that trip a parser: escapes whole, cut short
# and not UTF-8 once unquoted, separators doubled or missing, bytes that are not UTF-8
FORM_PIECES = [b"a", b"msisdn", b"=", b"&", b"&&", b";", b"+", b"%", b"%2", b"%20", b"%2B",
               b"%26", b"%3D", b"%FF", b"%ff", b"%C3%A9", b"%C3", b"%E2%82", b"%00", b"%0A",
               "é".encode(), "\U0001F6D1".encode(), b"\xff", b"\xc3", b" ", b"\n", b"STOP"]


def _werkzeug_form(body: bytes) -> list[tuple[str, str]]:
    request = Request(EnvironBuilder(method="POST", data=body, content_type=FORM).get_environ())
    return list(request.form.items(multi=True))


def _werkzeug_args(query: bytes) -> list[tuple[str, str]]:
    environ = EnvironBuilder(method="GET").get_environ()
    environ["QUERY_STRING"] = query.decode("latin-1")  # WSGI's str of the raw bytes
    return list(Request(environ).args.items(multi=True))


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(FORM_PIECES), max_size=30).map(b"".join))
def test_url_pairs_reads_a_form_and_a_query_as_werkzeug_does(data):
    try:
        data.decode()
    except UnicodeDecodeError:
        with pytest.raises(ApiError) as refused:  # werkzeug: an empty form, or a 500 (args)
            url_pairs(data)
        assert refused.value.status == 400 and "not UTF-8" in refused.value.message
        return
    pairs = url_pairs(data)
    # the same pairs; werkzeug's MultiDict lists a repeated key's values together, and a
    # repeated key is refused (single_values), so the order matters only without one
    assert sorted(pairs) == sorted(_werkzeug_form(data)) == sorted(_werkzeug_args(data))
    if len({key for key, _ in pairs}) == len(pairs):
        assert pairs == _werkzeug_form(data)
