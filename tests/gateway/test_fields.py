"""The field shapes of gateway/fields.py: the patterns mean the same to pydantic (Rust regex),
to a JSON Schema validator (Python re) and to the str methods the store trims with."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from gateway.fields import BLANK, CONTROL, NAMED, ONE_LINE, PROSE, PROSE_TEXT, named

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
