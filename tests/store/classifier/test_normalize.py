"""Stage 1, normalize: case, accents, quotes, emoji and punctuation never change a reading."""

from __future__ import annotations

import pytest

from store.classifier import classify
from store.classifier.normalize import normalize
from tests.store.classifier.reading import read

# -- normalizing -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("  STOP!!! ", "stop"),
    ("ＳＴＯＰ", "stop"),
    ("S\u200bT\u200dO\u2060P\ufeff", "stop"),
    ("Don’t “text” me", "don't \"text\" me"),
    ("No MÁS mensajes 🙏🙏", "no mas mensajes"),
    ("opt-out", "optout"),
    ("Opt Out", "optout"),
    ("opt_out", "optout"),
    ("OPTOUT", "optout"),
    ("Thanks for the info\nSTOP", "thanks for the info stop"),
    ("\t stop \r\n  now \x00\x07", "stop now"),
    ("🛑🛑🛑", ""),
    ("¡¿...!!", ""),
    ("", ""),
    ("Straße", "strasse"),
    ("𝐒𝐓𝐎𝐏", "stop"),
    ("UN-SUBSCRIBE", "unsubscribe"),
    ("un subscribe", "unsubscribe"),
    ("Un‐Stop", "unstop"),
], ids=lambda v: repr(v)[:40])
def test_normalize(text, expected):
    assert normalize(text) == expected


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _accented(text: str) -> str:
    return text.translate(str.maketrans("aeiouAEIOU", "áéíóúÁÉÍÓÚ"))


VARIANTS = {
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "accents": _accented,
    "fullwidth": _fullwidth,
    "zero_width": lambda t: "\u200b".join(t),
    "smart_quotes": lambda t: t.replace("'", "’"),
    "punctuation": lambda t: f"¡¡{t}!!!",
    "quoted": lambda t: f"“{t}”",
    "emoji": lambda t: f"🙏 {t} 🛑😡",
    "spaces": lambda t: "  " + t.replace(" ", "   ") + "\t",
}
BASES = [
    "STOP", "Stop please", "stop texting me at work", "Don't text me", "take me off your list",
    "no más mensajes", "STOP PRICE DROP", "start new arrivals", "I'll stop by Friday",
    "don't stop sending me deals", "HELP", "STOPP", "Thanks for the info\nSTOP", "dame de baja",
    "Help me find a truck", "STOP DEALS", "unsubscribe", "please stop sending me the price "
    "drop texts", "I bought a car, STOP", "no me den de baja", "un-subscribe",
    "Stop the price drop alerts, too many",
]


@pytest.mark.parametrize("base", BASES, ids=lambda b: b[:30])
@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_case_accents_and_punctuation_never_change_the_outcome(base, variant):
    changed = VARIANTS[variant](base)
    assert read(changed) == read(base), changed
    assert classify(changed).normalized == classify(base).normalized
