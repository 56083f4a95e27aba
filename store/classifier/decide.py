"""Stage 5: one answer for the whole text, from the requests found in it (SPEC section 4).

An opt-out wins over everything but a clear negation of stopping, and several opt-outs add up
(any "all" wins; two automations widen to "all"). Opt-in, HELP and YES are read from the whole
text only. Where a request may not concern texting, the answer is review, never an opt-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from store.classifier import lexicon as kw
from store.classifier.clauses import Reading, read
from store.classifier.leads import Request, Words, lead, words_of
from store.classifier.requests import Findings, find, later_affirmation
from store.classifier.scope import ALL, rest
from store.vocabulary import HELP, NONE, OPT_IN, OPT_OUT, REVIEW

# Bump with every change to how texts are read: a rule here or in another stage, or a list in
# lexicon.py or patterns.py (tests/store/classifier/test_data.py keeps their fingerprints).
VERSION = "2026.11.3"

# Rules of requests read from an opt-out word, a STOP typo or STOP <keyphrase>: never misread.
KEYWORD_RULES = frozenset({"keyword", "keyword_with_filler", "starts_with_stop", "keyword_line",
                           "typo", "scoped_keyword", "keyword_widened"})


@dataclass(frozen=True)
class Classification:
    """What one inbound text asks for, which rule of which version said so, and where."""

    intent: str  # opt_out | opt_in | help | review | none
    scope: str | None  # "all" or an automation name for opt_out/opt_in, else None
    rule: str
    version: str
    normalized: str  # the normalized text read; for an opt-out read from one line, that line
    spans: tuple[tuple[int, int], ...] = ()  # [start, end) of the deciding words in the text


# Answers kept for the texts read most recently. classify() is a pure function of the text
# (and of VERSION, fixed for a process), and a campaign's reply storm is mostly the same few
# short texts ("Yes", "STOP", "Thanks!", "How much?"), each ~25-60 µs to read again. Bounded
# in count and length (a kept text is at most one SMS segment): ~3 MB a process, ~6 MB if
# every text is 160 emoji.
MEMO_SIZE = 4096
MEMO_LENGTH = 160


def classify(text: str, *, yes_is_opt_in: bool = False) -> Classification:
    """Return what an inbound text asks for; never raises."""
    text = text or ""
    if len(text) <= MEMO_LENGTH:
        return _remembered(text, yes_is_opt_in)
    return _classify(text, yes_is_opt_in)


@lru_cache(maxsize=MEMO_SIZE)  # thread-safe; its entries are frozen, so shared safely
def _remembered(text: str, yes_is_opt_in: bool) -> Classification:
    return _classify(text, yes_is_opt_in)


def _classify(text: str, yes_is_opt_in: bool) -> Classification:
    reading = read(text)
    if not reading.words:
        return _result(reading, NONE, None, "empty")
    whole = words_of(reading.words, 0)
    found = lead(whole, whole=True, until=_marked_at(whole, later_affirmation(reading)))
    if found:
        return _result(reading, OPT_OUT, found.scope, found.rule, [found.span])
    findings = find(reading, whole)
    if findings.requests:
        return _opt_out(reading, findings)
    if findings.reviews:
        return _result(reading, REVIEW, None, "review", findings.reviews)
    if findings.negated:
        return _result(reading, NONE, None, "negation")
    tokens = whole.tokens
    if _alone(tokens, kw.HELP_WORDS):
        return _result(reading, HELP, None, "help", [(0, len(reading.words))])
    opt_in = _opt_in(whole)
    if opt_in:
        return _result(reading, *opt_in, [(0, len(reading.words))])
    if _alone(tokens, kw.YES_WORDS):
        if yes_is_opt_in:
            return _result(reading, OPT_IN, ALL, "yes_in_context", [(0, len(reading.words))])
        return _result(reading, NONE, None, "yes_without_context")
    return _result(reading, NONE, None, "no_match")


def _result(reading: Reading, intent: str, scope: str | None, rule: str,
            spans: list[tuple[int, int]] = (), normalized: str | None = None) -> Classification:
    tokens = reading.tokens
    chars = sorted({(tokens.start[a], tokens.end[b - 1]) for a, b in spans if b > a})
    return Classification(intent, scope, rule, VERSION, normalized or reading.normalized,
                          tuple(_merge(chars)))


def _merge(chars: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in chars:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _opt_out(reading: Reading, findings: Findings) -> Classification:
    """Return one opt-out for all requests found: all if any is, else their one scope."""
    requests = findings.requests
    spans = [r.span for r in requests]
    for request in requests:
        if request.scope == ALL:
            return _result(reading, OPT_OUT, ALL, request.rule, spans, request.normalized)
    if len({request.scope for request in requests}) > 1:
        keyword = any(r.rule in KEYWORD_RULES for r in requests)
        rule = "keyword_widened" if keyword else "natural_language_widened"
        return _result(reading, OPT_OUT, ALL, rule, spans)
    first: Request = requests[0]
    return _result(reading, OPT_OUT, first.scope, first.rule, spans)


def _marked_at(words: Words, index: int | None) -> int | None:
    """Return the marked position of the text's word `index` (None stays None)."""
    if index is None:
        return None
    for k, (a, _) in enumerate(words.marked.spans):
        if words.index[a] >= index:
            return k
    return None


def _alone(tokens: tuple[str, ...], words: frozenset[str]) -> bool:
    """Return whether `tokens` hold one of `words`, with only filler (or more of them) around."""
    return any(t in words for t in tokens) and all(t in words or t in kw.FILLER for t in tokens)


def _opt_in(words: Words) -> tuple[str, str | None, str] | None:
    """Read START, UNSTOP or SUBSCRIBE: alone, with filler, or with an automation's keyphrase."""
    tokens = words.tokens
    filler = kw.FILLER | kw.YES_WORDS
    i = 0
    while i < len(tokens) and tokens[i] in filler:
        i += 1
    if i == len(tokens) or tokens[i] not in kw.OPT_IN_WORDS:
        return None
    after = rest(words.marked, i + 1, filler | kw.OPT_IN_WORDS, end=len(tokens))
    if after.filler_only:
        return OPT_IN, ALL, "keyword" if len(tokens) == 1 else "keyword_with_filler"
    if len(after.automations) == 1:  # words past the automation are ignored, never widened
        (name,) = after.automations
        return OPT_IN, name, "scoped_keyword"
    if after.automations or after.scope_like:
        return NONE, None, "scoped_start_unknown"
    return None

