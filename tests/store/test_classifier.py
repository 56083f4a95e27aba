"""SPEC section 4, "Reading inbound texts": every rule of store.classifier, by example."""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import store.classifier
from store import keywords
from store.automations import AUTOMATIONS
from store.classifier import CLASSIFIER_VERSION, Classification, classify, normalize
from store.phrases import PhraseBook, automation_phrases
from store.revocation import is_typo

RULES = {
    "keyword", "keyword_with_filler", "starts_with_stop", "keyword_line", "typo",
    "natural_language", "scoped_keyword", "scoped_natural_language", "scope_widened",
    "scoped_start_unknown", "review", "negation", "help", "yes_in_context",
    "yes_without_context", "empty", "no_match",
}
INTENTS = {"opt_out", "opt_in", "help", "review", "none"}
PRICE = "price_reduction"
ARRIVAL = "new_vehicle_arrival"


def read(text: str, *, yes: bool = False) -> tuple[str, str | None, str]:
    """Classify `text` and return (intent, scope, rule), checking the version on the way."""
    result = classify(text, yes_is_opt_in=yes)
    assert result.version == CLASSIFIER_VERSION
    return result.intent, result.scope, result.rule


def cases(expected: tuple[str, str | None, str], *texts: str) -> list:
    return [pytest.param(text, expected, id=text[:60]) for text in texts]


def run(text: str, expected: tuple[str, str | None, str]) -> None:
    assert read(text) == expected, text


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


# -- opt-out words -----------------------------------------------------------------------------

@pytest.mark.parametrize("word", [*keywords.OPT_OUT_WORDS, "OPT OUT", "Opt-Out", "opt_out"])
def test_an_opt_out_word_alone_opts_out_of_everything(word):
    run(word, ("opt_out", "all", "keyword"))
    run(f"{word.upper()}!!!", ("opt_out", "all", "keyword"))


@pytest.mark.parametrize(("text", "expected"), cases(
    ("opt_out", "all", "keyword_with_filler"),
    "Stop please", "STOP. Thank you", "stop pls", "Stop plz thx", "stop now", "STOP RIGHT NOW",
    "please stop", "ok stop", "stop!!! thank you!!!", "no, stop", "Stop now please",
    "STOP texting me", "stop messaging me", "stop all messages", "stop texts asap",
    "Unsubscribe me please", "cancel all", "cancel please", "END thanks", "quit texting me",
    "revoke now", "opt out please", "Please opt-out", "baja por favor", "ALTO gracias",
    "parar ya", "cancelar todo", "stop stop stop", "HELP STOP", "yes please stop",
    "STOP 😡😡😡 now", "The end", "Cancel my texts", "STOP ALL texts",
    "stop\nplease", "S T O P please", "ok thanks\r\nEND\r\n", "Gracias\nBAJA",
    "pls quit texting me lol", "stop with the texts already", "unsubscribe me", "Thanks\nstop!",
))
def test_an_opt_out_word_with_only_filler_opts_out(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), cases(
    ("opt_out", "all", "starts_with_stop"),
    "stop texting me at work", "Stop texting me, I bought a car already", "STOP by anytime",
    "stop calling me", "Stop, I mean it", "STOP 12345", "Stop what are you doing",
    "STOPALL of it", "stop it", "STOP\nwho is this",
))
def test_a_text_starting_with_stop_opts_out(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), cases(
    ("opt_out", "all", "keyword_line"),
    "Thanks for the info\nSTOP", "Got it.\nStop please", "Who is this?\nunsubscribe",
    "Nice truck but I bought one. STOP", "I need to reschedule. Cancel.",
    "ok thanks, who is this?\r\nEND\r\n", "Muchas gracias\nBAJA", "I am at work!\nQUIT!!!",
    "ok who is this? stop sending me messages",
))
def test_one_line_that_is_a_keyword_opts_out(text, expected):
    run(text, expected)


def test_a_keyword_line_records_the_line_it_was_read_from():
    assert classify("Thanks for the info\nSTOP!").normalized == "stop"


# -- revocations in words ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), cases(
    ("opt_out", "all", "natural_language"),
    "take me off your list", "Take me off the list please", "take me off ur texting list",
    "pls take me off of your mailing list", "take my number off your list",
    "remove me", "Remove me!", "can you remove me", "remove me from your list",
    "Please remove me from this list", "remove my number", "remove my phone number",
    "lose my number", "delete my number", "Delete this number", "delete me",
    "don't text me", "dont text me", "Do not text me!!", "DONT TXT ME", "do not message me",
    "don’t contact me", "dont ever text me again", "never text me again", "don't text this number",
    "please don't send me any more texts", "I don't want these texts",
    "i dont want to receive any more messages", "I do not want to be contacted",
    "I don't want you to text me", "can you please stop texting me",
    "hey can you stop sending me these", "How do I stop these texts?", "i said quit texting me",
    "I want to stop receiving texts", "ok enough with the texts", "no more texts",
    "No more messages!", "no more texting please", "no more", "No texts please", "enough!!",
    "leave me alone", "Leave me alone 😡", "wrong number", "Wrong #", "you have the wrong number",
    "sorry wrong person", "I opt out", "i opt-out", "opt me out", "please opt me out",
    "can you unsubscribe me", "I want to unsubscribe", "how do i opt out",
    "I revoke my consent", "i already opted out", "I said stop", "I told you to stop",
    "I bought a car already please stop", "go away", "why don't you stop texting me",
    "I never asked for these, stop texting me", "ok who is this, stop sending me messages",
    # Spanish
    "no más mensajes", "No mas mensajes por favor", "no me manden más mensajes",
    "no me envíen mensajes", "no me envien mas textos", "ya no me escriban",
    "por favor no me escriban", "no quiero recibir mensajes", "No quiero recibir más mensajes",
    "número equivocado", "numero equivocado", "se equivocó de número", "dame de baja",
    "denme de baja por favor", "quiero darme de baja", "dejen de enviarme mensajes",
    "paren de escribirme", "borren mi número", "quítenme de la lista", "déjenme en paz",
    "NO MÁS", "basta", "ya basta",
))
def test_a_revocation_in_words_opts_out_of_everything(text, expected):
    run(text, expected)


# -- typos -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), cases(
    ("opt_out", "all", "typo"),
    "STOPP", "stopp", "STOPPPP", "STOOOP", "Stoop", "SSTOP", "sttop", "STP", "STO", "stp!",
    "SOTP", "STPO", "TSOP", "Stpo.", "stopp please", "Stpo sending me texts", "Unsuscribe",
    "unsub", "cancle", "st0p",
))
def test_an_obvious_typo_of_stop_opts_out(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), cases(
    ("none", None, "no_match"),
    "SHOP", "STEP", "SLOP", "SPOT", "TOPS", "POTS", "TOP", "SOP", "POST", "STOMP", "STOW",
    "Top", "spot?", "shop now",
))
def test_a_different_word_is_no_typo(text, expected):
    run(text, expected)


@pytest.mark.parametrize("word", sorted(keywords.NOT_TYPOS))
def test_listed_real_words_are_never_typos(word):
    assert not is_typo(word)


# -- scoped opt-out and opt-in -----------------------------------------------------------------

PHRASES = [(a.name, phrase) for a in AUTOMATIONS.values() for phrase in a.phrases]
SCOPED_STOPS = [
    "STOP {}", "stop {}", "Stop {}!", "STOP {} alerts", "stop {} alerts please",
    "Please STOP {} texts", "UNSUBSCRIBE {}", "END {}", "cancel {} notifications", "QUIT {}",
    "opt out of {}", "please stop sending me the {} texts", "Thanks\nSTOP {}\n", "BAJA {}",
]
SCOPED_IN_WORDS = [
    "no more {} alerts", "I want you to stop sending me the {} texts",
    "I don't want the {} texts anymore", "no {} texts please", "can you please stop the {} texts",
    "dont send me {} alerts", "no más mensajes de {}",
]


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", SCOPED_STOPS)
def test_stop_with_an_automation_keyphrase_opts_out_of_that_automation(template, name, phrase):
    for written in (phrase, phrase.lower(), phrase.title()):
        run(template.format(written), ("opt_out", name, "scoped_keyword"))


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", SCOPED_IN_WORDS)
def test_a_revocation_in_words_naming_one_automation_is_scoped(template, name, phrase):
    run(template.format(phrase.lower()), ("opt_out", name, "scoped_natural_language"))


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", [
    "START {}", "start {}", "Start {} please", "START {} texts", "UNSTOP {}", "subscribe {}",
    "START {} and everything",
])
def test_start_with_an_automation_keyphrase_opts_in_to_that_automation(template, name, phrase):
    run(template.format(phrase), ("opt_in", name, "scoped_keyword"))


@pytest.mark.parametrize(("name", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
@pytest.mark.parametrize("template", [
    "STOP {} and everything", "stop {} and everything else", "STOP {} and deals",
    "STOPALL {}", "STOP ALL {}", "stop all the {} texts", "STOP {} texting me at work",
    "I want you to stop sending me {} texts and everything else",
])
def test_more_than_one_automation_after_stop_widens_to_all(template, name, phrase):
    run(template.format(phrase), ("opt_out", "all", "scope_widened"))


PAIRS = [(a, b) for (na, a), (nb, b) in itertools.product(PHRASES, PHRASES) if na != nb]


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=str)
def test_two_automations_widen_stop_and_leave_start_undecided(first, second):
    run(f"stop {first} and {second}", ("opt_out", "all", "scope_widened"))
    run(f"no more {first} or {second} texts", ("opt_out", "all", "scope_widened"))
    run(f"STOP {first}\nSTOP {second}", ("opt_out", "all", "scope_widened"))
    run(f"start {first} and {second}", ("none", None, "scoped_start_unknown"))


@pytest.mark.parametrize(("text", "expected"), cases(
    ("opt_out", "all", "scope_widened"),
    "STOP DEALS", "stop promotions", "Stop sending me deals", "STOP MARKETING TEXTS",
    "STOP PRICE ALERTS", "cancel deals", "unsubscribe from promotions", "Hi\nSTOP DEALS",
))
def test_an_unknown_scope_after_stop_widens_to_all(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), cases(
    ("none", None, "scoped_start_unknown"),
    "START DEALS", "start promotions", "START PRICE ALERTS", "Start texting me deals",
))
def test_start_with_an_unknown_scope_never_opts_in(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    # SPEC section 10, scenario 1
    ("please stop sending me these price drop texts", ("opt_out", PRICE, "scoped_keyword")),
    ("STOP PRICE DROP", ("opt_out", PRICE, "scoped_keyword")),
    ("stop pricedrops", ("opt_out", PRICE, "scoped_keyword")),
    ("STOP PRICE REDUCTIONS", ("opt_out", PRICE, "scoped_keyword")),
    ("stop new vehicle alerts", ("opt_out", ARRIVAL, "scoped_keyword")),
    ("Unsubscribe from price drops", ("opt_out", PRICE, "scoped_keyword")),
    ("no more price drop alerts", ("opt_out", PRICE, "scoped_natural_language")),
    ("I don't want the new arrival texts anymore",
     ("opt_out", ARRIVAL, "scoped_natural_language")),
    ("start new arrivals", ("opt_in", ARRIVAL, "scoped_keyword")),
    ("START PRICE DROP and everything", ("opt_in", PRICE, "scoped_keyword")),
    ("STOP PRICE DROP and everything", ("opt_out", "all", "scope_widened")),
    ("stop price drops and new arrivals", ("opt_out", "all", "scope_widened")),
], ids=lambda v: str(v)[:40])
def test_scoped_examples(text, expected):
    run(text, expected)


def test_every_registered_keyphrase_reads_as_its_own_automation():
    table = automation_phrases()
    for automation in AUTOMATIONS.values():
        for phrase in automation.phrases:
            assert table[tuple(normalize(phrase).split())] == automation.name
            assert read(f"STOP {phrase}")[1] == automation.name


# -- review and negation -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), cases(
    ("review", None, "review"),
    # an opt-out word that no rule above explains
    "I'll stop by Friday", "We have got to STOP this terrible bill", "please stop by friday",
    "cancel my service appointment", "Can you cancel my appointment?", "cancel it",
    "when does the sale end", "EnD of the month?", "can I quit the lease early",
    "is the alto trim available", "el precio baja?", "Thanks!\nStop by Friday",
    "I didn't say stop", "If not, cancel.", "stp texting me at work", "start stop",
    "Stopp by the store", "remove the roof rack please",
    # words and phrases a person should judge
    "not interested", "Not interested, thanks", "no longer interested",
    "who is this? how did you get my number", "How did you get this number??",
    "don't call me", "do not call", "this is spam", "I never signed up for this",
    "I'm calling my lawyer", "no me interesa", "No me manden más cobros",
))
def test_a_possible_opt_out_goes_to_review(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), cases(
    ("none", None, "negation"),
    "don't stop sending me deals", "Don’t stop texting me!", "do not cancel my texts",
    "never stop texting me", "please don't unsubscribe me", "no, don't stop",
    "No don't stop", "I don't want you to stop texting me",
    "I don't want you to ever stop", "I don't want the texts to stop",
    "please do not remove me from your list", "don't take me off the list",
    "Can't stop thinking about that truck", "we won't cancel anything",
))
def test_a_negated_opt_out_changes_nothing(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("don't text me", ("opt_out", "all", "natural_language")),
    ("do not message me", ("opt_out", "all", "natural_language")),
    ("why don't you stop texting me", ("opt_out", "all", "natural_language")),
    ("Don't stop the price drop alerts but stop the new arrival texts",
     ("opt_out", ARRIVAL, "scoped_natural_language")),
])
def test_a_negated_texting_is_an_opt_out(text, expected):
    run(text, expected)


# -- opt-in, YES, HELP -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    *cases(("opt_in", "all", "keyword"), "START", "start", "Start!", "UNSTOP", "Subscribe."),
    *cases(("opt_in", "all", "keyword_with_filler"), "start please", "Start again",
           "START now thanks", "unstop please", "start texting me again", "yes start",
           "subscribe to texts"),
    *cases(("none", None, "no_match"), "you can text me again", "ok text me", "start the car",
           "When does the sale start?", "I would like to start a lease"),
])
def test_opt_in_words(text, expected):
    run(text, expected)


YES = ["yes", "Yes!", "YES", "yes please", "Yes, please!", "si", "Sí", "yeah", "yes thank you"]


@pytest.mark.parametrize("text", YES)
def test_yes_opts_in_only_in_context(text):
    assert read(text, yes=True) == ("opt_in", "all", "yes_in_context")
    assert read(text, yes=False) == ("none", None, "yes_without_context")
    assert read(text) == ("none", None, "yes_without_context")


@pytest.mark.parametrize(("text", "expected"), cases(
    ("none", None, "no_match"),
    "yes I'm still interested in the truck", "Yes, what time?", "yes sir, 3pm works",
))
def test_a_yes_that_answers_something_else_is_none(text, expected):
    run(text, expected)
    assert read(text, yes=True) == expected


@pytest.mark.parametrize(("text", "expected"), [
    *cases(("help", None, "help"), "HELP", "help?", "HELP!!", "Help.", "info", "INFO please",
           "help me", "Ayuda"),
    *cases(("none", None, "no_match"), "Help me find a truck", "more info on the silverado",
           "can you help with financing?"),
    *cases(("opt_out", "all", "keyword_with_filler"), "HELP STOP", "help stop texts"),
])
def test_help_words(text, expected):
    run(text, expected)


def test_opt_out_wins_over_opt_in_and_help():
    assert read("START\nSTOP") == ("opt_out", "all", "keyword_line")
    assert read("help, please stop texting me") == ("opt_out", "all", "keyword_with_filler")
    assert read("START. how do I unsubscribe") == ("opt_out", "all", "natural_language")
    assert read("yes stop", yes=True) == ("opt_out", "all", "keyword_with_filler")


# -- nothing to read ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "🛑", "👍👍👍", "!!!", "?", "...", "\u200b\u200b", "🇺🇸", "❤️", "\x00\x1b",
    "😡 😡 😡", "“”", "---", "👍🏽",
], ids=repr)
def test_a_text_without_words_is_empty(text):
    assert read(text) == ("none", None, "empty")
    assert classify(text).normalized == ""


@pytest.mark.parametrize("text", [
    "Ok thanks", "What's the best price on the F-150?", "Can I come in at 3?", "who is this",
    "Thank you!", "no thanks", "Is the truck still available?", "no more than 20k please",
    "no mas de 20 mil", "take me off the test drive schedule", "I don't need the text",
])
def test_ordinary_texts_match_nothing(text):
    assert read(text) == ("none", None, "no_match")


# -- peers' complaints (compliance.md section 9) ------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # ProgressiveCoders/Spoke#1016: STOP inside a sentence is no opt-out by itself
    ("We have got to STOP this terrible bill", ("review", None, "review")),
    # p2pu/learning-circles#593: a polite STOP was missed
    ("Stop. Thank you", ("opt_out", "all", "keyword_with_filler")),
    # medic/cht-core#476: STOP followed by something else
    ("STOP 12345", ("opt_out", "all", "starts_with_stop")),
    # DeskcommCRM#435: "don't send me more charges" is no automatic opt-out
    ("no me manden más cobros", ("review", None, "review")),
    # DeskcommCRM#275, #416: Spanish BAJA was missed
    ("Baja", ("opt_out", "all", "keyword")),
    # Rock#6399: REVOKE and OPTOUT were missing
    ("REVOKE", ("opt_out", "all", "keyword")),
    ("OPTOUT", ("opt_out", "all", "keyword")),
], ids=lambda v: str(v)[:40])
def test_peer_false_positives_and_misses(text, expected):
    run(text, expected)


# -- a reviewer's misreadings (classifier 2026.11.2) ----------------------------------------------

@pytest.mark.parametrize(("text", "expected"), cases(
    ("none", None, "negation"),
    # A: a Spanish request to stay subscribed must never lock the phone
    "No me den de baja", "no quiero darme de baja", "no quiero salir de la lista",
    "no dejen de enviarme ofertas", "no quiero que dejen de mandarme mensajes",
    "por favor no me den de baja", "nunca me den de baja", "no borren mi número",
))
def test_a_spanish_negation_changes_nothing(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    *cases(("opt_out", "all", "natural_language"),
           "no más mensajes", "no me manden más mensajes", "ya no me escriban",
           "no quiero recibir mensajes", "no quiero más mensajes", "dame de baja",
           "número equivocado",
           # an affirmative command after "no", and "they don't" (a complaint), are no negation
           "No, dame de baja", "no me dan de baja"),
    *cases(("opt_out", "all", "keyword"), "baja"),
])
def test_a_spanish_revocation_stays_an_opt_out(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    # B/C: clear revocations that used to change nothing
    *cases(("opt_out", "all", "natural_language"),
           "I no longer want these texts", "I'm done with these texts",
           "I do not consent to these messages", "I no longer consent", "Can you not text me",
           "Could you please not text me anymore", "Do not contact", "Take me off your VIP list",
           "I'm not Maria, you have the wrong #", "This number belongs to someone else now",
           "Favor de no enviar mensajes", "No mandar más mensajes",
           "Can't you just stop texting me", "won't you stop texting me",
           "This is no longer Maria's number", "lose my #", "remove me from your VIP list"),
    *cases(("opt_out", "all", "keyword"), "un-subscribe", "UN SUBSCRIBE"),
    *cases(("opt_out", ARRIVAL, "scoped_natural_language"), "take me off the new arrivals list"),
    *cases(("opt_out", PRICE, "scoped_natural_language"), "take me off the price drop list"),
    # F: opt-outs that used to wait for review
    *cases(("opt_out", "all", "natural_language"),
           "I'd like to unsubscribe", "Please stop calling and texting", "U can stop now",
           "Sorry I meant STOP", "cancela mi suscripción"),
    *cases(("opt_out", "all", "keyword_with_filler"), "cancelar suscripción"),
])
def test_a_clear_revocation_opts_out(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), cases(
    ("review", None, "review"),
    # a doubt about the texts or the number that no pattern explains: a person decides
    "I no longer have that number", "how did you get my #", "Can you not text me at work?",
    # complaints that the texts go on
    "you guys won't stop texting me", "they never stop sending me these",
    "no paran de mandarme mensajes",
    "what's wrong with the texts you sent", "I do not consent to a credit check",
    # a list that is not about texts
    "take me off the waiting list", "remove me from the service appointment list",
))
def test_a_doubt_about_texts_goes_to_review(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    # D: punctuation never changes the outcome
    *cases(("opt_out", "all", "keyword_line"),
           "I bought a car. STOP", "I bought a car, STOP", "I bought a car - STOP",
           "I bought a car — STOP", "Not interested. stop", "Not interested, stop",
           "Not interested (stop)", "Not interested, unsubscribe", "No me interesa, baja"),
    *cases(("opt_out", "all", "typo"), "I bought a car, STOPP"),
    *cases(("opt_out", "all", "keyword"), "- STOP", ": STOP"),
    *cases(("opt_out", "all", "keyword_with_filler"), "Thanks (STOP)"),
    # ... but a clause that merely starts with STOP is no line of its own
    *cases(("review", None, "review"), "Ok, stop by at 3", "Bus stop, 5pm",
           "Non-stop, the best deal", "If not, cancel.", "Not interested, quit"),
])
def test_a_clause_that_is_a_keyword_opts_out(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    # E: commentary after a scoped opt-out keeps its scope (SPEC section 10, scenario 1)
    *cases(("opt_out", PRICE, "scoped_keyword"),
           "Stop the price drop alerts, too many", "stop price drop texts, I already bought a car",
           "Stop sending price drop alerts to this number",
           "please stop the price drop texts. thanks", "STOP PRICE DROP!!! I bought one",
           "Stop price drop alerts, I bought a new truck",
           "stop price drop alerts - the price is still too high"),
    # ... and another kind of texts still widens it
    *cases(("opt_out", "all", "scope_widened"),
           "STOP PRICE DROP and everything", "stop price drops and new arrivals",
           "STOP PRICE DROP and all other texts", "STOP DEALS", "stop price drop and deals",
           "stop price drop and arrival alerts", "stop price drop and new ones"),
])
def test_only_another_scope_widens_a_scoped_opt_out(text, expected):
    run(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    # already right before 2026.11.2, and kept
    *cases(("review", None, "review"),
           "I'll stop by Friday", "cancel my service appointment", "when does the sale end"),
    *cases(("none", None, "negation"), "don't stop sending me deals"),
    *cases(("none", None, "yes_without_context"), "YES"),
    *cases(("none", None, "no_match"), "Help me find a truck", "why did you not text me back",
           "I'm done with the test drive, what's next?", "Un momento por favor"),
    *cases(("opt_out", "all", "starts_with_stop"), "STOP by anytime"),
])
def test_what_was_right_stays_right(text, expected):
    run(text, expected)


def test_a_gap_never_opens_a_pattern():
    with pytest.raises(ValueError, match="gap"):
        PhraseBook(["*2 list"])
    with pytest.raises(ValueError, match="gap"):
        PhraseBook(["take? *2 list"])


# -- long and hostile input --------------------------------------------------------------------

LONG = 10_000


@pytest.mark.parametrize(("text", "expected"), [
    ("a" * LONG, ("none", None, "no_match")),
    ("🛑" * LONG, ("none", None, "empty")),
    ("!" * (LONG - 1) + "a", ("none", None, "no_match")),
    (("the truck is great " * 600)[:LONG - 5] + "\nSTOP", ("opt_out", "all", "keyword_line")),
    ("STOP " + "please " * 1427, ("opt_out", "all", "keyword_with_filler")),
    (("I'll stop by friday. " * 500)[:LONG], ("review", None, "review")),
    (("no more texts please " * 500)[:LONG], ("opt_out", "all", "natural_language")),
    (("don't stop. " * 900)[:LONG], ("none", None, "negation")),
    (("ok\n" * 4000)[:LONG], ("none", None, "no_match")),
    (" ".join(["s"] * (LONG // 2)), ("none", None, "no_match")),
    (("price drop new arrivals " * 500)[:LONG], ("none", None, "no_match")),
    (("take me off " * 900)[:LONG], ("none", None, "no_match")),
    (("opt " * 3000)[:LONG], ("none", None, "no_match")),
], ids=lambda v: repr(v)[:30])
def test_a_long_text_is_read_whole(text, expected):
    assert len(text) <= LONG + 10
    run(text, expected)


@given(st.text(max_size=300))
def test_classify_never_raises(text):
    result = classify(text)
    assert isinstance(result, Classification)
    assert result.intent in INTENTS and result.rule in RULES
    assert (result.scope is not None) == (result.intent in ("opt_out", "opt_in"))
    assert result.scope in (None, "all", *AUTOMATIONS)
    assert result.version == CLASSIFIER_VERSION


@pytest.mark.parametrize("text", [
    "\ud800stop", "stop\udfff", "\x00" * 50, "\U0010ffff" * 20, "\u0301" * 100, "S\u0338TOP",
    "\u202eSTOP", "ﷺ" * 10, "𒐫" * 100,
], ids=repr)
def test_strange_characters_never_raise(text):
    assert classify(text).version == CLASSIFIER_VERSION


# -- the contract itself -----------------------------------------------------------------------

@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_is_documented(rule):
    assert f"  {rule}  " in store.classifier.__doc__


def _plain(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return sorted([_plain(k), _plain(v)] for k, v in value.items())
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _fingerprint() -> str:
    lists = {k: _plain(v) for k, v in vars(keywords).items() if k.isupper()}
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()[:16]


# The word lists each classifier version was released with. Changing store/keywords.py (or
# store/patterns.py, whose lists it imports) changes how texts are read: bump
# CLASSIFIER_VERSION and add its fingerprint here.
FINGERPRINTS = {
    "2026.11.1": "4092fa95696baf9a",
    "2026.11.2": "9bd4851053fea929",
}


def test_word_lists_changed_only_with_a_new_version():
    assert FINGERPRINTS.get(CLASSIFIER_VERSION) == _fingerprint(), (
        "store/keywords.py changed: bump CLASSIFIER_VERSION and record the new fingerprint"
    )
