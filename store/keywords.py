"""The words and phrases the inbound-text classifier reads (data only; SPEC section 4).

Entries are compared with the words of a normalized text (store.normalize): lower case, no
accents, no apostrophes ("Don’t" is "dont", "más" is "mas"), "opt out" written "optout". Any
change here changes how texts are read: bump store.classifier.CLASSIFIER_VERSION with it
(tests/store/test_classifier.py holds a fingerprint of these lists per version).

Phrase patterns (PHRASES, WHOLE_MESSAGE_PHRASES, REVIEW_PHRASES) are space-separated elements:
  word       that word              a|b|c    any of these words
  {slot}     any word of SLOTS      x?       the element may be missing
  $          last element: only filler may follow until the end of the clause
"""

from __future__ import annotations

# Stands for one mention of a registered automation ("price drop texts"); see store.phrases.
AUTOMATION = "@automation"

# Opt-out words (FCC 47 CFR 64.1200(a)(10), CTIA, Twilio, Spanish). "stop all" is two words.
OPT_OUT_WORDS = (
    "stop all", "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
    "baja", "alto", "parar", "cancelar",
)
# These name every text themselves: "STOPALL PRICE DROP" widens to all.
MEANS_ALL = frozenset({"stop all", "stopall"})
# A text starting with one of these is an opt-out whatever follows (SPEC: "starts with STOP").
STARTS_WITH_STOP = frozenset({"stop", "stopall"})
# Alone in a clause cut off by a comma, colon, dash or parenthesis, these (and STOP typos) opt
# out: "I bought a car, STOP". CANCEL, END, QUIT stay for review there ("If not, cancel.").
CLAUSE_KEYWORDS = frozenset({"stop", "stopall", "unsubscribe", "optout", "revoke", "baja"})
OPT_IN_WORDS = frozenset({"start", "unstop", "subscribe"})
HELP_WORDS = frozenset({"help", "info", "ayuda", "informacion"})
# YES opts in only when the caller says so (SPEC section 4); "si" for Spanish speakers.
YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "si"})

# Words that may surround a keyword without changing what it asks for.
FILLER = frozenset({
    # courtesy and emphasis
    "please", "kindly", "thanks", "thank", "you", "ty", "ok", "okay", "k", "hi", "hello", "hey",
    "just", "now", "right", "asap", "immediately", "already", "again", "anymore", "forever",
    "permanently", "completely", "sir", "maam", "guys", "yall", "folks", "lol", "oh", "so",
    "much", "very", "bye", "goodbye",
    # who and what
    "me", "us", "my", "our", "your", "the", "these", "those", "all", "any", "from", "to", "of",
    "about", "for", "on", "with", "and", "or", "number", "phone", "list", "subscription",
    # messages and sending them
    "texts", "text", "texting", "messages", "message", "messaging", "sms", "alerts", "alert",
    "notifications", "notification", "sending", "contacting", "receiving", "getting",
    # widening words are filler too, until a scope is named
    "everything", "anything", "else", "other", "others", "everyone", "everybody",
    # Spanish
    "por", "favor", "porfavor", "porfa", "gracias", "ya", "ahora", "hola", "mensajes", "mensaje",
    "textos", "texto", "todo", "todos", "todas", "de", "mi", "mis", "los", "las", "la", "el",
    "suscripcion", "subscripcion",
})
# Around an opt-out word these are filler too: "HELP STOP", "yes please stop", "no, stop".
OPT_OUT_EXTRA_FILLER = frozenset({"help", "yes", "yeah", "no", "nope", "nah", "si"})
# After a named automation these make the scope wider than it: "STOP PRICE DROP and everything".
WIDENING = frozenset({
    "everything", "anything", "else", "other", "others", "everyone", "everybody", "todo", "todos",
})

# Plural on purpose: "I don't need the text" is about one text, "these texts" about all.
MESSAGE_NOUNS = frozenset({
    "texts", "messages", "sms", "alerts", "notifications", "mensajes", "textos",
    "notificaciones", "alertas",
})
# Words after an automation's keyphrase that are part of naming it: "price drop alerts".
NAMING_NOUNS = MESSAGE_NOUNS | {"text", "message", "alert", "notification", "ones", "stuff"}
# Texts in general, named later than an automation, widen its scope: "STOP PRICE DROP texting
# me at work". Other words after it do not ("STOP PRICE DROP!!! I bought one").
MESSAGES_IN_GENERAL = MESSAGE_NOUNS | {"text", "texting", "message", "messaging"}
# Kinds of texts a client may name that are no registered automation: "STOP DEALS" widens.
PROMOTION_NOUNS = frozenset({
    "deals", "offers", "specials", "promos", "promotions", "promotional", "marketing", "ads",
    "advertisements", "advertising", "coupons", "newsletters", "updates", "surveys", "campaigns",
    "spam", "ofertas", "promociones", "publicidad", "anuncios",
})
SCOPE_WORDS = PROMOTION_NOUNS | {
    "reminders", "reminder", "deal", "offer", "special", "promo", "promotion", "ad", "coupon",
    "newsletter", "update", "survey", "campaign", "oferta", "promocion", "anuncio",
}

# Negation of the word that follows (within a few NEGATION_GAP words): "don't ever stop".
NEGATIONS = frozenset({
    "dont", "never", "not", "cant", "cannot", "wont", "didnt", "doesnt", "shouldnt", "wouldnt",
    "nolonger", "nunca", "jamas",
})
NEGATION_GAP = frozenset({
    "ever", "please", "you", "guys", "yall", "just", "even", "to", "want", "wanna", "need", "i",
    "we", "really", "gonna", "going",
})
# "why don't you stop texting me" asks to stop.
RHETORICAL = frozenset({"why"})
# So does one of these followed by "you": "can't you just stop", "won't you stop texting me".
RHETORICAL_ASKS = frozenset({"cant", "cannot", "wont", "couldnt", "wouldnt"})
# Spanish: "no" (a few of ES_NEGATION_GAP between) before a verb in ES_NEGATABLE negates it:
# "no me den de baja", "no quiero salir de la lista". Only subjunctive and infinitive forms:
# "no, dame de baja" is an opt-out, and "no me dan de baja" ("they won't") a complaint.
ES_NEGATIONS = frozenset({"no", "nunca", "jamas"})
ES_NEGATION_GAP = frozenset({
    "me", "nos", "les", "le", "quiero", "queremos", "quisiera", "deseo", "que", "por", "favor",
    "porfavor", "porfa",
})
ES_NEGATABLE = frozenset({
    "den", "des", "dar", "darme", "darnos", "dejen", "deje", "dejes", "paren", "pare", "pares",
    "parar", "borren", "borre", "borres", "borrar", "eliminen", "elimine", "eliminar", "quiten",
    "quite", "quites", "quitar", "cancelen", "cancele", "canceles", "cancelar", "quiero",
    "quisiera", "deseo", "queremos",
})
# Words that stop something; "I don't want the texts to stop" negates them.
STOPPING = frozenset({
    "stop", "stopping", "stopped", "end", "ending", "quit", "cancel", "unsubscribe", "optout",
})

# Respellings folded into one word before matching.
TOKEN_ALIASES = {
    "pls": "please", "plz": "please", "plez": "please", "pleas": "please", "plse": "please",
    "plss": "please", "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "tnx": "thanks",
    "u": "you", "ur": "your", "yr": "your", "txt": "text", "txts": "texts", "txting": "texting",
    "tx": "text", "msg": "message", "msgs": "messages", "mssg": "message", "msj": "mensaje",
    "msjs": "mensajes", "donot": "dont", "dnt": "dont", "cellphone": "phone",
}
TOKEN_PAIRS = {
    ("do", "not"): "dont", ("does", "not"): "doesnt", ("did", "not"): "didnt",
    ("will", "not"): "wont", ("can", "not"): "cannot", ("opt", "out"): "optout",
    ("no", "longer"): "nolonger",
}

# Typos. A whole message that is STOP with a letter doubled, missing, or two adjacent letters
# swapped is an opt-out, unless the result is one of these real words.
TYPO_OF = "stop"
NOT_TYPOS = frozenset({
    "top", "sop", "spot", "tops", "pots", "post", "opts", "step", "shop", "slop", "stomp", "stow",
    "atop",
})
# Frequent misspellings of other opt-out words, read like a STOP typo.
MISSPELLINGS = frozenset({
    "unsub", "unsubscibe", "unsuscribe", "unsubcribe", "unsubscrib", "unsubsribe", "unsubscirbe",
    "usubscribe", "unsubscriibe", "cancle", "cancell", "stopal", "st0p",
})

SLOTS = {
    "det": ("the", "these", "those", "this", "that", "your", "my", "any", "all", "yalls", "no",
            "such", "them"),
    "more": ("more", "anymore", "further", "other"),
    "msgs": (*sorted(MESSAGE_NOUNS), AUTOMATION),
    "anymsgs": (*sorted(MESSAGE_NOUNS | PROMOTION_NOUNS), AUTOMATION),
    "neg": ("dont", "never", "nolonger"),
    "textverb": ("text", "texting", "message", "messaging", "contact", "contacting", "sms",
                 "bother", "bothering", "spam", "spamming", "harass", "harassing"),
    "textedverb": ("texted", "contacted", "messaged", "bothered", "spammed", "harassed"),
    "sendverb": ("sending", "texting", "messaging", "contacting", "bothering", "spamming",
                 "harassing", "text", "message", "contact", "send", "sms"),
    "stopverb": ("stop", "quit", "cease"),
    "optverb": ("cancel", "end", "quit", "unsubscribe", "cancelar", "parar"),
    "receive": ("receive", "recieve", "get", "receiving", "recieving", "getting"),
    "want": ("want", "wanna", "wish", "need"),
    "listmod": ("texting", "text", "mailing", "messaging", "message", "sms", "contact", "call",
                "calling", "marketing", "email", "sending", "distribution", "subscriber",
                "subscription", "phone", "automated", "promo", "promotional", "customer"),
    "listword": ("list", "lists", "system", "database", "contacts", "roster"),
    "phonemod": ("phone", "cell", "mobile", "telephone"),
    "num": ("number", "numbers", "phone", "cell", "info", "information", "contact", "digits"),
    "erase": ("lose", "delete", "remove", "erase", "forget", "scratch", "drop"),
    "you": ("you", "yall", "guys"),
    "callverb": ("calling", "calls", "call", "phoning", "emailing", "emails", "email", "ringing"),
    "optword": ("stop", "stopall", "unsubscribe", "optout", "baja"),
    "owner": ("someone", "somebody", "another", "new", "different"),
    # Spanish
    "es_det": ("la", "las", "el", "los", "su", "sus", "tu", "tus", "mi", "mis", "esta", "este",
               "estos", "estas", "esos", "esas"),
    "es_send": ("manden", "envien", "mande", "envie", "mandes", "envies", "manda", "envia",
                "mandan", "envian"),
    "es_write": ("escriban", "escribas", "escriba", "contacten", "contactes", "contacte",
                 "molesten", "molestes", "moleste", "textees", "texteen"),
    "es_stop": ("dejen", "deja", "deje", "dejes", "paren", "para", "pare"),
    "es_sendinf": ("enviar", "enviarme", "mandar", "mandarme", "escribir", "escribirme",
                   "contactar", "contactarme", "molestar", "molestarme", "textear",
                   "textearme"),
    "es_give": ("dame", "denme", "darme", "den", "doy", "dar", "deme", "dan"),
    "es_erase": ("borren", "borra", "borre", "borrar", "eliminen", "elimina", "elimine",
                 "eliminar", "quiten", "quita", "quite", "quitar"),
    "es_off": ("quitenme", "quitame", "quiteme", "sacame", "saquenme", "saqueme", "sacarme",
               "quitarme", "borrenme", "eliminenme"),
    "es_want": ("quiero", "deseo", "queremos"),
}

# Revocations anywhere in a clause (FCC (a)(10): what a reasonable person reads as "stop").
# A pattern not starting with a negation is ignored when negated ("don't take me off the list").
PHRASES = (
    # lists and numbers
    "take me off of? {det}? *3 {listword}",  # "take me off your VIP list"
    "take me out of {det}? *3 {listword}",
    "take my|this|that {phonemod}? {num} off",
    "{erase} me from {det}? *3 {listword}",
    "{erase} me from {det}? {more}? {anymsgs}",
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
    "{neg} {want} {det}? {more}? {msgs}",
    "{neg} {want} to {receive} {det}? {more}? {msgs}",
    "{neg} {want} to be {textedverb}",
    "{neg} {want} {you} to ever? {textverb} me",
    "{you} please? just? not ever? {textverb} me $",
    "dont|nolonger consent $",
    "dont|nolonger consent to {receive}? {det}? {more}? {anymsgs}",
    "dont|nolonger consent to be|being {textedverb}",
    "done|finished with {det}? {more}? {anymsgs}",
    "done|finished with {det}? texting|messaging|spam|spamming",
    # stop texting me
    "{stopverb} {sendverb}",
    "{stopverb} {callverb} me? and|or|nor? {sendverb}|{anymsgs}",
    "{you} can|could|may stop $",
    "can|could|would|will {you} please? just? stop $",
    "{stopverb} {receive} {det}? {more}? {anymsgs}",
    "{stopverb} with {det}? {anymsgs}",
    "{stopverb} {det}? {anymsgs}",
    "{optverb} from? {det}? {more}? {anymsgs}",
    "please stop $",
    "just stop $",
    "stop it $",
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
    "{you} please? just? not ever? {textverb} me",
    "not|isnt {det}? *1 {phonemod}? number|phone|cell $",
)
# A person should also judge a text that uses one of DOUBT_CUES and one of DOUBT_NOUNS anywhere,
# when nothing else matched: "I no longer need your number", "something is wrong with these texts".
DOUBT_CUES = ("nolonger", "done|finished with", "dont|not consent", "wrong", "belongs to")
DOUBT_NOUNS = MESSAGE_NOUNS | {"texting", "messaging", "number", "numero", AUTOMATION}
# Words that make a text worth a person's look when no rule above matched.
REVIEW_WORDS = frozenset({
    "remove", "spam", "scam", "harass", "harassing", "harassment", "lawyer", "attorney", "tcpa",
    "fcc", "unsubscribed", "opted",
})
