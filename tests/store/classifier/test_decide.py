"""Stage 5, decide: one answer per text; opt-in, YES, HELP, nothing to read, long and
hostile texts, and the rules' contract."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import store.classifier
from store.automations import AUTOMATIONS
from store.classifier import VERSION, Classification, classify
from tests.store.classifier.reading import INTENTS, RULES, cases, read, run

# -- opt-in, YES, HELP -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    *cases(("opt_in", "all", "keyword"), "START", "start", "Start!", "UNSTOP", "Subscribe."),
    *cases(("opt_in", "all", "keyword_with_filler"), "start please", "Start again",
           "START now thanks", "unstop please", "start texting me again", "yes start",
           "subscribe to texts"),
    *cases(("none", None, "no_match"), "you can text me again", "ok text me", "start the car",
           "When does the sale start?", "I would like to start a lease"),
])
def test_opt_in_words(text, expected):
    run(text, expected)


YES = ["yes", "Yes!", "YES", "yes please", "Yes, please!", "si", "Sí", "yeah", "yes thank you"]


@pytest.mark.parametrize("text", YES)
def test_yes_opts_in_only_in_context(text):
    assert read(text, yes=True) == ("opt_in", "all", "yes_in_context")
    assert read(text, yes=False) == ("none", None, "yes_without_context")
    assert read(text) == ("none", None, "yes_without_context")


@pytest.mark.parametrize(("text", "expected"), cases(
    ("none", None, "no_match"),
    "yes I'm still interested in the truck", "Yes, what time?", "yes sir, 3pm works",
))
def test_a_yes_that_answers_something_else_is_none(text, expected):
    run(text, expected)
    assert read(text, yes=True) == expected


@pytest.mark.parametrize(("text", "expected"), [
    *cases(("help", None, "help"), "HELP", "help?", "HELP!!", "Help.", "info", "INFO please",
           "help me", "Ayuda"),
    *cases(("none", None, "no_match"), "Help me find a truck", "more info on the silverado",
           "can you help with financing?"),
    *cases(("opt_out", "all", "keyword_with_filler"), "HELP STOP", "help stop texts"),
])
def test_help_words(text, expected):
    run(text, expected)


def test_opt_out_wins_over_opt_in_and_help():
    assert read("START\nSTOP") == ("opt_out", "all", "keyword_line")
    assert read("help, please stop texting me") == ("opt_out", "all", "keyword_with_filler")
    assert read("START. how do I unsubscribe") == ("opt_out", "all", "natural_language")
    assert read("yes stop", yes=True) == ("opt_out", "all", "keyword_with_filler")


# -- nothing to read ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "🛑", "👍👍👍", "!!!", "?", "...", "\u200b\u200b", "🇺🇸", "❤️", "\x00\x1b",
    "😡 😡 😡", "“”", "---", "👍🏽",
], ids=repr)
def test_a_text_without_words_is_empty(text):
    assert read(text) == ("none", None, "empty")
    assert classify(text).normalized == ""


@pytest.mark.parametrize("text", [
    "Ok thanks", "What's the best price on the F-150?", "Can I come in at 3?", "who is this",
    "Thank you!", "no thanks", "Is the truck still available?", "no more than 20k please",
    "no mas de 20 mil", "take me off the test drive schedule", "I don't need the text",
])
def test_ordinary_texts_match_nothing(text):
    assert read(text) == ("none", None, "no_match")



@pytest.mark.parametrize(("text", "expected"), [
    # already right before 2026.11.2, and kept
    *cases(("review", None, "review"),
           "I'll stop by Friday", "cancel my service appointment", "when does the sale end"),
    *cases(("none", None, "negation"), "don't stop sending me deals"),
    *cases(("none", None, "yes_without_context"), "YES"),
    *cases(("none", None, "no_match"), "Help me find a truck", "why did you not text me back",
           "I'm done with the test drive, what's next?", "Un momento por favor"),
])
def test_what_was_right_stays_right(text, expected):
    run(text, expected)


# -- long and hostile input --------------------------------------------------------------------

LONG = 10_000


@pytest.mark.parametrize(("text", "expected"), [
    ("a" * LONG, ("none", None, "no_match")),
    ("🛑" * LONG, ("none", None, "empty")),
    ("!" * (LONG - 1) + "a", ("none", None, "no_match")),
    (("the truck is great " * 600)[:LONG - 5] + "\nSTOP", ("opt_out", "all", "keyword_line")),
    ("STOP " + "please " * 1427, ("opt_out", "all", "keyword_with_filler")),
    (("I'll stop by friday. " * 500)[:LONG], ("review", None, "review")),
    (("no more texts please " * 500)[:LONG], ("opt_out", "all", "natural_language")),
    (("don't stop. " * 900)[:LONG], ("none", None, "negation")),
    (("ok\n" * 4000)[:LONG], ("none", None, "no_match")),
    (" ".join(["s"] * (LONG // 2)), ("none", None, "no_match")),
    (("price drop new arrivals " * 500)[:LONG], ("none", None, "no_match")),
    (("take me off " * 900)[:LONG], ("none", None, "no_match")),
    (("opt " * 3000)[:LONG], ("none", None, "no_match")),
], ids=lambda v: repr(v)[:30])
def test_a_long_text_is_read_whole(text, expected):
    assert len(text) <= LONG + 10
    run(text, expected)


@given(st.text(max_size=300))
def test_classify_never_raises(text):
    result = classify(text)
    assert isinstance(result, Classification)
    assert result.intent in INTENTS and result.rule in RULES
    assert (result.scope is not None) == (result.intent in ("opt_out", "opt_in"))
    assert result.scope in (None, "all", *AUTOMATIONS)
    assert result.version == VERSION


@pytest.mark.parametrize("text", [
    "\ud800stop", "stop\udfff", "\x00" * 50, "\U0010ffff" * 20, "\u0301" * 100, "S\u0338TOP",
    "\u202eSTOP", "ﷺ" * 10, "𒐫" * 100,
], ids=repr)
def test_strange_characters_never_raise(text):
    assert classify(text).version == VERSION


# -- the contract itself -----------------------------------------------------------------------

@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_is_documented(rule):
    assert f"  {rule}  " in store.classifier.__doc__


# -- the memo of recent answers ----------------------------------------------------------------

def _corpus_texts() -> list[str]:
    import csv
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[3] / "corpus"
    with (corpus / "dev.csv").open(newline="", encoding="utf-8-sig") as stream:
        return [row["text"] for row in csv.DictReader(stream)]


def test_a_remembered_answer_is_the_one_a_fresh_reading_gives():
    decide = store.classifier.decide
    texts = [*_corpus_texts(), *YES, "STOP", "stop", "START PRICE DROP", "", "help"]
    for text in texts:
        for yes in (False, True):
            first, again = classify(text, yes_is_opt_in=yes), classify(text, yes_is_opt_in=yes)
            assert first == again == decide._classify(text, yes), text
            if len(text) <= decide.MEMO_LENGTH:
                assert again is first  # answered from the memo
    assert classify("yes").rule == "yes_without_context"  # the context is part of the key
    assert classify("yes", yes_is_opt_in=True).rule == "yes_in_context"


def test_the_memo_is_bounded_in_count_and_in_text_length():
    decide = store.classifier.decide
    assert decide._remembered.cache_info().maxsize == decide.MEMO_SIZE <= 10_000
    long_text = "please call me about the truck " * 10
    assert len(long_text) > decide.MEMO_LENGTH
    before = decide._remembered.cache_info()
    classify(long_text)
    after = decide._remembered.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)  # never kept
    for n in range(decide.MEMO_SIZE + 50):
        classify(f"see you at {n}")
    assert decide._remembered.cache_info().currsize == decide.MEMO_SIZE
