"""Stage 2: cut a text into sentences, clauses and parts, so each request is read in its own
piece: a line that is a keyword counts on its own, and negation never reaches across a comma.

  sentence  ends at . ! ? ; or a line break
  clause    also ends at : and ,
  part      also ends at parentheses and dashes that join no two words ("a car - STOP",
            not "F-150"): where a bare STOP after other words is sought
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import NamedTuple

from store.classifier.normalize import Tokens, fold, squash, tokenize

# One scan for runs of punctuation (a single character class is the fast kind of regex), each
# run then cutting a sentence (0), a clause (1) or a part (2).
_RUN = re.compile(r"[.!?;\n:,()\[\]{}\u2010-\u2015-]+")
_SENTENCE_ENDS = frozenset(".!?;\n")
_CLAUSE_ENDS = frozenset(":,")
_HYPHENS = frozenset("-\u2010\u2011\u2012")


def _cuts(folded: str) -> list[tuple[int, int, int]]:
    """Return (start, end, level) of each run of punctuation that cuts the text."""
    cuts = []
    for m in _RUN.finditer(folded):
        run = m.group()
        if not _SENTENCE_ENDS.isdisjoint(run):
            cuts.append((m.start(), m.end(), 0))
        elif not _CLAUSE_ENDS.isdisjoint(run):
            cuts.append((m.start(), m.end(), 1))
        elif set(run) <= _HYPHENS and _joins(folded, m.start(), m.end()):
            continue  # "F-150", "e-mail": a hyphen between two words cuts nothing
        else:
            cuts.append((m.start(), m.end(), 2))
    return cuts


def _joins(folded: str, start: int, end: int) -> bool:
    return (start > 0 and end < len(folded) and folded[start - 1].isalnum()
            and folded[end].isalnum())


class Piece(NamedTuple):
    """A run of the text's words: tokens[first:first + len(words)] of the whole text."""

    first: int
    words: tuple[str, ...]
    folded: str
    bounds: tuple[int, int]  # where the piece is in the folded text

    @property
    def normalized(self) -> str:
        """Return the piece's text, normalized (what a keyword_line was read from)."""
        return squash(self.folded[self.bounds[0]:self.bounds[1]])


class Reading:
    """A text as read: normalized, its words, and its sentences, clauses and parts (each cut
    when first asked for: most texts never need their sentences or parts)."""

    def __init__(self, text: str):
        folded = fold(text)
        self.tokens = tokenize(folded)
        self.words = self.tokens.words
        self._folded = folded.text
        self._cuts = _cuts(folded.text)
        self._normalized: str | None = None
        self._cut: list[tuple[Piece, ...] | None] = [None, None, None]

    # Plain lazy attributes: functools.cached_property takes a lock on every read in 3.11.
    @property
    def normalized(self) -> str:
        if self._normalized is None:
            self._normalized = squash(self._folded)
        return self._normalized

    @property
    def sentences(self) -> tuple[Piece, ...]:
        return self._pieces(0)

    @property
    def clauses(self) -> tuple[Piece, ...]:
        return self._pieces(1)

    @property
    def parts(self) -> tuple[Piece, ...]:
        return self._pieces(2)

    def _pieces(self, level: int) -> tuple[Piece, ...]:
        if self._cut[level] is None:
            cuts = [c for c in self._cuts if c[2] <= level]
            self._cut[level] = _pieces(self._folded, self.tokens, self.words, cuts)
        return self._cut[level]


def read(text: str) -> Reading:
    """Return the reading of an inbound text."""
    return Reading(text)


def _pieces(folded: str, tokens: Tokens, words: tuple[str, ...],
            cuts: list[tuple[int, int, int]]) -> tuple[Piece, ...]:
    """Return the words between separators, with where they stand (linear)."""
    if not cuts:
        return (Piece(0, words, folded, (0, len(folded))),) if words else ()
    pieces: list[Piece] = []
    at = tokens.at
    i, start = 0, 0
    for cut_start, cut_end, _ in [*cuts, (len(folded), len(folded), 0)]:
        first = i
        i = bisect_left(at, cut_start, lo=i)
        if i > first:
            pieces.append(Piece(first, words[first:i], folded, (start, cut_start)))
        start = cut_end
    return tuple(pieces)
