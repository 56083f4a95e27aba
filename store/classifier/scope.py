"""Stage 4: what a request is about. An automation named in it, or pointed back to ("those new
arrival texts, please stop them"), scopes it; another kind of texts ("STOP DEALS", "... and
everything") widens it to all; something that is not texting ("stop mailing me the brochures",
"cancel my warranty") makes it no revocation at all. Words after a contrast or in a sentence
that affirms other texts ("but keep the rest coming") never widen it.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.classifier import lexicon as kw
from store.classifier.phrasebook import AUTOMATION_WORDS, Marked
from store.classifier.spelling import is_typo

ALL = "all"
# What a request's object is: texting, something that is not (SPEC section 4: review), or
# some other thing the lists do not know ("remove the pinstripe").
TEXTS, OTHER, THING = "texts", "other", "thing"

_SCOPE_LIKE = kw.SCOPE_WORDS | AUTOMATION_WORDS
# Words that name texting itself; "sending", "contacting" or "calling" could be about anything.
TEXTING = kw.MESSAGES_IN_GENERAL | kw.SCOPE_WORDS | {kw.AUTOMATION}
_GENERIC_VERBS = frozenset({
    "send", "sending", "contact", "contacting", "bother", "bothering", "call", "calling",
    "calls", "harass", "harassing", "receive", "receiving", "get", "getting",
})
# Words between a verb and its object: "stop sending ME THE brochures", "opt out OF THE plan".
_BEFORE_OBJECT = frozenset({
    "me", "us", "my", "our", "your", "the", "a", "an", "this", "that", "any", "all", "of",
    "from", "with", "about", "for", "on", "to", "out", "up", "again", "please", "anymore",
    "more", "those", "these", "mi", "mis", "la", "las", "el", "los", "de", "del", "su",
    "sus", "tu", "tus",
})


# Words that start a new clause of their own, ending the object before them.
_SUBJECTS = frozenset({
    "i", "im", "ive", "ill", "id", "we", "were", "weve", "he", "she", "they", "theyre",
    "yo", "nosotros",
})


@dataclass  # not frozen: made per request read, and a frozen __init__ is slow
class Rest:
    """What follows a keyword: automations named, words not understood, widening words."""

    automations: frozenset[str]
    unknown: tuple[str, ...]
    widened: bool
    # Another kind of texts named: texts in general after an automation ("STOP PRICE DROP
    # texting me"), DEALS, or a word of a keyphrase naming texts ("... and arrival alerts").
    other_kind: bool = False

    @property
    def filler_only(self) -> bool:
        return not self.automations and not self.unknown

    @property
    def scope_like(self) -> bool:
        """Return whether the first word not understood names a kind of texts ("DEALS")."""
        return bool(self.unknown) and self.unknown[0] in _SCOPE_LIKE

    @property
    def all_scope_like(self) -> bool:
        return bool(self.unknown) and all(t in _SCOPE_LIKE for t in self.unknown)

    @property
    def wider_than_one(self) -> bool:
        """Return whether more than the one automation named is asked for ("... and deals").

        Words that name no kind of texts are commentary and change nothing ("STOP PRICE DROP!!!
        I bought a new one", "stop the price drop alerts, too many").
        """
        return len(self.automations) > 1 or self.widened or self.other_kind


_REGION_ENDS = kw.CONTRAST | kw.KEEP


def region_end(tokens: tuple[str, ...], start: int) -> int:
    """Return where the scope of a request starting at `start` ends: at the first contrast."""
    for k in range(start, len(tokens)):
        if tokens[k] in _REGION_ENDS:
            return k
    return len(tokens)


def rest(words: Marked, start: int, filler: frozenset[str], *, opt_out: bool = False,
         end: int | None = None) -> Rest:
    """Read the words from `start` to `end` (the first contrast) as the scope of a keyword."""
    tokens = words.tokens
    end = region_end(tokens, start) if end is None else end
    region = tokens[start:end]
    if filler.issuperset(region) and kw.WIDENING.isdisjoint(region):
        return Rest(frozenset(), (), False)  # the common case: only filler ("STOP please")
    unknown, widened, other_kind, named = [], False, False, False
    automations: set[str] = set()
    for k in range(start, end):
        token = tokens[k]
        if token in kw.WIDENING:
            widened = True
        elif token == kw.AUTOMATION:
            named = True
            automations.add(words.names[k])
        elif named and token in kw.MESSAGES_IN_GENERAL:
            other_kind = True
        elif token in filler:
            continue
        elif not (opt_out and (token in OPT_OUT_TOKENS or is_typo(token))):
            unknown.append(token)  # opt-out words repeated ("STOP STOP") are filler
            other_kind = other_kind or _names_texts(tokens, k)
    return Rest(frozenset(automations), tuple(unknown), widened, other_kind)


OPT_OUT_TOKENS = frozenset(w for key in kw.OPT_OUT_WORDS for w in key.split() if w != "all")


def _names_texts(tokens: tuple[str, ...], k: int) -> bool:
    """Return whether tokens[k] names a kind of texts: "deals", "arrival alerts", "new ones".

    A word of a keyphrase does only when a kind follows it, or nothing: "new" in "I bought a
    new truck" names nothing.
    """
    if tokens[k] in kw.SCOPE_WORDS:
        return True
    if tokens[k] not in AUTOMATION_WORDS:
        return False
    return k + 1 == len(tokens) or tokens[k + 1] in kw.KIND_NOUNS


def about(tokens: tuple[str, ...], start: int, *, after_stop: bool = False) -> str | None:
    """Return OTHER when the object after tokens[:start] is not texting ("the brochures"),
    TEXTS when it is, THING when it is something else, or None when there is no object.

    The object is read over a few words past determiners: "stop sending me the price drop
    texts" is about texts; "opt out of the roadside assistance plan" and "stop the email
    newsletters" (another channel first) are not. Right after STOP, "by" makes it a visit.
    """
    if after_stop and start < len(tokens) and tokens[start] in kw.NOT_TEXTING_AFTER_STOP:
        return OTHER  # "stop BY", "stop MAILING me"
    k = start
    while k < len(tokens) and (tokens[k] in _BEFORE_OBJECT or tokens[k] in _GENERIC_VERBS):
        k += 1
    if k < len(tokens) and tokens[k] in kw.OTHER_CHANNELS:
        return OTHER
    seen_other = seen_thing = False
    for token in tokens[k:k + 6]:
        if token in kw.CONTRAST or token in _SUBJECTS:
            break  # a new clause begins: "STOP I already bought a car"
        if token in TEXTING:
            return TEXTS
        seen_other = seen_other or token in kw.NOT_TEXTING or token in kw.OTHER_CHANNELS
        seen_thing = seen_thing or token not in kw.FILLER
    return OTHER if seen_other else THING if seen_thing else None


def pointed_back(words: Marked, start: int, end: int, earlier: frozenset[str]) -> str | None:
    """Return the automation a pronoun in words[start:end] points back to, if exactly one was
    named earlier in the text ("I keep getting price drop alerts. Stop sending them")."""
    if len(earlier) != 1 or kw.PRONOUNS.isdisjoint(words.tokens[start:end]):
        return None
    (name,) = earlier
    return name


def affirms(tokens: tuple[str, ...]) -> bool:
    """Return whether a sentence affirms other texts ("the others are fine", "keep the rest")."""
    return not kw.AFFIRM.isdisjoint(tokens)
