"""A phone that cannot be used is refused in words a salesperson reads, never in the
library's own ("(1) The string supplied did not seem to be a phone number.")."""

from __future__ import annotations

import pytest

from store.errors import InvalidPhone
from store.phones import parse_phone


@pytest.mark.parametrize(("text", "why"), [
    ("abc", "write 7 to 15 digits"),
    ("+999 555 0100", "no country has the code after +"),
    ("(212) 555-010", "too few digits"),
    ("+1 212 555 01000", "too many digits"),
    ("(212) 155-0100", "no such number exists in +1 (US)"),
    ("+44 20 7946 000", "no such number exists in +44 (GB)"),
    ("", "a phone number is required"),
])
def test_a_phone_that_cannot_be_used_is_refused_in_plain_words(text, why):
    with pytest.raises(InvalidPhone) as refused:
        parse_phone(text)
    message = str(refused.value)
    assert why in message
    for library_words in ("string supplied", "did not seem", "Could not interpret", "(0)",
                          "(1)", "(2)", "(3)", "(4)"):
        assert library_words not in message
