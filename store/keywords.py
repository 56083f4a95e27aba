"""The words and phrases the inbound-text classifier reads (data only; SPEC section 4).

Entries are compared with the words of a normalized text (store.normalize): lower case, no
accents, no apostrophes ("Don’t" is "dont", "más" is "mas"), "opt out" written "optout". Any
change here changes how texts are read: bump store.classifier.CLASSIFIER_VERSION with it
(tests/store/test_classifier.py holds a fingerprint of these lists per version).

The phrase patterns live in store.patterns and are imported here, so that this module's
fingerprint covers every list the classifier reads; their {slot}s are the SLOTS below.
"""

from __future__ import annotations

from store.patterns import DOUBT_CUES as DOUBT_CUES
from store.patterns import PHRASES as PHRASES
from store.patterns import REVIEW_PHRASES as REVIEW_PHRASES
from store.patterns import WHOLE_MESSAGE_PHRASES as WHOLE_MESSAGE_PHRASES

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
# A word of a keyphrase names texts when one of these follows: "stop price drop and arrival
# alerts", "... and new cars" widen; "... I bought a new truck" does not.
KIND_NOUNS = NAMING_NOUNS | MESSAGES_IN_GENERAL | {
    "cars", "trucks", "suvs", "inventory", "listings", "models", "deals", "offers",
}
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

# A revocation whose words name one of these is about something else, and goes to review:
# "take me off the waiting list", "remove me from the service appointment list".
OTHER_LISTS = frozenset({
    "waiting", "wait", "waitlist", "service", "appointment", "appointments", "test", "drive",
    "reservation", "reservations", "delivery", "order", "allocation", "build", "priority",
    "loaner", "recall",
})

# With one of DOUBT_CUES anywhere in a text that nothing else matched, these make it a review.
DOUBT_NOUNS = MESSAGE_NOUNS | {"texting", "messaging", "number", "numero", AUTOMATION}
# Words that make a text worth a person's look when no rule above matched.
REVIEW_WORDS = frozenset({
    "remove", "spam", "scam", "harass", "harassing", "harassment", "lawyer", "attorney", "tcpa",
    "fcc", "unsubscribed", "opted",
})
