"""Stage 1: fold a text into words (SPEC section 4, "Normalize first"), each word remembering
where it stands in the text the client wrote, so the words that decide can be shown.

Capitalization, accents, smart quotes, zero-width characters, emoji and punctuation never change
the words. Every step is linear in the length of the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import groupby, pairwise
from typing import NamedTuple

from store.classifier.lexicon import TOKEN_ALIASES, TOKEN_PAIRS

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
# A word (apostrophes inside it dropped: "don't" is "dont"), or a "#" that ends a word, which
# stands for "number" ("wrong #", "lose my #"); "#STOP", "#123" keep theirs.
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|#(?![^\W_])")


_ALIASED = frozenset(TOKEN_ALIASES)
_PAIR_FIRSTS = frozenset(first for first, _ in TOKEN_PAIRS)


class Tokens(NamedTuple):
    """A text's words, each with where it is in the folded text (where the clause stage looks
    for punctuation) and in the text as sent. Kept as parallel tuples: a text has dozens of
    words, and an object per word cost more than the rest of reading it."""

    words: tuple[str, ...]
    at: tuple[int, ...]
    start: tuple[int, ...]  # [start, end) in the original text
    end: tuple[int, ...]


class Folded(NamedTuple):
    """A text case-, accent- and quote-folded, without emoji; `origin[i]` is where the i-th
    folded character came from in the original."""

    text: str
    origin: Sequence[int]


class _CharMap(dict):
    """What a folded text keeps of each character (keyed by code point, as str.translate
    asks), worked out once per character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char.translate(_QUOTES)).casefold()
        kept = "".join(map(_keep, unicodedata.normalize("NFKD", folded)))
        kept = unicodedata.normalize("NFC", kept)
        if len(self) < 20_000:  # a text full of rare characters must not grow this forever
            self[code] = kept
        return kept


def _keep(char: str) -> str:
    category = unicodedata.category(char)
    if char in _LINE_BREAKS:
        return "\n"
    if category in ("Mn", "Me"):  # accents, variation selectors, keycaps
        return ""
    if category[0] == "Z" or char == "\t" or category in ("So", "Sk"):  # spaces, emoji
        return " "
    if category[0] == "C":  # controls, zero-width and format characters, surrogates
        return ""
    return char


_CHARS = _CharMap()


# Most texts are plain ASCII: folded by one translate, each character staying in its place.
_ASCII = {code: _keep(chr(code)) for code in range(128) if not chr(code).isalnum()}
_ASCII.update({ord(c): c.lower() for c in map(chr, range(65, 91))})
_ASCII[ord("`")] = "'"


def fold(text: str) -> Folded:
    """Return `text` folded character by character, keeping line breaks and origins."""
    folded = text.translate(_ASCII if text.isascii() else _CHARS)
    if len(folded) == len(text):  # one character for one (the usual case, é as well as e):
        return Folded(folded, range(len(text)))  # every character where it was
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        kept = _CHARS[ord(char)]
        out.append(kept)
        origin.extend([i] * len(kept))
    return Folded("".join(out), tuple(origin))


def squash(folded: str) -> str:
    """Return `folded` on one line, spaces collapsed, without punctuation at either end."""
    text = " ".join(folded.split())
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    text = text[start:end]
    text = _OPT_OUT.sub("optout", text) if "opt" in text else text
    return _UN.sub("un", text) if "un" in text else text


def normalize(text: str) -> str:
    """Return the normalized form of an inbound text, as stored on its consent event."""
    return squash(fold(text).text)


def tokenize(folded: Folded) -> Tokens:
    """Return the words of a folded text, respellings folded ("u" is "you", "do not" "dont")."""
    # comprehensions, not one loop: a loop body per word costs more than the rest of reading
    matches = list(_TOKEN.finditer(folded.text))
    words = [m.group() for m in matches]
    if "'" in folded.text or "#" in folded.text:
        words = [_plain(w) for w in words]
    if not _ALIASED.isdisjoint(words):
        words = [TOKEN_ALIASES.get(w, w) for w in words]
    at = [m.start() for m in matches]
    end = [m.end() for m in matches]
    origin = folded.origin
    if isinstance(origin, range):  # an ASCII text: every character where it was
        start = at
    else:
        start = [origin[a] for a in at]
        end = [origin[b - 1] + 1 for b in end]
    groups = None
    if not _PAIR_FIRSTS.isdisjoint(words) and TOKEN_PAIRS.keys() & set(pairwise(words)):
        groups = _paired(words)
    elif _letters_in_a_row(words):
        groups = _spelled_out(words)
    if groups is not None:
        words, at = [g[2] for g in groups], [at[i] for i, _, _ in groups]
        start, end = [start[i] for i, _, _ in groups], [end[j - 1] for _, j, _ in groups]
    return Tokens(tuple(words), tuple(at), tuple(start), tuple(end))


def _letters_in_a_row(words: list[str]) -> bool:
    """Return whether three single letters follow each other ("S T O P")."""
    singles = [i for i, w in enumerate(words) if len(w) == 1]
    return any(singles[k + 2] == singles[k] + 2 for k in range(len(singles) - 2))


def _plain(word: str) -> str:
    return "number" if word == "#" else word.replace("'", "")


def _paired(words: list[str]) -> list[tuple[int, int, str]]:
    """Group two words that are one ("do not" is "dont", "opt out" is "optout"), and then
    runs of single letters."""
    groups: list[tuple[int, int, str]] = []
    for k, word in enumerate(words):
        pair = TOKEN_PAIRS.get((groups[-1][2], word)) if groups else None
        if pair:
            groups[-1] = (groups[-1][0], k + 1, pair)
        else:
            groups.append((k, k + 1, word))
    if not _letters_in_a_row([g[2] for g in groups]):
        return groups
    joined = _spelled_out([g[2] for g in groups])
    return [(groups[i][0], groups[j - 1][1], w) for i, j, w in joined]


def _spelled_out(words: list[str]) -> list[tuple[int, int, str]]:
    """Group runs of three or more single letters into one word ("S T O P", "s.t.o.p")."""
    groups: list[tuple[int, int, str]] = []
    i, n = 0, len(words)
    while i < n:
        j = i
        while j < n and len(words[j]) == 1 and words[j].isalpha():
            j += 1
        if j - i >= 3:
            groups.append((i, j, "".join(words[i:j])))
        else:
            groups.extend((k, k + 1, words[k]) for k in range(i, max(j, i + 1)))
        i = max(j, i + 1)
    return groups


def squeeze(word: str) -> str:
    """Return `word` with each run of one repeated letter cut to one ("stooop" is "stop")."""
    return "".join(letter for letter, _ in groupby(word))
