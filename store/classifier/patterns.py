"""The phrase patterns the classifier reads (data only; SPEC section 4).

Patterns are compared with the words of a normalized text, intensifiers dropped ("leave me
the hell alone" is read "leave me alone"); any change here needs a new VERSION in decide.py
(tests/store/classifier/test_data.py keeps a fingerprint of this and lexicon.py).

A pattern is space-separated elements:
  word       that word              a|b|c    any of these words
  {slot}     any word of store.keywords.SLOTS
  x?         the element may be missing
  *N         up to N words of any kind (never first)
  $          last element: only filler may follow until the end of the clause
"""

from __future__ import annotations

# Revocations anywhere in a clause (FCC (a)(10): what a reasonable person reads as "stop").
# A pattern not starting with a negation is ignored when negated ("don't take me off the list",
# "no me den de baja"); one whose words name store.keywords.OTHER_LISTS is a review.
PHRASES = (
    # lists and numbers
    "{takeverb} me|us off of? {det}? *3 {listword}",  # "take me off your VIP list"
    "{takeverb} me|us out of {det}? *3 {listword}",
    "{takeverb} my|this|that|our {phonemod}? {num}|name|names off|out",
    "{takeverb} me|us off $",  # "would you mind taking me off"
    "{be}? {taken} off|from {det}? *3 {listword}",  # "can I be taken off the list"
    "{be} {taken} $",
    "{erase} me from {det}? *3 {listword}",
    "{erase} me|us from {det}? {more}? *1 {anymsgs}",
    "remove me $",
    "delete me $",
    "{erase} my|this|that {phonemod}? {num}",
    "unsubscribe me",
    "unsubscribe {det} {phonemod}? {num}",
    # don't text me
    "{neg} ever? {textverb} me",
    "{neg} ever? {textverb} my|this|that {phonemod}? {num}",
    "{neg} ever? send me {det}? {more}? {anymsgs}",
    "{neg} ever? send me anything",
    "{neg} {want} {det}? {more}? *1 {anymsgs}",
    "{neg} {want} to {receive} {det}? {more}? {anymsgs}",
    "{neg} {want} to {receive} them|these|those|anything|any|em $",
    "{neg} {want} them|these|those|em $",  # "price drop texts again. I don't want them"
    "{neg} {want} to be on {det}? *2 {listword}",
    "nolonger|not interested in {receive} {det}? {more}? {anymsgs}",
    "not send|text me {det}? {more}? {anymsgs}",
    "{stopverb} {det}? text|texting|sms communication|communications|contact|messaging",
    "rather|prefer not {receive}|be|to",
    "prefer|rather to? not {receive} {det}? {more}? {anymsgs}",
    "{neg} {want} to be {textedverb}",
    "{neg} {want} {you} to ever? {textverb} me",
    "can|could|would|will {you} please? just? not ever? {textverb} me $",
    "dont|nolonger consent $",
    "dont|nolonger consent to {receive}? {det}? {more}? {anymsgs}",
    "dont|nolonger consent to be|being {textedverb}",
    "done|finished with {det}? {more}? {anymsgs}",
    "done|finished with {det}? texting|messaging|spam|spamming",
    # stop texting me
    "{stopverb} {sendverb}",
    "{stopverb} {callverb} me? and|or|nor? {sendverb}|{anymsgs}",
    "{you} can|could|may stop $",
    "can|could|would|will|cant|wont|couldnt|wouldnt {you} please? just? stop $",
    "{stopverb} {receive} {det}? {more}? {anymsgs}",
    "{stopverb} with {det}? {anymsgs}",
    "{stopverb} {det}? {anymsgs}",
    "{optverb} from? {det}? {more}? {anymsgs}",
    "please stop $",
    "just stop $",
    "stop it $",
    "{stopverb} {sendverb}? them|those|these|em $",  # "those arrival texts, please stop them"
    # a verb of ending with texts as its object, a few words on: "discontinue the price drop
    # messages", "disable the new arrivals notifications for my number"
    "{endverb} me|us? from|of? {det}? {more}? *2 {anymsgs}",
    "{endverb}|{turnverb} {pron} off? $",  # "please discontinue them", "shut that off"
    "remove|delete|unsubscribe|take me|us from|off {pron}",
    "{takeverb} me|us off {det}? {more}? *1 {anymsgs}",
    "be {taken} from|off {det}? {more}? *2 {anymsgs}",
    "want|wanna|need out of? {det}? *2 {anymsgs}|{listword}",
    "{want} off|out of? {det}? *2 {anymsgs}|{listword}",  # "I want off this list"
    "get|getting off of? {det}? *3 {listword}",  # "can I get off this texting list"
    "refrain|desist from {sendverb}|{textverb}",
    "cease and desist",
    "optout|unsubscribe {det}? {phonemod}? {num}",
    "{anymsgs} can|could|should|must|need to? stop|go|end $",  # "the price drop texts can go"
    "{want}|like|need {pron} to stop|end $",  # "I'd like those to stop"
    "{you} to stop|quit|end {pron}",  # "I'm gonna need you to stop that"
    "all set|good|done on|with {det}? {more}? {anymsgs}",
    "all set|good|done on|with {pron} $",
    "not|nolonger interested in {det}? {more}? *1 {anymsgs}",
    "{neg} {sendverb}|send|text me? {det}? {more}? {anymsgs}",
    "{neg} send me any|no more $",
    "prefer|rather {you} not {textverb} me",
    "mind not {textverb} me",
    "mind nolonger {sendverb} me? {det}? {more}? {anymsgs}",
    "{turnverb} off {det}? {more}? {anymsgs}",  # "turn off the price drop alerts"
    "{turnverb} {det}? {more}? {anymsgs} off",
    "{turnverb} them|those|these|it|em off",
    "enough with|of {det}? {more}? {anymsgs}",
    "sick|tired of {det}? {more}? {anymsgs}",
    "no more of? {pron} $",
    "no more $",
    "knock|cut it off|out",
    "appreciate it? if {you} stopped|quit|ceased {sendverb}",
    "{want}|like {you} to not|never {textverb} me",
    "quit|stop blowing up my {phonemod}?",
    "lose|delete|forget|erase this|my {phonemod}? #|number",
    "make it|this|them stop $",
    "no more {det}? {anymsgs}",
    "no more of {det} {anymsgs}",
    "no more {sendverb}",
    "leave me alone|be",
    "wrong number|person|phone|num|cell|guy|girl|lady",
    "number|phone|cell belongs|belonged to a? {owner}",
    "number|phone|cell is? nolonger",
    "nolonger {det}? *1 {phonemod}? number|phone|cell",  # "this is no longer Maria's number"
    # opting out in so many words
    "i optout",
    "opt me out",
    "{want} to optout|unsubscribe",
    "id|would like to optout|unsubscribe",
    "{want}|like to be removed|unsubscribed $",
    "wanna optout|unsubscribe",
    "how do|can|to i? optout|unsubscribe",
    "i revoke|withdraw",
    "revoke|withdraw {det}? consent",
    "i already? opted out",
    "already opted out",
    "i already? unsubscribed",
    "i said stop",
    "i meant|mean to? say|type|write|send? {optword} $",
    "i said to stop",
    "said stop",
    "told {you}? to stop",
    "asked {you}? to stop",
    # Spanish
    "no mas {es_det}? {anymsgs}",
    "no me {es_send} mas? {es_det}? {anymsgs}",
    "no me {es_send} nada",
    "no me {es_send} mas $",
    "no me {es_write}",
    "no me vuelvan|vuelva|vuelvas a {es_sendinf}|escribir|mandar|enviar",
    "no {es_pron} quiero|necesito|queremos",  # "las alertas de price drop, ya no las quiero"
    "quitenlas|quitenlos|quitelas|quitelos|borrenlas|borrenlos|cancelenlas|cancelenlos",
    "no {es_send} mas? {es_det}? mensaje|mensajes|texto|textos",
    "no {es_want} recibir? mas? {es_det}? {anymsgs}",
    "no {es_sendinf} mas? {es_det}? {anymsgs}",
    "no {es_sendinf} mas $",
    "no {es_want} que me {es_write}|{es_send}",
    "numero equivocado|incorrecto",
    "equivocado|equivocados|equivoco|equivocaron de numero",
    "{es_give} de baja",
    "{es_stop} de {es_sendinf}",
    "{es_erase} {es_det}? numero",
    "{es_off} de {es_det}? lista",
    "quiero|quisiera salir de {es_det}? lista",
    "dejenme|dejame|dejeme en paz",
    "cancelar|cancelen|parar {es_det}? {anymsgs}",
    "cancelar|cancela|cancelen|cancele {es_det}? suscripcion|subscripcion $",
)

# These name no texts of their own: after one automation was named in the text they point back
# to it ("those price reduction messages? no more please"), as a pronoun does.
ELLIPTICAL = frozenset({"no more $", "stop it $", "make it|this|them stop $", "enough",
                        "{neg} send me any|no more $", "{stopverb} {sendverb}",
                        "no {es_pron} quiero|necesito|queremos",
                        "quitenlas|quitenlos|quitelas|quitelos|borrenlas|borrenlos|cancelenlas|"
                        "cancelenlos"})

# These say "it" or "those" and nothing else: with nothing named before them to point back to
# ("cancel it") they go to review, never to an opt-out.
NEEDS_ANTECEDENT = frozenset({
    "{endverb}|{turnverb} {pron} off? $", "remove|delete|unsubscribe|take me|us from|off {pron}",
    "{want}|like|need {pron} to stop|end $", "{you} to stop|quit|end {pron}",
    "all set|good|done on|with {pron} $", "{neg} {want} them|these|those|em $",
    "no {es_pron} quiero|necesito|queremos", "{turnverb} them|those|these|it|em off",
    "quitenlas|quitenlos|quitelas|quitelos|borrenlas|borrenlos|cancelenlas|cancelenlos",
})

# Revocations only when the whole message is the phrase (filler allowed): "no more" is an
# opt-out alone, not in "no more than 20k".
WHOLE_MESSAGE_PHRASES = (
    "remove", "remove me", "delete", "delete me", "take me off", "no more", "enough", "go away",
    "get lost", "fuck off", "f off", "piss off", "back off", "wrong", "no {anymsgs}",
    "{neg} ever? {textverb}",
    "no mas", "ya no mas", "basta", "ya basta",
)

# A person should judge these (review); nothing changes by itself. Not auto-applied because
# they often mean something else ("not interested" in this truck).
REVIEW_PHRASES = (
    "not really? interested",
    "nolonger interested",
    "no interest",
    "how|where did {you} get {det} {phonemod}? {num}",
    "who gave {you} {det} {phonemod}? {num}",
    "dont call",
    "no me interesa",
    "no estoy|estamos interesado|interesada|interesados",
    "como obtuvieron|consiguieron|obtuvo|consiguio|tienen|tiene {es_det} numero",
    # DeskcommCRM#435: "no me manden más cobros" asks not to be sent bills, maybe texts.
    "no me {es_send}",
    "no me llamen",
    # consent disputes
    "never|didnt sign|signed up",
    "never|didnt|not opt|opted in",
    "never|didnt agree|agreed|consent|consented|subscribe|subscribed",
    "never gave {you}? {det} {phonemod}? {num}",
    "dont|nolonger consent|agree",
    "can|could|would|will {you} please? just? not ever? {textverb} me",
    "not|isnt {det}? *1 {phonemod}? number|phone|cell $",
    # complaints: "you guys won't stop texting me", "no paran de mandarme mensajes"
    "{you}|they wont|cant|never|dont stop {sendverb}",
    "no paran|dejan|para|deja de {es_sendinf}",
)
# A person should also judge a text that uses one of these and one of store.keywords.DOUBT_NOUNS
# anywhere, when nothing else matched: "I no longer need your number", "wrong for these texts".
DOUBT_CUES = ("nolonger", "done|finished with", "dont|not consent", "wrong", "belongs to")
