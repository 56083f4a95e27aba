"""Part of stage 3: whether a word of a request is negated, in English or Spanish.

"don't stop sending me deals" and "no me den de baja" ask for nothing to change; "why don't
you stop" and "can't you just stop texting me" ask to stop. Word lists live in lexicon.py.
"""

from __future__ import annotations

from store.classifier import lexicon as kw

_ASKED = frozenset({"you", "yall"})


def negated(tokens: tuple[str, ...], i: int) -> bool:
    """Return whether tokens[i] is negated, in English (negated_en) or Spanish (negated_es)."""
    return negated_en(tokens, i) or negated_es(tokens, i)


def negated_en(tokens: tuple[str, ...], i: int) -> bool:
    """Return whether tokens[i] is negated: "don't stop", "never ever stop".

    Not in a question that asks for it: "why don't you stop", "can't you just stop", "won't
    you stop texting me".
    """
    j = i - 1
    while j >= 0 and i - j <= 4 and tokens[j] in kw.NEGATION_GAP:
        j -= 1
    if j < 0 or tokens[j] not in kw.NEGATIONS:
        return False
    if j > 0 and tokens[j - 1] in kw.RHETORICAL:
        return False
    return not (tokens[j] in kw.RHETORICAL_ASKS and j + 1 < i and tokens[j + 1] in _ASKED)


def negated_es(tokens: tuple[str, ...], i: int) -> bool:
    """Return whether the Spanish verb at tokens[i] is negated: "no me den de baja".

    Only verbs a negation can govern count: "no dejen de enviarme" is negated, "no, dame de
    baja" and "no me dan de baja" (they don't) are not.
    """
    if tokens[i] not in kw.ES_NEGATABLE:
        return False
    j = i - 1
    while j >= 0 and i - j <= 4 and tokens[j] in kw.ES_NEGATION_GAP:
        j -= 1
    return j >= 0 and tokens[j] in kw.ES_NEGATIONS


def stop_after(tokens: tuple[str, ...], i: int) -> int | None:
    """Return where a stopping word closely follows tokens[:i] ("... to stop"), if one does."""
    for j in range(i, min(i + 3, len(tokens))):
        if tokens[j] in kw.STOPPING:
            return j
        if tokens[j] not in kw.NEGATION_GAP and tokens[j] not in kw.FILLER:
            return None
    return None
