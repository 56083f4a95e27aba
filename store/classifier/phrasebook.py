"""The matcher the requests stage uses: word patterns (syntax in patterns.py) and the
registered automations' keyphrases, found in the words of a piece of text.

Matching walks each pattern forward from the words that can start it, so it is linear in the
number of words (no regular expressions).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from store.automations import AUTOMATIONS
from store.classifier.lexicon import AUTOMATION, NAMING_NOUNS, NEGATIONS, SLOTS
from store.classifier.normalize import fold, normalize, tokenize


def words(text: str) -> tuple[str, ...]:
    """Return the words of `text` as the classifier reads them."""
    return tokenize(fold(text)).words


@dataclass(frozen=True)
class _Element:
    choices: frozenset[str]
    optional: bool
    gap: int = 0  # "*N": up to N words of any kind, `choices` unused


@dataclass(frozen=True)
class Phrase:
    """One compiled pattern."""

    text: str
    elements: tuple[_Element, ...]
    at_end: bool
    # the word sets of the elements every match has (not optional, not a gap)
    required: tuple[frozenset[str], ...] = ()

    @property
    def negative(self) -> bool:
        """Return whether the pattern is itself a negation ("dont text me")."""
        return bool(self.elements[0].choices & NEGATIONS)


@dataclass  # not frozen: made for every match, and a frozen __init__ is slow
class Match:
    """Where a phrase matched: words[start:end]."""

    phrase: Phrase
    start: int
    end: int


def _word(text: str) -> str:
    found = words(text)
    return found[0] if len(found) == 1 else text


def _compile(text: str) -> Phrase:
    parts = text.split()
    at_end = parts[-1] == "$"
    if at_end:
        parts.pop()
    elements = []
    for part in parts:
        if part.startswith("*"):
            if all(e.optional for e in elements):
                raise ValueError(f"pattern {text!r} may start with a gap")
            elements.append(_Element(frozenset(), optional=True, gap=int(part[1:])))
            continue
        optional = part.endswith("?")
        choices: set[str] = set()
        for choice in part.rstrip("?").split("|"):
            if choice.startswith("{"):
                choices.update(SLOTS[choice.strip("{}")])
            else:
                choices.add(_word(choice))
        elements.append(_Element(frozenset(choices), optional))
    if all(e.optional for e in elements):
        raise ValueError(f"pattern {text!r} may match nothing")
    required = tuple(e.choices for e in elements if not e.optional and not e.gap)
    return Phrase(text, tuple(elements), at_end, required)


def _openings(elements: tuple[_Element, ...]) -> Iterator[tuple[str, ...]]:
    """Yield the first two words a pattern can start with, or one if it can end there."""
    for k, element in enumerate(elements):
        seconds: set[str] = set()
        can_end = True
        for later in elements[k + 1:]:
            if later.gap:  # any word may come second: index under the first word alone
                seconds, can_end = set(), True
                break
            seconds |= later.choices
            if not later.optional:
                can_end = False
                break
        for first in element.choices:
            if can_end:
                yield (first,)
            for second in seconds:
                yield (first, second)
        if not element.optional:
            break


class PhraseBook:
    """A set of patterns, indexed by the one or two words that can start them."""

    def __init__(self, patterns: Collection[str]):
        # A phrase that can be one word long sits under its word and every pair starting with it.
        self._single: dict[tuple[str, ...], list[Phrase]] = {}
        self._pair: dict[tuple[str, ...], list[Phrase]] = {}
        for phrase in map(_compile, patterns):
            for opening in set(_openings(phrase.elements)):
                index = self._single if len(opening) == 1 else self._pair
                index.setdefault(opening, []).append(phrase)
        for (first, _), phrases in self._pair.items():
            phrases.extend(p for p in self._single.get((first,), ()) if p not in phrases)
        self._firsts = frozenset(k[0] for k in self._pair) | frozenset(k[0] for k in self._single)

    def _starting(self, tokens: tuple[str, ...], i: int) -> list[Phrase]:
        if i + 1 < len(tokens):
            found = self._pair.get(tokens[i:i + 2])
            if found is not None:
                return found
        return self._single.get(tokens[i:i + 1], [])

    def find(self, tokens: tuple[str, ...], filler: Collection[str]) -> Iterator[Match]:
        """Yield each match in `tokens`, left to right."""
        firsts = self._firsts
        if firsts.isdisjoint(tokens):
            return
        tail = _filler_tail(tokens, filler)
        present = frozenset(tokens)
        for start, token in enumerate(tokens):
            if token not in firsts:
                continue
            for phrase in self._starting(tokens, start):
                # a word every match needs is missing from the clause: no need to walk it
                if any(words.isdisjoint(present) for words in phrase.required):
                    continue
                end = _match_at(phrase, tokens, start, tail)
                if end is not None:
                    yield Match(phrase, start, end)

    def whole(self, tokens: tuple[str, ...], filler: Collection[str]) -> Match | None:
        """Return a match that only filler surrounds, if any."""
        tail = _filler_tail(tokens, filler)
        for start, token in enumerate(tokens):
            for phrase in self._starting(tokens, start):
                end = _match_at(phrase, tokens, start, tail)
                if end is not None and end >= tail:
                    return Match(phrase, start, end)
            if token not in filler:
                break
        return None


def _filler_tail(tokens: tuple[str, ...], filler: Collection[str]) -> int:
    """Return where the run of filler that ends `tokens` begins."""
    tail = len(tokens)
    while tail > 0 and tokens[tail - 1] in filler:
        tail -= 1
    return tail


def _match_at(phrase: Phrase, tokens: tuple[str, ...], start: int, tail: int) -> int | None:
    n = len(tokens)
    elements = phrase.elements
    # one position at a time while the match is unambiguous, the common case and the cheap one
    at, k = start, 0
    while k < len(elements):
        element = elements[k]
        if element.gap or element.optional:
            break
        if at >= n or tokens[at] not in element.choices:
            return None
        at, k = at + 1, k + 1
    ends = [at]
    for element in elements[k:]:
        if element.gap:
            ends = list({e + k for e in ends for k in range(element.gap + 1) if e + k <= n})
            continue
        choices = element.choices
        reached = [e + 1 for e in ends if e < n and tokens[e] in choices]
        if element.optional:
            reached = list(set(reached).union(ends))
        elif not reached:
            return None
        ends = reached
    if phrase.at_end:
        ends = [e for e in ends if e >= tail]
    return max(ends) if ends else None


@dataclass  # not frozen: made for every piece read (see Match)
class Marked:
    """Words with each automation keyphrase folded into one AUTOMATION word."""

    tokens: tuple[str, ...]
    names: tuple[str | None, ...]  # the automation each AUTOMATION word stands for
    spans: Sequence[tuple[int, int]]  # the words of the piece each marked word stands for

    def words_of(self, start: int, end: int) -> tuple[int, int]:
        """Return the piece's word range that marked words [start, end) stand for."""
        return self.spans[start][0], self.spans[end - 1][1]


def _variants(phrase: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Yield a keyphrase as written, written as one word, and in the other number."""
    last = phrase[-1]
    other = last[:-1] if last.endswith("s") and len(last) > 3 else last + "s"
    for form in (phrase, (*phrase[:-1], other)):
        yield form
        yield ("".join(form),)


def automation_phrases() -> dict[tuple[str, ...], str]:
    """Return every way to write each registered automation, as words, to its name."""
    table: dict[tuple[str, ...], str] = {}
    for automation in AUTOMATIONS.values():
        for phrase in automation.phrases:
            for form in _variants(words(normalize(phrase))):
                table.setdefault(form, automation.name)
    return table


_PHRASES = automation_phrases()
_LONGEST = max(len(p) for p in _PHRASES)
AUTOMATION_WORDS = frozenset(w for phrase in _PHRASES for w in phrase)
_FIRST_WORDS = frozenset(phrase[0] for phrase in _PHRASES)


@lru_cache(maxsize=512)
def _identity(n: int) -> tuple[tuple[int, int], ...]:
    """Return the spans of n words none of which was folded into another."""
    return tuple((i, i + 1) for i in range(n))


def mark(tokens: tuple[str, ...]) -> Marked:
    """Return `tokens` with automation keyphrases (and "alerts" etc. after them) marked."""
    if _FIRST_WORDS.isdisjoint(tokens):
        return Marked(tokens, (None,) * len(tokens), _identity(len(tokens)))
    out: list[str] = []
    names: list[str | None] = []
    spans: list[tuple[int, int]] = []
    i, n = 0, len(tokens)
    while i < n:
        for length in range(min(_LONGEST, n - i), 0, -1):
            name = _PHRASES.get(tokens[i:i + length])
            if name:
                start = i
                out.append(AUTOMATION)
                names.append(name)
                i += length
                while i < n and tokens[i] in NAMING_NOUNS:
                    i += 1
                spans.append((start, i))
                break
        else:
            out.append(tokens[i])
            names.append(None)
            spans.append((i, i + 1))
            i += 1
    return Marked(tuple(out), tuple(names), tuple(spans))
