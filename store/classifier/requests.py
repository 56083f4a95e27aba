"""Stage 3: the requests in a text. A request is an opt-out word at the start of the text or of
one of its pieces ("STOP", "Thanks\\nBAJA"), or a revocation in words in a clause ("would you
mind taking me off your list"), with its negation ("don't stop sending deals") and the words
that only a person should judge (review). Each request's scope is resolved by scope.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from store.classifier import lexicon as kw
from store.classifier import patterns
from store.classifier.clauses import Piece, Reading
from store.classifier.leads import (
    LEAD_FILLER,
    Request,
    Words,
    lead,
    may_lead,
    may_lead_clause,
    words_of,
)
from store.classifier.negation import negated, stop_after
from store.classifier.phrasebook import Match, PhraseBook
from store.classifier.scope import (
    ALL,
    OPT_OUT_TOKENS,
    OTHER,
    TEXTING,
    TEXTS,
    THING,
    about,
    affirms,
    pointed_back,
    region_end,
    rest,
)
from store.classifier.spelling import is_typo

_T = TypeVar("_T")
_WATCHED = OPT_OUT_TOKENS | kw.REVIEW_WORDS  # with the typos: words worth a person's look
_PHRASES = PhraseBook(patterns.PHRASES)
_WHOLE_PHRASES = PhraseBook(patterns.WHOLE_MESSAGE_PHRASES)
_REVIEW_PHRASES = PhraseBook(patterns.REVIEW_PHRASES)
_DOUBT_CUES = PhraseBook(patterns.DOUBT_CUES)


@dataclass
class Findings:
    """Everything stage 3 found in a text."""

    requests: list[Request] = field(default_factory=list)
    reviews: list[tuple[int, int]] = field(default_factory=list)  # words a person should see
    negated: bool = False


def find(reading: Reading, whole: Words | None = None) -> Findings:
    """Return the requests, reviews and negations in a text (`whole`: its words, if made)."""
    found = Findings()
    whole = whole or words_of(reading.words, 0)
    # where the text names an automation (its name) or texts in general (None): what a later
    # pronoun or ellipsis may point back to
    named = [] if TEXTING.isdisjoint(whole.tokens) else [
        (whole.index[whole.marked.spans[k][0]], n)
        for k, n in enumerate(whole.marked.names) if n or whole.tokens[k] in TEXTING]
    words = set(reading.words)
    typo = any(is_typo(w) for w in words if w in kw.MISSPELLINGS or not w.strip(kw.TYPO_OF))
    if (typo or not OPT_OUT_TOKENS.isdisjoint(words)) and len(reading.sentences) > 1:
        _lines(found, reading.sentences, may_lead, named)
    match = _WHOLE_PHRASES.whole(whole.tokens, LEAD_FILLER)
    request = _in_words(whole, match, named) if match else None
    if request:
        found.requests.append(request)
    for clause in _unique(reading.clauses):  # a repeated clause reads the same
        _clause(found, words_of(clause.words, clause.first), named)
    if (typo or not kw.CLAUSE_KEYWORDS.isdisjoint(words)) and len(reading.parts) > 1:
        _lines(found, reading.parts, may_lead_clause, named)  # "I bought a car, STOP"
    if not (found.requests or found.reviews or found.negated) and _doubtful(whole.tokens):
        found.reviews.append((0, len(reading.words)))
    return found


def _in_words(words: Words, match: Match, named: list[tuple[int, str | None]]) -> Request | None:
    """Return a revocation in words, with its scope; None when it points back to nothing."""
    tokens, start, end = words.tokens, match.start, match.end
    region = region_end(tokens, start)
    after = rest(words.marked, start, kw.FILLER, end=region)
    span = words.span(start, end)
    if after.automations:
        if len(after.automations) > 1 or after.widened:
            return Request(ALL, "natural_language_widened", words.span(start, region))
        (name,) = after.automations
        return Request(name, "scoped_natural_language", words.span(start, region))
    earlier = frozenset(n for at, n in named if n and at < span[0])
    back = pointed_back(words.marked, start, min(end + 3, region), earlier)
    if not back and len(earlier) == 1 and _elliptical(match, tokens[start:region]):
        (back,) = earlier  # "those price drop texts? no more please", "... pls stop sending"
    if back:
        return Request(back, "scoped_natural_language", words.span(start, min(end + 3, region)))
    if match.phrase.text in patterns.NEEDS_ANTECEDENT and not _texts_before(named, span):
        return None  # "cancel it": cancel what? a person reads it
    return Request(ALL, "natural_language", span)


def _elliptical(match: Match, region: tuple[str, ...]) -> bool:
    """Return whether a request names nothing of its own and so means what came before."""
    if match.phrase.text in patterns.ELLIPTICAL:
        return True
    return (not kw.ELLIPTICAL_AFTER_STOP.isdisjoint(region)
            and TEXTING.isdisjoint(region) and kw.MESSAGES_IN_GENERAL.isdisjoint(region))


def _texts_before(named: list[tuple[int, str | None]], span: tuple[int, int]) -> bool:
    """Return whether texts or an automation were named before `span` in the text."""
    return any(at < span[0] for at, _ in named)


def _lines(found: Findings, pieces: tuple[Piece, ...], may_lead,
           named: list[tuple[int, str | None]]) -> None:
    """Add each piece that is an opt-out word, maybe with filler (keyword_line)."""
    for piece in _unique(pieces):
        if may_lead(piece.words):
            earlier = frozenset(n for at, n in named if n and at < piece.first)
            request = lead(words_of(piece.words, piece.first), whole=False, earlier=earlier)
            if request:
                found.requests.append(Request(request.scope, request.rule, request.span,
                                              piece.normalized))


def _clause(found: Findings, words: Words, named: list[tuple[int, str | None]]) -> None:
    tokens = words.tokens
    negated_at: set[int] = set()
    for match in _PHRASES.find(tokens, LEAD_FILLER):
        if match.phrase.negative:
            stop_at = stop_after(tokens, match.end)
            if stop_at is not None:  # "I don't want the texts to stop"
                negated_at.add(stop_at)
                found.negated = True
                continue
        elif negated(tokens, match.start):  # "no me den de baja": its BAJA is negated too
            negated_at.update(range(match.start, match.end))
            found.negated = True
            continue
        matched = tokens[match.start:match.end]
        if (not kw.OTHER_LISTS.isdisjoint(matched) or not kw.OTHER_CHANNELS.isdisjoint(matched)
                or _about_something_else(tokens, match.end, matched)):
            # a phrase naming texts is about them whatever follows ("no more texts about my
            # warranty"); one naming none is read with its object ("stop sending me the deed")
            found.reviews.append(words.span(match.start, match.end))  # "the waiting list"
            continue
        request = _in_words(words, match, named)
        if request is None:
            found.reviews.append(words.span(match.start, match.end))
        else:
            found.requests.append(request)
    watched = [i for i, t in enumerate(tokens) if t in _WATCHED or (t in kw.MISSPELLINGS or (
        not t.strip(kw.TYPO_OF) and is_typo(t)))]
    for i in watched:
        token = tokens[i]
        if i in negated_at or negated(tokens, i):
            found.negated = True
        elif (token in OPT_OUT_TOKENS or is_typo(token)
              or about(tokens, i + 1) in (None, TEXTS)):
            # an opt-out word is always worth a look; "remove the paint protection" is not
            found.reviews.append(words.span(i, i + 1))
    review = next(_REVIEW_PHRASES.find(tokens, kw.FILLER), None)
    if review is not None and not (TEXTING.isdisjoint(tokens[review.start:review.end])
                                   and about(tokens, review.end) == OTHER):
        found.reviews.append(words.span(review.start, review.end))


def _about_something_else(tokens: tuple[str, ...], end: int, matched: tuple[str, ...]) -> bool:
    """Return whether a revocation in words is about something that is not texting.

    A phrase naming texts is about them whatever follows ("no more texts about my warranty");
    one naming none is read with its object ("stop sending me the deed"), and an opt-out OF
    something unknown is no revocation ("can I opt out of the dealer-installed LoJack").
    """
    if not TEXTING.isdisjoint(matched):
        return False
    object_ = about(tokens, end)
    if object_ == OTHER:
        return True
    explicit = end < len(tokens) and tokens[end] in ("of", "from")
    return object_ == THING and explicit and matched[-1] in ("optout", "unsubscribe")


def later_affirmation(reading: Reading) -> int | None:
    """Return the first word of the first clause after the first that affirms other texts
    ("stop new arrivals, the other texts are fine")."""
    for clause in reading.clauses[1:]:
        if affirms(clause.words):
            return clause.first
    return None


def _unique(items: Iterable[_T]) -> Iterator[_T]:
    seen: set = set()
    for item in items:
        key = item.words if isinstance(item, Piece) else item
        if key not in seen:
            seen.add(key)
            yield item


def _doubtful(tokens: tuple[str, ...]) -> bool:
    """Return whether a text pairs a doubt about texts with texts or a number (review)."""
    if kw.DOUBT_NOUNS.isdisjoint(tokens):
        return False
    return next(_DOUBT_CUES.find(tokens, ()), None) is not None
