"""Find what in an inbound text revokes consent, negates it, or needs a person's review.

The opt-out half of store.classifier: keywords at the start of a text or of one of its lines,
typos of STOP, revocations in words, negations and review triggers. Rule names are documented
in store.classifier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from store import keywords as kw
from store.negation import negated, stop_after
from store.normalize import Reading, squeeze
from store.phrases import AUTOMATION_WORDS, Marked, PhraseBook, mark

ALL = "all"

_T = TypeVar("_T")
Pieces = tuple[tuple[str, tuple[str, ...]], ...]  # (normalized, words) of lines or clauses


def _near_misses(word: str) -> frozenset[str]:
    """Return `word` with one letter missing or two adjacent letters swapped."""
    missing = {word[:i] + word[i + 1:] for i in range(len(word))}
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    return frozenset((missing | swapped) - {word} - kw.NOT_TYPOS)


_TYPOS = _near_misses(kw.TYPO_OF)
_KEYS = tuple(tuple(w.split()) for w in sorted(kw.OPT_OUT_WORDS, key=len, reverse=True))
OPT_OUT_TOKENS = frozenset(w for key in _KEYS for w in key if w != "all")
LEAD_FILLER = kw.FILLER | kw.OPT_OUT_EXTRA_FILLER
_SCOPE_LIKE = kw.SCOPE_WORDS | AUTOMATION_WORDS
_PHRASES = PhraseBook(kw.PHRASES)
_WHOLE_PHRASES = PhraseBook(kw.WHOLE_MESSAGE_PHRASES)
_REVIEW_PHRASES = PhraseBook(kw.REVIEW_PHRASES)
_DOUBT_CUES = PhraseBook(kw.DOUBT_CUES)


def is_typo(word: str) -> bool:
    """Return whether `word` is an obvious misspelling of an opt-out word (not the word)."""
    return word in kw.MISSPELLINGS or is_stop_typo(word)


def is_stop_typo(word: str) -> bool:
    """Return whether `word` is STOP with a letter doubled, missing, or two letters swapped."""
    if word.strip(kw.TYPO_OF) or len(word) > 20 or word in kw.NOT_TYPOS:
        return False  # a typo of STOP has only its letters
    squeezed = squeeze(word)
    return (squeezed == kw.TYPO_OF and word != kw.TYPO_OF) or squeezed in _TYPOS


class Revocation(NamedTuple):
    """One opt-out found: its scope ("all" or an automation), rule, and the text it was in."""

    scope: str
    rule: str
    normalized: str | None = None  # the line it was read from, for keyword_line


@dataclass(frozen=True)
class Rest:
    """What follows a keyword: automations named, words not understood, widening words."""

    automations: frozenset[str]
    unknown: tuple[str, ...]
    widened: bool
    # Another kind of texts named: texts in general after an automation ("STOP PRICE DROP
    # texting me"), DEALS, or a word of a keyphrase naming texts ("... and arrival alerts").
    other_kind: bool = False

    @property
    def filler_only(self) -> bool:
        return not self.automations and not self.unknown

    @property
    def scope_like(self) -> bool:
        """Return whether the first word not understood names a kind of texts ("DEALS")."""
        return bool(self.unknown) and self.unknown[0] in _SCOPE_LIKE

    @property
    def all_scope_like(self) -> bool:
        return bool(self.unknown) and all(t in _SCOPE_LIKE for t in self.unknown)

    @property
    def wider_than_one(self) -> bool:
        """Return whether more than the one automation named is asked for ("... and deals").

        Words that name no kind of texts are commentary and change nothing ("STOP PRICE DROP!!!
        I bought a new one", "stop the price drop alerts, too many").
        """
        return len(self.automations) > 1 or self.widened or self.other_kind


def rest(words: Marked, start: int, filler: frozenset[str], *, opt_out: bool = False) -> Rest:
    """Read the words from `start` on as the scope of a keyword."""
    unknown, widened, other_kind, named = [], False, False, False
    tokens = words.tokens
    for k in range(start, len(tokens)):
        token = tokens[k]
        if token in kw.WIDENING:
            widened = True
        elif token == kw.AUTOMATION:
            named = True
        elif named and token in kw.MESSAGES_IN_GENERAL:
            other_kind = True
        elif token in filler:
            continue
        elif not (opt_out and (token in OPT_OUT_TOKENS or is_typo(token))):
            unknown.append(token)  # opt-out words repeated ("STOP STOP") are filler
            other_kind = other_kind or _names_texts(tokens, k)
    return Rest(words.automations(start), tuple(unknown), widened, other_kind)


def _names_texts(tokens: tuple[str, ...], k: int) -> bool:
    """Return whether tokens[k] names a kind of texts: "deals", "arrival alerts", "new ones".

    A word of a keyphrase does only when a kind follows it, or nothing: "new" in "I bought a
    new truck" names nothing.
    """
    if tokens[k] in kw.SCOPE_WORDS:
        return True
    if tokens[k] not in AUTOMATION_WORDS:
        return False
    return k + 1 == len(tokens) or tokens[k + 1] in kw.KIND_NOUNS


def _key_at(tokens: tuple[str, ...], i: int) -> int:
    """Return how many words the opt-out word at tokens[i] spans (0: none there)."""
    for key in _KEYS:
        if tokens[i:i + len(key)] == key:
            return len(key)
    return 0


def lead(words: Marked, *, whole: bool) -> Revocation | None:
    """Read a text (`whole`) or one line of it that is an opt-out word, maybe after filler."""
    tokens = words.tokens
    i = 0
    while i < len(tokens) and tokens[i] in LEAD_FILLER:
        i += 1
    if i == len(tokens):
        return None
    size = _key_at(tokens, i)
    if not size:
        if is_typo(tokens[i]) and rest(words, i + 1, LEAD_FILLER, opt_out=True).filler_only:
            return Revocation(ALL, "typo")
        return None
    after = rest(words, i + size, LEAD_FILLER, opt_out=True)
    if after.filler_only:
        if not whole:
            return Revocation(ALL, "keyword_line")
        plain = i == 0 and i + size == len(tokens)
        return Revocation(ALL, "keyword" if plain else "keyword_with_filler")
    if after.automations:
        # Another scope past one automation widens it; STOP ALL names all itself.
        key = " ".join(tokens[i:i + size])
        if not (after.wider_than_one or key in kw.MEANS_ALL):
            (name,) = after.automations
            return Revocation(name, "scoped_keyword")
        return Revocation(ALL, "scope_widened")
    starts_with_stop = i == 0 and tokens[0] in kw.STARTS_WITH_STOP
    if after.all_scope_like or (starts_with_stop and after.scope_like):
        return Revocation(ALL, "scope_widened")  # "STOP DEALS", "cancel promotions"
    if whole and starts_with_stop:
        return Revocation(ALL, "starts_with_stop")
    return None


def _in_words(automations: frozenset[str], widened: bool) -> Revocation:
    """Return the scope of a revocation in words that names `automations`."""
    if not automations:
        return Revocation(ALL, "natural_language")
    if len(automations) > 1 or widened:
        return Revocation(ALL, "scope_widened")
    (name,) = automations
    return Revocation(name, "scoped_natural_language")


class Scan:
    """Revocations, negations and review triggers in the lines and clauses of a text."""

    def __init__(self, reading: Reading, whole: Marked):
        self.revocations: list[Revocation] = []
        self.negated = False
        self.review = False
        if len(reading.segments) > 1:
            self._lines(reading.segments, _may_lead)
        if _WHOLE_PHRASES.whole(whole.tokens, LEAD_FILLER):
            self.revocations.append(_in_words(whole.automations(), widened=False))
        for clause in _unique(reading.clauses):  # a repeated clause reads the same
            self._clause(mark(clause))
        if len(reading.parts) > 1:  # "I bought a car, STOP", "Not interested - stop"
            self._lines(reading.parts, _may_lead_clause)
        if not (self.revocations or self.review or self.negated):
            self.review = _doubtful(whole.tokens)

    def _lines(self, pieces: Pieces, may_lead: Callable[[tuple[str, ...]], bool]) -> None:
        """Add each piece that is an opt-out word, maybe with filler (keyword_line)."""
        for normalized, piece in _unique(pieces):
            found = lead(mark(piece), whole=False) if may_lead(piece) else None
            if found:
                self.revocations.append(found._replace(normalized=normalized))

    def _clause(self, words: Marked) -> None:
        tokens = words.tokens
        negated_at: set[int] = set()
        last_widening = max((i for i, t in enumerate(tokens) if t in kw.WIDENING), default=-1)
        for match in _PHRASES.find(tokens, LEAD_FILLER):
            if match.phrase.negative:
                stop_at = stop_after(tokens, match.end)
                if stop_at is not None:  # "I don't want the texts to stop"
                    negated_at.add(stop_at)
                    self.negated = True
                    continue
            elif negated(tokens, match.start):  # "no me den de baja": its BAJA is negated too
                negated_at.update(range(match.start, match.end))
                self.negated = True
                continue
            if not kw.OTHER_LISTS.isdisjoint(tokens[match.start:match.end]):
                self.review = True  # "take me off the waiting list"
                continue
            # The automations named after the revocation are what it revokes.
            automations = words.automations(match.start)
            self.revocations.append(_in_words(automations, last_widening >= match.start))
        for i, token in enumerate(tokens):
            if token in OPT_OUT_TOKENS or token in kw.REVIEW_WORDS or is_typo(token):
                if i in negated_at or negated(tokens, i):
                    self.negated = True
                else:
                    self.review = True
        if not self.review:
            self.review = next(_REVIEW_PHRASES.find(tokens, kw.FILLER), None) is not None


def _unique(items: Iterable[_T]) -> Iterator[_T]:
    seen: set[_T] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def _first_word(tokens: tuple[str, ...]) -> str:
    return next((token for token in tokens if token not in LEAD_FILLER), "")


def _may_lead(tokens: tuple[str, ...]) -> bool:
    """Return whether the first word past filler could start an opt-out (a cheap check)."""
    first = _first_word(tokens)
    return first in OPT_OUT_TOKENS or is_typo(first)


def _may_lead_clause(tokens: tuple[str, ...]) -> bool:
    """Return whether the first word past filler is one that opts out even after a comma."""
    first = _first_word(tokens)
    return first in kw.CLAUSE_KEYWORDS or is_stop_typo(first)


def _doubtful(tokens: tuple[str, ...]) -> bool:
    """Return whether a text pairs a doubt about texts with texts or a number (review)."""
    if kw.DOUBT_NOUNS.isdisjoint(tokens):
        return False
    return next(_DOUBT_CUES.find(tokens, ()), None) is not None
