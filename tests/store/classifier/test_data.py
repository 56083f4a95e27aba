"""The data the classifier reads (lexicon.py, patterns.py) changes only with its version."""

from __future__ import annotations

import hashlib
import json

from store.classifier import VERSION, lexicon, patterns


def _plain(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return sorted([_plain(k), _plain(v)] for k, v in value.items())
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _fingerprint() -> str:
    lists = {f"{module.__name__}.{k}": _plain(v) for module in (lexicon, patterns)
             for k, v in vars(module).items() if k.isupper()}
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()[:16]


# The word lists each classifier version was released with (since the classifier became one
# package; 2026.11.1 and .2 were fingerprinted as store/keywords.py). Changing lexicon.py or
# patterns.py changes how texts are read: bump VERSION in decide.py and add its fingerprint.
FINGERPRINTS = {
    "2026.11.3": "55dc643fc1e0fb89",
}


def test_word_lists_changed_only_with_a_new_version():
    assert FINGERPRINTS.get(VERSION) == _fingerprint(), (
        f"lexicon.py or patterns.py changed: bump VERSION and record {_fingerprint()}"
    )
