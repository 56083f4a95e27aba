"""Wordings of the four classes issue 9 names (missed revocations, false opt-outs,
over-widened scopes, errors instead of answers), written for these tests and kept apart from
the corpus (corpus/): polite and indirect requests, intensified idioms, shorthand, Spanish,
requests about something that is not texting, scopes with affirmations and pronouns."""

from __future__ import annotations

import pytest

from store.classifier import classify

P, A, ALL = "price_reduction", "new_vehicle_arrival", "all"
CASES = [
# polite / indirect with words between
("Would you mind removing my number from your list?", "opt_out", ALL),
("Could you kindly take me off your texting list", "opt_out", ALL),
("I'd really appreciate it if you'd stop texting me", "opt_out", ALL),
("Please be so kind as to remove me from your contact list", "opt_out", ALL),
("I would like to be removed from your list please", "opt_out", ALL),
("Is there any way you could stop sending me these messages?", "opt_out", ALL),
("Can you please not send me any more texts", "opt_out", ALL),
("I'd prefer not to get any more texts, thanks", "opt_out", ALL),
("Hi, I'd like to unsubscribe from your texts", "opt_out", ALL),
("If you could remove me from the text list that would be great", "opt_out", ALL),
("Please delete my info from your system", "opt_out", ALL),
("kindly cease all text communication", "opt_out", ALL),
("I no longer want to receive these", "opt_out", ALL),
("I don't want to be on your list anymore", "opt_out", ALL),
("please take my name off your list", "opt_out", ALL),
("Please unsubscribe this number", "opt_out", ALL),
("I do not wish to receive further texts", "opt_out", ALL),
("no longer interested in receiving texts from you", "opt_out", ALL),
("I want off this list", "opt_out", ALL),
("Kindly refrain from texting me", "opt_out", ALL),
("I do not want any more text messages from you guys", "opt_out", ALL),
("Please cease and desist all texts", "opt_out", ALL),
("please opt-out this number", "opt_out", ALL),
("Can I get off this texting list?", "opt_out", ALL),
("I want off the waiting list", "review", None),
# idioms with intensifiers
("Leave me the f alone", "opt_out", ALL),
("Stop texting me for god's sake", "opt_out", ALL),
("quit freaking texting me", "opt_out", ALL),
("Stop f***ing texting me", "opt_out", ALL),
("Please for the love of god stop texting me", "opt_out", ALL),
("get lost", "opt_out", ALL),
("lose this number", "opt_out", ALL),
("do NOT ever text me again", "opt_out", ALL),
("I'm so done with these texts", "opt_out", ALL),
("Enough already with the texts!!", "opt_out", ALL),
("Quit spamming me", "opt_out", ALL),
("stop blowing up my phone", "opt_out", ALL),
("Knock it off", "opt_out", ALL),
("Take a hint and stop texting", "opt_out", ALL),
("Dude. Stop. Texting. Me.", "opt_out", ALL),
# shorthand
("pls no more txts", "opt_out", ALL),
("unsub pls", "opt_out", ALL),
("stop txtin me", "opt_out", ALL),
("no mas msjs", "opt_out", ALL),
("remove pls", "opt_out", ALL),
# spanish / spanglish
("Por favor ya no me manden mensajes", "opt_out", ALL),
("Ya no quiero recibir sus mensajes", "opt_out", ALL),
("Sáquenme de su lista por favor", "opt_out", ALL),
("please no me manden texts", "opt_out", ALL),
("ya no me textees", "opt_out", ALL),
("no quiero mas mensajes de price drop", "opt_out", P),
# false opt-outs -> review / none
("Please stop sending me the paperwork, I signed it already", "review", None),
("Can you cancel my service appointment tomorrow", "review", None),
("I want to cancel the extended warranty", "review", None),
("Unsubscribe me from the emails please, texts are ok", "review", None),
("Stop the autopay on my account", "review", None),
("please opt me out of the gap insurance", "review", None),
("I need to end my lease early", "review", None),
("Quit calling my work number about the recall", "review", None),
("Stop by tomorrow and we will have it ready?", "review", None),
("Remove me from the waiting list for the Tacoma", "review", None),
("Cancel the order for the floor mats", "review", None),
("stop the car from beeping", "review", None),
("Please remove the pinstripe", "none", None),
("The car won't stop pulling to the left", "none", None),
# scoped with affirmation
("Stop price drop alerts please. I still want to hear about new arrivals", "opt_out", P),
("No more price drop texts, but the service reminders are fine", "opt_out", P),
("Please stop the new arrival texts; keep the others coming", "opt_out", A),
("STOP NEW ARRIVALS but keep sending me deals", "opt_out", A),
("Unsubscribe from price reductions only", "opt_out", P),
("I only want to stop the price drop alerts, everything else is ok", "opt_out", P),
("stop price drops. other texts fine", "opt_out", P),
# pronoun back
("The new arrival alerts are too much, please stop them", "opt_out", A),
("You keep sending price drop texts. I don't want them", "opt_out", P),
("Got your price drop alert again. Please stop those.", "opt_out", P),
("new arrivals texts - stop them please", "opt_out", A),
("those price reduction messages? no more please", "opt_out", P),
("I get the new vehicle alerts every day. Make them stop", "opt_out", A),
# widening
("STOP PRICE DROP and all the other texts too", "opt_out", ALL),
("stop price drops and everything else", "opt_out", ALL),
("Stop the price drop texts and the promos", "opt_out", ALL),
# ordinary / negations
("Don't stop the price drop alerts, I love them", "none", None),
("When does the sale end?", "review", None),
("yes please keep sending me deals", "none", None),
("Can you send me the price on the red one", "none", None),
("", "none", None),
]


@pytest.mark.parametrize(("text", "intent", "scope"), CASES, ids=[c[0][:50] for c in CASES])
def test_the_request_is_read_not_the_words(text, intent, scope):
    result = classify(text)
    assert (result.intent, result.scope) == (intent, scope), result.rule
