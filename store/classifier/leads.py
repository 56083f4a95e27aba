"""An opt-out word leading a text or one of its pieces ("STOP", "Thanks\\nBAJA", "pls stop
sending those"): the request it makes, with its scope. Part of stage 3 (requests.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from store.classifier import lexicon as kw
from store.classifier.phrasebook import Marked, mark
from store.classifier.scope import (
    ALL,
    OPT_OUT_TOKENS,
    OTHER,
    THING,
    about,
    pointed_back,
    region_end,
    rest,
)
from store.classifier.spelling import is_stop_typo, is_typo

_DETERMINERS = frozenset({"the", "my", "your", "this", "our", "that", "his", "her", "their"})
# the opt-out words by their first word, longest first ("stop all" before "stop")
_KEYS: dict[str, list[tuple[str, ...]]] = {}
for _key in sorted((tuple(w.split()) for w in kw.OPT_OUT_WORDS), key=len, reverse=True):
    _KEYS.setdefault(_key[0], []).append(_key)
LEAD_FILLER = kw.FILLER | kw.OPT_OUT_EXTRA_FILLER


@dataclass  # not frozen: made per request, and a frozen __init__ is slow
class Request:
    """One opt-out found: its scope ("all" or an automation), rule, and deciding words."""

    scope: str
    rule: str
    span: tuple[int, int]  # the text's words [start, end) that decided it
    normalized: str | None = None  # the piece it was read from, for keyword_line


@dataclass  # not frozen: made per piece read (see Request)
class Words:
    """A piece's words, intensifiers dropped and keyphrases marked, mapped back to the text."""

    marked: Marked
    index: Sequence[int]  # the text's word index of each word kept

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.marked.tokens

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the text's word range that marked words [start, end) stand for."""
        a, b = self.marked.words_of(start, max(end, start + 1))
        return self.index[a], self.index[b - 1] + 1


def words_of(piece_words: tuple[str, ...], first: int) -> Words:
    """Return a piece's words ready to match: "leave me the hell alone" is "leave me alone"."""
    if kw.INTENSIFIERS.isdisjoint(piece_words) and kw.INTENSIFIER_NOUNS.isdisjoint(piece_words):
        return Words(mark(piece_words), range(first, first + len(piece_words)))
    n = len(piece_words)
    # "the hell" is dropped whole; "hell" or "f" without "the" is a word like any other
    the_noun = {j for i, w in enumerate(piece_words) if w == "the" and i + 1 < n
                and piece_words[i + 1] in kw.INTENSIFIER_NOUNS for j in (i, i + 1)}
    kept = [i for i, w in enumerate(piece_words) if w not in kw.INTENSIFIERS and i not in the_noun]
    marked = mark(tuple(piece_words[i] for i in kept))
    return Words(marked, tuple(first + i for i in kept))


def lead(words: Words, *, whole: bool, until: int | None = None,
         earlier: frozenset[str] = frozenset()) -> Request | None:
    """Read a text (`whole`) or one piece of it that is an opt-out word, maybe after filler.

    `until` ends the scope early: the first later clause that affirms other texts. `earlier`
    are the automations named before this piece, which a pronoun may point back to.
    """
    tokens = words.tokens
    i = 0
    while i < len(tokens) and tokens[i] in LEAD_FILLER:
        i += 1
    if i == len(tokens):
        return None
    size = _key_at(tokens, i)
    end = min(region_end(tokens, i), len(tokens) if until is None else until)
    if not size:
        typo = is_typo(tokens[i]) and about(tokens, i + 1, after_stop=True) != OTHER
        if typo and rest(words.marked, i + 1, LEAD_FILLER, opt_out=True, end=end).filler_only:
            return Request(ALL, "typo", words.span(i, i + 1))
        return None
    span = words.span(i, i + size)
    after = rest(words.marked, i + size, LEAD_FILLER, opt_out=True, end=end)
    back = pointed_back(words.marked, i + size, end, earlier)
    elliptical = (not whole and len(earlier) == 1 and after.filler_only
                  and not kw.ELLIPTICAL_AFTER_STOP.isdisjoint(tokens[i + size:end])
                  and kw.MESSAGES_IN_GENERAL.isdisjoint(tokens[i + size:end]))
    if elliptical:  # "price drop alerts?? i dont need those, pls stop sending"
        (back,) = earlier
    if back and not after.automations:
        return Request(back, "scoped_keyword", words.span(i, end))  # "Stop sending those"
    if after.filler_only:
        if not whole:
            return Request(ALL, "keyword_line", span)
        plain = i == 0 and i + size == len(tokens)
        return Request(ALL, "keyword" if plain else "keyword_with_filler", span)
    if after.automations:
        # Another scope past one automation widens it; STOP ALL names all itself.
        key = " ".join(tokens[i:i + size])
        if not (after.wider_than_one or key in kw.MEANS_ALL):
            (name,) = after.automations
            return Request(name, "scoped_keyword", words.span(i, end))
        return Request(ALL, "keyword_widened", words.span(i, end))
    object_ = about(tokens, i + size, after_stop=True)
    if object_ == OTHER or (object_ == THING and tokens[i + size] in _DETERMINERS):
        return None  # "STOP by anytime", "stop the body work on the bumper": review
    starts_with_stop = i == 0 and tokens[0] in kw.STARTS_WITH_STOP
    if after.all_scope_like or (starts_with_stop and after.scope_like):
        return Request(ALL, "keyword_widened", span)  # "STOP DEALS", "cancel promotions"
    if whole and starts_with_stop:
        return Request(ALL, "starts_with_stop", span)
    return None


def _key_at(tokens: tuple[str, ...], i: int) -> int:
    """Return how many words the opt-out word at tokens[i] spans (0: none there)."""
    for key in _KEYS.get(tokens[i], ()):
        if tokens[i:i + len(key)] == key:
            return len(key)
    return 0


def _first_word(tokens: tuple[str, ...]) -> str:
    return next((token for token in tokens if token not in LEAD_FILLER), "")


def may_lead(tokens: tuple[str, ...]) -> bool:
    """Return whether the first word past filler could start an opt-out (a cheap check)."""
    first = _first_word(tokens)
    return first in OPT_OUT_TOKENS or is_typo(first)


def may_lead_clause(tokens: tuple[str, ...]) -> bool:
    """Return whether the first word past filler is one that opts out even after a comma."""
    first = _first_word(tokens)
    return first in kw.CLAUSE_KEYWORDS or is_stop_typo(first)
