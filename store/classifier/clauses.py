"""Stage 2: cut a text into sentences, clauses and parts, so each request is read in its own
piece: a line that is a keyword counts on its own, and negation never reaches across a comma.

  sentence  ends at . ! ? ; or a line break
  clause    also ends at : and ,
  part      also ends at parentheses and dashes that join no two words ("a car - STOP",
            not "F-150"): where a bare STOP after other words is sought
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.classifier.normalize import Folded, Token, fold, squash, tokenize

_SENTENCE_END = re.compile(r"[.!?;\n]+")
_CLAUSE_END = re.compile(r"[:,]+")
_PART_END = re.compile(
    r"[()\[\]{}\u2013-\u2015]+|(?<![^\W_])[-\u2010-\u2012]+|[-\u2010-\u2012]+(?![^\W_])"
)


@dataclass(frozen=True)
class Piece:
    """A run of the text's words: tokens[first:first + len(words)] of the whole text."""

    first: int
    words: tuple[str, ...]
    normalized: str

    @property
    def end(self) -> int:
        return self.first + len(self.words)


@dataclass(frozen=True)
class Reading:
    """A text as read: normalized, its words, and its sentences, clauses and parts."""

    normalized: str
    tokens: tuple[Token, ...]
    words: tuple[str, ...]
    sentences: tuple[Piece, ...]
    clauses: tuple[Piece, ...]
    parts: tuple[Piece, ...]


def read(text: str) -> Reading:
    """Return the reading of an inbound text."""
    folded = fold(text)
    tokens = tokenize(folded)
    sentences = _pieces(folded, tokens, _SENTENCE_END)
    clauses = _pieces(folded, tokens, _SENTENCE_END, _CLAUSE_END)
    return Reading(
        normalized=squash(folded.text),
        tokens=tokens,
        words=tuple(t.word for t in tokens),
        sentences=sentences,
        clauses=clauses,
        parts=_pieces(folded, tokens, _SENTENCE_END, _CLAUSE_END, _PART_END),
    )


def _pieces(folded: Folded, tokens: tuple[Token, ...], *ends: re.Pattern) -> tuple[Piece, ...]:
    """Return the words between separators, with the text they stand in (linear)."""
    cuts = sorted({(m.start(), m.end()) for p in ends for m in p.finditer(folded.text)})
    pieces: list[Piece] = []
    i, start = 0, 0
    for cut_start, cut_end in [*cuts, (len(folded.text), len(folded.text))]:
        if cut_start < start:
            continue  # overlapping separators ("!," ): already cut
        first = i
        while i < len(tokens) and tokens[i].at < cut_start:
            i += 1
        if i > first:
            words = tuple(t.word for t in tokens[first:i])
            pieces.append(Piece(first, words, squash(folded.text[start:cut_start])))
        start = cut_end
    return tuple(pieces)
