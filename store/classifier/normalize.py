"""Stage 1: fold a text into words (SPEC section 4, "Normalize first"), each word remembering
where it stands in the text the client wrote, so the words that decide can be shown.

Capitalization, accents, smart quotes, zero-width characters, emoji and punctuation never change
the words. Every step is linear in the length of the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
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
_PAIR_STARTS = frozenset(first for first, _ in TOKEN_PAIRS)


class Token(NamedTuple):  # a named tuple: a text makes dozens, and a dataclass costs 4 µs each
    """One word: its folded form, where it is in the folded text, and in the text as sent."""

    word: str
    at: int  # index in the folded text, where the clause stage looks for punctuation
    start: int  # [start, end) in the original text
    end: int


@dataclass(frozen=True)
class Folded:
    """A text case-, accent- and quote-folded, without emoji; `origin[i]` is where the i-th
    folded character came from in the original."""

    text: str
    origin: Sequence[int]


class _CharMap(dict):
    """What a folded text keeps of each character, worked out once per character."""

    def __missing__(self, char: str) -> str:
        folded = unicodedata.normalize("NFKC", char.translate(_QUOTES)).casefold()
        kept = "".join(map(_keep, unicodedata.normalize("NFKD", folded)))
        kept = unicodedata.normalize("NFC", kept)
        if len(self) < 20_000:  # a text full of rare characters must not grow this forever
            self[char] = kept
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
    if text.isascii():
        folded = text.translate(_ASCII)
        if len(folded) == len(text):  # nothing dropped: every character where it was
            return Folded(folded, range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        kept = char if char.isascii() and char.islower() else _CHARS[char]
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


def tokenize(folded: Folded) -> tuple[Token, ...]:
    """Return the words of a folded text, respellings folded ("u" is "you", "do not" "dont")."""
    origin, aliases = folded.origin, TOKEN_ALIASES
    raw = []
    singles = 0
    for m in _TOKEN.finditer(folded.text):
        word = m.group()
        word = "number" if word == "#" else word.replace("'", "") if "'" in word else word
        singles += len(word) == 1
        raw.append(Token(aliases.get(word, word), m.start(), origin[m.start()],
                         origin[m.end() - 1] + 1))
    tokens = _spelled_out(raw) if singles >= 3 else raw
    if _PAIR_STARTS.isdisjoint(t.word for t in tokens):
        return tuple(tokens)
    paired: list[Token] = []
    for token in tokens:
        pair = TOKEN_PAIRS.get((paired[-1].word, token.word)) if paired else None
        if pair:
            paired[-1] = Token(pair, paired[-1].at, paired[-1].start, token.end)
        else:
            paired.append(token)
    return tuple(paired)


def _spelled_out(raw: list[Token]) -> list[Token]:
    """Join runs of three or more single letters into one word ("S T O P", "s.t.o.p")."""
    out: list[Token] = []
    run: list[Token] = []
    for token in [*raw, None]:
        if token is not None and len(token.word) == 1 and token.word.isalpha():
            run.append(token)
            continue
        if len(run) >= 3:
            out.append(Token("".join(t.word for t in run), run[0].at, run[0].start, run[-1].end))
        else:
            out.extend(run)
        run = []
        if token is not None:
            out.append(token)
    return out


def squeeze(word: str) -> str:
    """Return `word` with each run of one repeated letter cut to one ("stooop" is "stop")."""
    return "".join(letter for letter, _ in groupby(word))
