"""Fold an inbound text into the words the classifier compares (SPEC section 4, "Normalize first").

Capitalization, accents, smart quotes, zero-width characters, emoji and punctuation never change
the words; line breaks and sentence ends are kept apart so one line can be read on its own.
Every step is linear in the length of the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import groupby

from store.keywords import TOKEN_ALIASES, TOKEN_PAIRS

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'", "\u02bc": "'", "\u02b9": "'", "\uff07": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"',
    "\u00bb": '"',
})
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_OPT_OUT = re.compile(r"\bopt[ _\-\u2010-\u2015]*out\b")
# "un-subscribe", "UN SUBSCRIBE" and "un stop" are one word, like "opt out".
_UN = re.compile(r"\bun[ _\-\u2010-\u2015]+(?=(?:subscribe|subscribed|stop)\b)")
# "#" that ends a word stands for "number" ("wrong #", "lose my #"); "#STOP", "#123" keep theirs.
_NUMBER_SIGN = re.compile(r"#(?![^\W_])")
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?;\n]+")
_CLAUSE_END = re.compile(r"[.!?;:,\n]+")
# Parts go finer still: also parentheses, dashes, and hyphens that join no two words ("I bought
# a car - STOP", not "F-150").
_PART_END = re.compile(
    r"[.!?;:,()\[\]{}\n\u2013-\u2015]+"
    r"|(?<![^\W_])[-\u2010-\u2012]+|[-\u2010-\u2012]+(?![^\W_])"
)
_PAIR_STARTS = frozenset(first for first, _ in TOKEN_PAIRS)


class _CharMap(dict):
    """What a normalized text keeps of each character, worked out once per character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        if char in _LINE_BREAKS:
            kept = "\n"
        elif category in ("Mn", "Me"):  # accents, variation selectors, keycaps
            kept = ""
        elif category[0] == "Z" or char == "\t":
            kept = " "
        elif category[0] == "C":  # controls, zero-width and format characters, surrogates
            kept = ""
        elif category in ("So", "Sk"):  # emoji, skin tones
            kept = " "
        else:
            kept = char
        if len(self) < 20_000:  # a text full of rare characters must not grow this forever
            self[code] = kept
        return kept


_CHARS = _CharMap()


def fold(text: str) -> str:
    """Return `text` case-, accent- and quote-folded, without emoji, keeping line breaks."""
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES)).casefold()
    text = unicodedata.normalize("NFKD", text).translate(_CHARS)
    text = _OPT_OUT.sub("optout", unicodedata.normalize("NFC", text))
    return _UN.sub("un", text) if "un" in text else text


def squash(folded: str) -> str:
    """Return `folded` on one line, spaces collapsed, without punctuation at either end."""
    text = " ".join(folded.split())
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def normalize(text: str) -> str:
    """Return the normalized form of an inbound text, as stored on its consent event."""
    return squash(fold(text))


def words(text: str) -> tuple[str, ...]:
    """Return the words of folded `text`, respellings folded ("u" is "you", "do not" "dont")."""
    text = text.replace("'", "")
    if "#" in text:
        text = _NUMBER_SIGN.sub(" number ", text)
    raw = _spelled_out(_WORD.findall(text))
    out = [TOKEN_ALIASES.get(word, word) for word in raw]
    if _PAIR_STARTS.isdisjoint(out):
        return tuple(out)
    paired: list[str] = []
    for word in out:
        pair = TOKEN_PAIRS.get((paired[-1], word)) if paired else None
        if pair:
            paired[-1] = pair
        else:
            paired.append(word)
    return tuple(paired)


def _spelled_out(raw: list[str]) -> list[str]:
    """Join runs of three or more single letters into one word ("S T O P", "s.t.o.p")."""
    if sum(len(w) == 1 for w in raw) < 3:
        return raw
    out: list[str] = []
    run: list[str] = []
    for word in [*raw, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if word:
            out.append(word)
    return out


def squeeze(word: str) -> str:
    """Return `word` with each run of one repeated letter cut to one ("stooop" is "stop")."""
    return "".join(letter for letter, _ in groupby(word))


@dataclass(frozen=True)
class Reading:
    """An inbound text, normalized, as words and cut into segments and clauses."""

    normalized: str
    words: tuple[str, ...]
    # Lines, cut further at sentence ends: (normalized segment, its words).
    segments: tuple[tuple[str, tuple[str, ...]], ...]
    # Segments cut further at commas and colons; negation never reaches across them.
    clauses: tuple[tuple[str, ...], ...]
    # Clauses cut further at parentheses and dashes, as segments are: where a bare STOP is sought.
    parts: tuple[tuple[str, tuple[str, ...]], ...]


def read(text: str) -> Reading:
    """Return the normalized reading of an inbound text."""
    folded = fold(text)
    normalized = squash(folded)
    seen: dict[str, tuple[str, ...]] = {}  # long texts repeat short pieces ("ok\nok\n...")

    def words_of(piece: str) -> tuple[str, ...]:
        if piece not in seen:
            seen[piece] = words(piece)
        return seen[piece]

    segments = [(p, words_of(p)) for p in map(squash, _SENTENCE_END.split(folded))]
    clauses = map(words_of, _CLAUSE_END.split(folded))
    parts = [(p, words_of(p)) for p in map(squash, _PART_END.split(folded))]
    return Reading(
        normalized=normalized,
        words=words(normalized),
        segments=tuple((p, w) for p, w in segments if w),
        clauses=tuple(c for c in clauses if c),
        parts=tuple((p, w) for p, w in parts if w),
    )
