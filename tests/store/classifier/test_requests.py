"""Stage 3, requests: opt-out words, typos, revocations in words, negation and review
(SPEC section 4), by example."""

from __future__ import annotations

import pytest

from store.classifier import classify
from store.classifier import lexicon as keywords
from store.classifier.phrasebook import PhraseBook
from store.classifier.spelling import is_typo
from tests.store.classifier.reading import ARRIVAL, PRICE, cases, run

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
    "stop texting me at work", "Stop texting me, I bought a car already",
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


# -- review and negation -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), cases(
    ("review", None, "review"),
    # an opt-out word that no rule above explains
    "I'll stop by Friday", "STOP by anytime", "We have got to STOP this terrible bill",
    "please stop by friday",
    "cancel my service appointment", "Can you cancel my appointment?", "cancel it",
    "when does the sale end", "EnD of the month?", "can I quit the lease early",
    "is the alto trim available", "el precio baja?", "Thanks!\nStop by Friday",
    "I didn't say stop", "If not, cancel.", "stp texting me at work", "start stop",
    "Stopp by the store",
    # words and phrases a person should judge
    "not interested", "Not interested, thanks", "no longer interested",
    "who is this? how did you get my number", "How did you get this number??",
    "don't call me", "do not call", "this is spam", "I never signed up for this",
    "I'm calling my lawyer", "no me interesa",
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


# -- peers' complaints (compliance.md section 9) ------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # ProgressiveCoders/Spoke#1016: STOP inside a sentence is no opt-out by itself
    ("We have got to STOP this terrible bill", ("review", None, "review")),
    # p2pu/learning-circles#593: a polite STOP was missed
    ("Stop. Thank you", ("opt_out", "all", "keyword_with_filler")),
    # medic/cht-core#476: STOP followed by something else
    ("STOP 12345", ("opt_out", "all", "starts_with_stop")),
    # DeskcommCRM#435: "don't send me more charges" is no opt-out; no opt-out word, so nothing
    # for review either (SPEC section 4: a request to stop what is not texting)
    ("no me manden más cobros", ("none", None, "no_match")),
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
    "what's wrong with the texts you sent",
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


def test_a_gap_never_opens_a_pattern():
    with pytest.raises(ValueError, match="gap"):
        PhraseBook(["*2 list"])
    with pytest.raises(ValueError, match="gap"):
        PhraseBook(["take? *2 list"])
