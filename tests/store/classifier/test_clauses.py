"""Stages 1 and 2: words that remember where they stand, cut into sentences, clauses, parts."""

from __future__ import annotations

import pytest

from store.classifier import classify
from store.classifier.clauses import read
from store.classifier.normalize import fold, tokenize


def words_at(text: str) -> list[tuple[str, str]]:
    tokens = tokenize(fold(text))
    return [(w, text[a:b]) for w, a, b in zip(tokens.words, tokens.start, tokens.end,
                                              strict=True)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Don’t TEXT me", [("dont", "Don’t"), ("text", "TEXT"), ("me", "me")]),
    ("ＳＴＯＰ now", [("stop", "ＳＴＯＰ"), ("now", "now")]),
    ("opt-out pls", [("optout", "opt-out"), ("please", "pls")]),
    ("S T O P", [("stop", "S T O P")]),
    ("no más\x00 msjs", [("no", "no"), ("mas", "más"), ("mensajes", "msjs")]),
    ("do not text", [("dont", "do not"), ("text", "text")]),
    ("wrong #", [("wrong", "wrong"), ("number", "#")]),
    ("Straße", [("strasse", "Straße")]),
])
def test_each_word_points_at_what_the_client_wrote(text, expected):
    assert words_at(text) == expected


def test_sentences_clauses_and_parts_nest():
    reading = read("Thanks, got it. I bought a car - STOP (please)\nBye")
    assert [p.words for p in reading.sentences] == [
        ("thanks", "got", "it"), ("i", "bought", "a", "car", "stop", "please"), ("bye",)]
    assert [p.words for p in reading.clauses][:2] == [("thanks",), ("got", "it")]
    assert ("stop",) in [p.words for p in reading.parts]
    assert [p.first for p in reading.sentences] == [0, 3, 9]
    assert reading.sentences[1].normalized == "i bought a car - stop (please"


def test_a_hyphen_inside_a_word_cuts_nothing():
    assert [p.words for p in read("the F-150 - stop").parts] == [("the", "f", "150"), ("stop",)]


@pytest.mark.parametrize(("text", "bold"), [
    ("Hi! Please STOP texting me.", ["STOP"]),
    ("would you mind taking me off your list", ["taking me off your list"]),
    ("leave me the hell alone", ["leave me the hell alone"]),
    ("I'll stop by Friday", ["stop"]),
    ("STOP PRICE DROP. The other texts are fine", ["STOP PRICE DROP"]),
    ("Thanks for the info\nSTOP", ["STOP"]),
    ("just checking on my car", []),
])
def test_a_classification_names_the_words_that_decided(text, bold):
    result = classify(text)
    assert [text[a:b] for a, b in result.spans] == bold
