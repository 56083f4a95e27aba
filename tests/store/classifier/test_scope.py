"""Stage 4, scope: STOP <keyphrase>, revocations naming one automation, what widens a
scope and what does not (SPEC section 4)."""

from __future__ import annotations

import itertools

import pytest

from store.automations import AUTOMATIONS
from store.classifier.normalize import normalize
from store.classifier.phrasebook import automation_phrases
from tests.store.classifier.reading import ARRIVAL, PRICE, cases, read, run

# -- scoped opt-out and opt-in -----------------------------------------------------------------

PHRASES = [(a.name, phrase) for a in AUTOMATIONS.values() for phrase in a.phrases]
SCOPED_STOPS = [
    "STOP {}", "stop {}", "Stop {}!", "STOP {} alerts", "stop {} alerts please",
    "Please STOP {} texts", "UNSUBSCRIBE {}", "END {}", "cancel {} notifications", "QUIT {}",
    "opt out of {}", "please stop sending me the {} texts", "Thanks\nSTOP {}\n", "BAJA {}",
]
SCOPED_IN_WORDS = [
    "no more {} alerts", "I want you to stop sending me the {} texts",
    "I don't want the {} texts anymore", "no {} texts please", "can you please stop the {} texts",
    "dont send me {} alerts", "no más mensajes de {}",
]


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", SCOPED_STOPS)
def test_stop_with_an_automation_keyphrase_opts_out_of_that_automation(template, name, phrase):
    for written in (phrase, phrase.lower(), phrase.title()):
        run(template.format(written), ("opt_out", name, "scoped_keyword"))


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", SCOPED_IN_WORDS)
def test_a_revocation_in_words_naming_one_automation_is_scoped(template, name, phrase):
    run(template.format(phrase.lower()), ("opt_out", name, "scoped_natural_language"))


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", [
    "START {}", "start {}", "Start {} please", "START {} texts", "UNSTOP {}", "subscribe {}",
    "START {} and everything",
])
def test_start_with_an_automation_keyphrase_opts_in_to_that_automation(template, name, phrase):
    run(template.format(phrase), ("opt_in", name, "scoped_keyword"))


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", [
    "STOP {} and everything", "stop {} and everything else", "STOP {} and deals",
    "STOPALL {}", "STOP ALL {}", "stop all the {} texts", "STOP {} texting me at work",
])
def test_more_than_one_automation_after_stop_widens_to_all(template, name, phrase):
    run(template.format(phrase), ("opt_out", "all", "keyword_widened"))
    wide = f"I want you to stop sending me {phrase} texts and everything else"
    run(wide, ("opt_out", "all", "natural_language_widened"))


PAIRS = [(a, b) for (na, a), (nb, b) in itertools.product(PHRASES, PHRASES) if na != nb]


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=str)
def test_two_automations_widen_stop_and_leave_start_undecided(first, second):
    run(f"stop {first} and {second}", ("opt_out", "all", "keyword_widened"))
    run(f"no more {first} or {second} texts", ("opt_out", "all", "natural_language_widened"))
    run(f"STOP {first}\nSTOP {second}", ("opt_out", "all", "keyword_widened"))
    run(f"start {first} and {second}", ("none", None, "scoped_start_unknown"))


@pytest.mark.parametrize(("text", "expected"), cases(
    ("opt_out", "all", "keyword_widened"),
    "STOP DEALS", "stop promotions", "Stop sending me deals", "STOP MARKETING TEXTS",
    "STOP PRICE ALERTS", "cancel deals", "unsubscribe from promotions", "Hi\nSTOP DEALS",
))
def test_an_unknown_scope_after_stop_widens_to_all(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), cases(
    ("none", None, "scoped_start_unknown"),
    "START DEALS", "start promotions", "START PRICE ALERTS", "Start texting me deals",
))
def test_start_with_an_unknown_scope_never_opts_in(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    # SPEC section 10, scenario 1
    ("please stop sending me these price drop texts", ("opt_out", PRICE, "scoped_keyword")),
    ("STOP PRICE DROP", ("opt_out", PRICE, "scoped_keyword")),
    ("stop pricedrops", ("opt_out", PRICE, "scoped_keyword")),
    ("STOP PRICE REDUCTIONS", ("opt_out", PRICE, "scoped_keyword")),
    ("stop new vehicle alerts", ("opt_out", ARRIVAL, "scoped_keyword")),
    ("Unsubscribe from price drops", ("opt_out", PRICE, "scoped_keyword")),
    ("no more price drop alerts", ("opt_out", PRICE, "scoped_natural_language")),
    ("I don't want the new arrival texts anymore",
     ("opt_out", ARRIVAL, "scoped_natural_language")),
    ("start new arrivals", ("opt_in", ARRIVAL, "scoped_keyword")),
    ("START PRICE DROP and everything", ("opt_in", PRICE, "scoped_keyword")),
    ("STOP PRICE DROP and everything", ("opt_out", "all", "keyword_widened")),
    ("stop price drops and new arrivals", ("opt_out", "all", "keyword_widened")),
], ids=lambda v: str(v)[:40])
def test_scoped_examples(text, expected):
    run(text, expected)


def test_every_registered_keyphrase_reads_as_its_own_automation():
    table = automation_phrases()
    for automation in AUTOMATIONS.values():
        for phrase in automation.phrases:
            assert table[tuple(normalize(phrase).split())] == automation.name
            assert read(f"STOP {phrase}")[1] == automation.name



@pytest.mark.parametrize(("text", "expected"), [
    # E: commentary after a scoped opt-out keeps its scope (SPEC section 10, scenario 1)
    *cases(("opt_out", PRICE, "scoped_keyword"),
           "Stop the price drop alerts, too many", "stop price drop texts, I already bought a car",
           "Stop sending price drop alerts to this number",
           "please stop the price drop texts. thanks", "STOP PRICE DROP!!! I bought one",
           "Stop price drop alerts, I bought a new truck",
           "stop price drop alerts - the price is still too high"),
    # ... and another kind of texts still widens it
    *cases(("opt_out", "all", "keyword_widened"),
           "STOP PRICE DROP and everything", "stop price drops and new arrivals",
           "STOP PRICE DROP and all other texts", "STOP DEALS", "stop price drop and deals",
           "stop price drop and arrival alerts", "stop price drop and new ones"),
])
def test_only_another_scope_widens_a_scoped_opt_out(text, expected):
    run(text, expected)
