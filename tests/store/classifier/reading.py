"""How the classifier's tests read a text: (intent, scope, rule), the version checked."""

from __future__ import annotations

import pytest

from store.classifier import VERSION, classify

RULES = {
    "keyword", "keyword_with_filler", "starts_with_stop", "keyword_line", "typo",
    "natural_language", "scoped_keyword", "scoped_natural_language", "keyword_widened",
    "natural_language_widened", "scoped_start_unknown", "review", "negation", "help",
    "yes_in_context", "yes_without_context", "empty", "no_match",
}
INTENTS = {"opt_out", "opt_in", "help", "review", "none"}
PRICE = "price_reduction"
ARRIVAL = "new_vehicle_arrival"


def read(text: str, *, yes: bool = False) -> tuple[str, str | None, str]:
    """Classify `text` and return (intent, scope, rule), checking the version on the way."""
    result = classify(text, yes_is_opt_in=yes)
    assert result.version == VERSION
    return result.intent, result.scope, result.rule


def cases(expected: tuple[str, str | None, str], *texts: str) -> list:
    return [pytest.param(text, expected, id=text[:60]) for text in texts]


def run(text: str, expected: tuple[str, str | None, str]) -> None:
    assert read(text) == expected, text
