"""Obvious misspellings of the opt-out words, read as the word (SPEC section 4: "a letter
doubled, missing, or two letters swapped: STOPP, STP, SOTP — not a different word like SHOP").
"""

from __future__ import annotations

from functools import lru_cache

from store.classifier import lexicon as kw
from store.classifier.normalize import squeeze


def _near_misses(word: str) -> frozenset[str]:
    """Return `word` with one letter missing or two adjacent letters swapped."""
    missing = {word[:i] + word[i + 1:] for i in range(len(word))}
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    return frozenset((missing | swapped) - {word} - kw.NOT_TYPOS)


_TYPOS = _near_misses(kw.TYPO_OF)


@lru_cache(maxsize=4096)
def is_typo(word: str) -> bool:
    """Return whether `word` is an obvious misspelling of an opt-out word (not the word)."""
    return word in kw.MISSPELLINGS or is_stop_typo(word)


def is_stop_typo(word: str) -> bool:
    """Return whether `word` is STOP with a letter doubled, missing, or two letters swapped."""
    if word.strip(kw.TYPO_OF) or len(word) > 20 or word in kw.NOT_TYPOS:
        return False  # a typo of STOP has only its letters
    squeezed = squeeze(word)
    return (squeezed == kw.TYPO_OF and word != kw.TYPO_OF) or squeezed in _TYPOS
