"""The consent card's words: dates are proof, so a date of another year says its year."""

from __future__ import annotations

from datetime import datetime

import pytest

from store.records.card import PLAIN, Style, describe, shorten, when
from tests.factories import ZONE

NOW = datetime(2026, 11, 30, 17, 0)  # naive UTC, as stored


@pytest.mark.parametrize(("moment", "words"), [
    (datetime(2026, 11, 26, 19, 3), "Nov 26, 2:03 PM"),  # this year: no year
    (datetime(2024, 1, 16, 12, 0), "Jan 16, 2024, 7:00 AM"),
    (datetime(2025, 12, 31, 12, 0), "Dec 31, 2025, 7:00 AM"),
    (datetime(2026, 1, 1, 3, 0), "Dec 31, 2025, 10:00 PM"),  # the year of the dealership's day
    (datetime(2027, 2, 1, 17, 0), "Feb 1, 2027, 12:00 PM"),
])
def test_a_date_says_its_year_unless_it_is_this_year(moment, words):
    assert when(moment, ZONE, now=NOW) == words


def test_the_year_is_this_year_in_the_dealerships_zone():
    # 03:00 UTC on Jan 1 is still Dec 31 in New York: "this year" is New York's
    assert when(datetime(2025, 12, 31, 20, 0), ZONE, now=datetime(2026, 1, 1, 3, 0)) == \
        "Dec 31, 3:00 PM"


def test_no_moment_says_nothing():
    assert when(None, ZONE, now=NOW) == ""


class Event:
    raw_text, actor, channel = "STOP <!channel>", "U123", "slack"


def test_describe_quotes_and_names_as_the_edge_writes_them():
    slack = Style(quote=lambda t: t.replace("<", "&lt;"), person=lambda a, c: f"<@{a}>")
    moment = datetime(2024, 1, 16, 12, 0)
    plain = describe("opted out", "opted_out", "client_keyword", moment, Event(), ZONE,
                     style=PLAIN)
    assert plain.startswith('opted out by texting "STOP <!channel>" on Jan 16, 2024')
    assert "&lt;!channel>" in describe("x", "opted_out", "client_keyword", moment, Event(), ZONE,
                                       style=slack)
    assert "by <@U123> in Slack" in describe("x", "opted_out", "staff", moment, Event(), ZONE,
                                             style=slack)


@pytest.mark.parametrize(("text", "limit", "short"), [
    ("STOP", 40, "STOP"),
    ("please stop sending me the price drop texts, I bought a car", 40,
     "please stop sending me the price drop…"),
    ("I want to stop", 12, "I want to…"),
    ("Supercalifragilisticexpialidocious", 10, "Supercali…"),  # one long word: cut it
])
def test_a_quote_is_cut_after_a_whole_word_with_an_ellipsis(text, limit, short):
    assert shorten(text, limit) == short
    assert len(shorten(text, limit)) <= limit


def test_the_card_quotes_a_long_text_cut_after_a_word():
    event = Event()
    event.raw_text = "please stop sending me the price drop texts, I bought a car"
    words = describe("x", "opted_out", "client_keyword", None, event, ZONE)
    assert 'by texting "please stop sending me the price drop…"' in words
