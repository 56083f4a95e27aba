"""Read one inbound text as opt out, opt in, help, review or none (SPEC section 4).

classify() never raises and never looks anything up: the caller says whether a YES would be an
opt-in, and applies the result. Word lists live in store.keywords (phrase patterns in
store.patterns), normalization in store.normalize, pattern matching in store.phrases, the opt-out
rules in store.revocation, negation in store.negation.

`rule` names what matched; it is stored on the consent event with CLASSIFIER_VERSION.

opt_out (scope "all" unless said otherwise)
  keyword                  the whole text is an opt-out word: STOP, STOPALL, STOP ALL,
                           UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, BAJA, ALTO, PARAR,
                           CANCELAR
  keyword_with_filler      an opt-out word with only filler around it ("Stop please",
                           "STOP. Thank you", "quit texting me", "HELP STOP")
  starts_with_stop         the text starts with STOP and goes on ("stop texting me at work", and,
                           as SPEC reads it, "STOP by anytime")
  keyword_line             a line or sentence of a longer text is an opt-out word, filler allowed
                           ("Thanks for the info\\nSTOP"); so is a clause cut off by a comma,
                           colon, dash or parenthesis, if its word is STOP, STOPALL, UNSUBSCRIBE,
                           OPTOUT, REVOKE, BAJA or a STOP typo ("I bought a car, STOP")
  typo                     the whole text (filler allowed) is STOP with a letter doubled,
                           missing, or two adjacent letters swapped (STOPP, STOOOP, STP, SOTP),
                           not a real word (SHOP, TOP); or a listed misspelling (UNSUSCRIBE)
  natural_language         a revocation in words ("take me off your list", "no más mensajes",
                           "I no longer want these texts", "you have the wrong #")
  scoped_keyword           any opt-out word with exactly one automation's keyphrase or alias
                           and only filler ("STOP PRICE DROP", "END NEW ARRIVALS", "please stop
                           sending me the price drop texts"); scope is that automation
  scoped_natural_language  a revocation in words naming exactly one automation after it ("no
                           more price drop alerts", "take me off the price drop list"); scope is
                           that automation
  scope_widened            an opt-out whose scope is no automation ("STOP DEALS"), two of them,
                           or one plus another kind of texts ("STOP PRICE DROP and everything",
                           "... and deals", "... texting me at work", "STOPALL PRICE DROP"):
                           scope "all". Words naming no texts are commentary and keep the scope
                           ("STOP PRICE DROP!!! I bought one")
opt_in
  keyword                  START, UNSTOP or SUBSCRIBE is the whole text; scope "all"
  keyword_with_filler      the same with filler ("Start again", "start please"); scope "all"
  scoped_keyword           START <keyphrase> ("START PRICE DROP texts"): that automation; words
                           after it are ignored, never widened ("START PRICE DROP and everything")
  yes_in_context           YES (filler allowed) when the caller says YES means opt in
help
  help                     HELP or INFO, filler allowed ("help?", "info please")
review
  review                   contains an opt-out word (not negated), an obvious STOP typo or a
                           word or phrase a person should judge ("I'll stop by Friday",
                           "cancel my appointment", "not interested", "how did you get my
                           number", "take me off the waiting list"); or pairs a doubt ("no
                           longer", "done with", "not consent", "wrong") with texts or a number
none
  negation                 every opt-out word or phrase is negated ("don't stop sending deals",
                           "no me den de baja"; not "why don't you" or "can't you just stop")
  scoped_start_unknown     START with a scope that names no automation, or two ("START DEALS")
  yes_without_context      YES when the caller says YES does not mean opt in
  empty                    nothing is left after normalizing (emoji, punctuation, spaces)
  no_match                 nothing above matched ("help me find a truck", "you can text me
                           again": opt-ins in other words are never applied)

Opt-out wins over everything but a clear negation of stopping, and several opt-outs in one
text add up (any "all" wins; two automations widen to "all"). Opt-in, HELP and YES are read
from the whole text only; opt-outs also from each line, sentence and clause of a longer text.
"""

from __future__ import annotations

from dataclasses import dataclass

from store import keywords as kw
from store.normalize import Reading, normalize, read
from store.phrases import Marked, mark
from store.revocation import ALL, Revocation, Scan, lead, rest

__all__ = ["CLASSIFIER_VERSION", "Classification", "classify", "normalize"]

# Bump with every change to a rule here, in store.revocation, store.negation, store.normalize or
# store.phrases, or to a list in store.keywords or store.patterns.
CLASSIFIER_VERSION = "2026.11.2"

OPT_OUT, OPT_IN, HELP, REVIEW, NONE = "opt_out", "opt_in", "help", "review", "none"


@dataclass(frozen=True)
class Classification:
    """What one inbound text asks for, and which rule of which version said so."""

    intent: str  # opt_out | opt_in | help | review | none
    scope: str | None  # "all" or an automation name for opt_out/opt_in, else None
    rule: str
    version: str
    normalized: str  # the normalized text read; for an opt-out read from one line, that line


def classify(text: str, *, yes_is_opt_in: bool = False) -> Classification:
    """Return what an inbound text asks for; never raises."""
    reading = read(text)
    normalized = reading.normalized
    if not reading.words:
        return _result(NONE, None, "empty", normalized)
    words = mark(reading.words)
    found = lead(words, whole=True)
    if found:
        return _result(OPT_OUT, found.scope, found.rule, normalized)
    scan = Scan(reading, words)
    if scan.revocations:
        return _opt_out(scan.revocations, reading)
    if scan.review:
        return _result(REVIEW, None, "review", normalized)
    if scan.negated:
        return _result(NONE, None, "negation", normalized)
    if _alone(words.tokens, kw.HELP_WORDS):
        return _result(HELP, None, "help", normalized)
    opt_in = _opt_in(words)
    if opt_in:
        return _result(*opt_in, normalized)
    if _alone(words.tokens, kw.YES_WORDS):
        if yes_is_opt_in:
            return _result(OPT_IN, ALL, "yes_in_context", normalized)
        return _result(NONE, None, "yes_without_context", normalized)
    return _result(NONE, None, "no_match", normalized)


def _result(intent: str, scope: str | None, rule: str, normalized: str) -> Classification:
    return Classification(intent, scope, rule, CLASSIFIER_VERSION, normalized)


def _opt_out(revocations: list[Revocation], reading: Reading) -> Classification:
    """Return one opt-out for all revocations found: all if any is, else their one scope."""
    for found in revocations:
        if found.scope == ALL:
            return _result(OPT_OUT, ALL, found.rule, found.normalized or reading.normalized)
    if len({found.scope for found in revocations}) > 1:
        return _result(OPT_OUT, ALL, "scope_widened", reading.normalized)
    first = revocations[0]
    return _result(OPT_OUT, first.scope, first.rule, reading.normalized)


def _alone(tokens: tuple[str, ...], words: frozenset[str]) -> bool:
    """Return whether `tokens` hold one of `words`, with only filler (or more of them) around."""
    return any(t in words for t in tokens) and all(t in words or t in kw.FILLER for t in tokens)


def _opt_in(words: Marked) -> tuple[str, str | None, str] | None:
    """Read START, UNSTOP or SUBSCRIBE: alone, with filler, or with an automation's keyphrase."""
    tokens = words.tokens
    filler = kw.FILLER | kw.YES_WORDS
    i = 0
    while i < len(tokens) and tokens[i] in filler:
        i += 1
    if i == len(tokens) or tokens[i] not in kw.OPT_IN_WORDS:
        return None
    after = rest(words, i + 1, filler | kw.OPT_IN_WORDS)
    if after.filler_only:
        return OPT_IN, ALL, "keyword" if len(tokens) == 1 else "keyword_with_filler"
    if len(after.automations) == 1:  # words past the automation are ignored, never widened
        (name,) = after.automations
        return OPT_IN, name, "scoped_keyword"
    if after.automations or after.scope_like:
        return NONE, None, "scoped_start_unknown"
    return None
