"""Read one inbound text as opt out, opt in, help, review or none (SPEC section 4).

classify() never raises and never looks anything up: the caller says whether a YES would be
an opt-in, and applies the result. One pipeline, one module a stage, in this order:

  normalize.py  fold case, accents, quotes, emoji; words that remember where they stand
  clauses.py    sentences, clauses and parts
  requests.py   the requests in them: an opt-out word leading a text or a piece (leads.py),
                revocations in words (phrasebook.py matches patterns.py; spelling.py knows
                STOP's typos), negation.py, reviews
  scope.py      what each request is about: an automation, all texts, or not texting
  decide.py     one answer for the whole text
  lexicon.py, patterns.py   the words and phrases read (data only)

`rule` names what decided; it is stored on the consent event with VERSION, and `spans` are
the characters of the words that decided, shown in bold in Slack.

opt_out (scope "all" unless said otherwise)
  keyword                   the whole text is an opt-out word: STOP, STOPALL, STOP ALL,
                            UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, BAJA, ALTO, PARAR,
                            CANCELAR
  keyword_with_filler       an opt-out word with only filler around it ("Stop please")
  starts_with_stop          the text starts with STOP and goes on ("stop texting me at work"),
                            unless what follows is not texting ("STOP by anytime": review)
  keyword_line              a line, sentence or cut-off clause of a longer text is an opt-out
                            word, filler allowed ("Thanks for the info\\nSTOP")
  typo                      the whole text (filler allowed) is STOP misspelled (STOPP, STP,
                            SOTP, not SHOP) or a listed misspelling (UNSUSCRIBE)
  natural_language          a revocation in words ("would you mind taking me off your list",
                            "leave me the hell alone", "no más mensajes", "wrong number")
  scoped_keyword            an opt-out word naming exactly one automation ("STOP PRICE DROP",
                            "please stop sending me the price drop texts")
  scoped_natural_language   a revocation in words naming one automation, or pointing back to
                            one named earlier ("I keep getting price drop alerts. Please stop
                            sending them")
  keyword_widened           an opt-out word with another kind of texts, two automations, or
                            one and more ("STOP DEALS", "STOP PRICE DROP and everything")
  natural_language_widened  the same, from a revocation in words
opt_in
  keyword                   START, UNSTOP or SUBSCRIBE is the whole text; scope "all"
  keyword_with_filler       the same with filler ("Start again")
  scoped_keyword            START <keyphrase>: that automation, never widened
  yes_in_context            YES (filler allowed) when the caller says YES means opt in
help
  help                      HELP or INFO, filler allowed
review
  review                    an opt-out word no rule explains ("I'll stop by Friday"), a request
                            to stop something that is not texting ("cancel my warranty"), or
                            words a person should judge ("how did you get my number")
none
  negation                  every opt-out word or phrase is negated ("don't stop sending deals")
  scoped_start_unknown      START with a scope naming no automation, or two ("START DEALS")
  yes_without_context       YES when the caller says YES does not mean opt in
  empty                     nothing is left after normalizing (a picture, emoji, a blank)
  no_match                  nothing above matched ("help me find a truck")

A scope is read up to a contrast ("but keep the rest") and never from a later sentence that
affirms other texts ("The other texts are fine").
"""

from store.classifier.decide import VERSION, Classification, classify

__all__ = ["VERSION", "Classification", "classify"]
