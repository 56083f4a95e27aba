"""The words the classifier reads (data only; SPEC section 4). The phrase patterns are in
patterns.py, whose {slot}s are the SLOTS below.

Entries are compared with the words of a normalized text (normalize.py): lower case, no
accents, no apostrophes ("Don’t" is "dont", "más" is "mas"), "opt out" written "optout". Any
change here or in patterns.py changes how texts are read: bump VERSION in decide.py with it
(tests/store/classifier/test_data.py holds a fingerprint of both per version).
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

# Words that only add force, dropped before requests are sought: "leave me the hell alone",
# "quit f***ing texting me", "I would really appreciate it".
INTENSIFIERS = frozenset({
    "hell", "heck", "fuck", "fucking", "fuckin", "freaking", "freakin", "frickin", "friggin",
    "effing", "fing", "damn", "damned", "goddamn", "goddamned", "bloody", "dang", "darn",
    "flipping", "flippin", "literally", "seriously", "honestly", "truly", "kindly",
    "politely", "respectfully", "sincerely", "totally", "absolutely", "effin", "frigging",
})
# "the" before these is part of the intensifier: "leave me the hell alone", "the f alone".
INTENSIFIER_NOUNS = frozenset({"hell", "heck", "fuck", "f", "eff"})
# A request's scope is read up to the first of these: what follows affirms or excepts
# ("stop the price drop texts but keep the rest coming", "STOP PRICE DROP. The others are
# fine") and never widens it.
CONTRAST = frozenset({
    "but", "though", "although", "however", "except", "besides", "pero", "excepto", "menos",
})
# A later sentence with one of these affirms other texts; one without may widen a request
# ("STOP PRICE DROP. And everything else").
AFFIRM = frozenset({
    "fine", "ok", "okay", "good", "great", "welcome", "keep", "continue", "coming", "still",
    "love", "like", "enjoy", "appreciate", "want", "rest", "helpful", "useful", "alright",
    "happy", "bien", "sigan", "seguir", "sigue", "quiero",
})
# An object that points back to texts named earlier: "those new arrival texts, stop them".
PRONOUNS = frozenset({
    "them", "those", "these", "that", "it", "em", "ones", "los", "las", "lo", "la",
})
# Within a clause these end a request's scope as a contrast does: "no more PRICE DROP please,
# keep everything else", "STOP NEW ARRIVALS still send me deals".
KEEP = frozenset({"keep", "still", "sigan", "sigue"})
# A bare "stop sending" after an automation was named points back to it; "stop texting me"
# names texting itself and does not.
ELLIPTICAL_AFTER_STOP = frozenset({"sending", "send", "them", "those", "that", "it"})
# What a stop, cancel or opt out may be about that is not texting (SPEC section 4): the request
# goes to review (or is nothing without an opt-out word), never to a locked opt-out.
NOT_TEXTING = frozenset({
    # products, services, paperwork and money
    "warranty", "warranties", "plan", "plans", "coverage", "insurance", "policy", "membership",
    "appointment", "appointments", "service", "services", "order", "orders", "payment",
    "payments", "autopay", "loan", "lease", "financing", "application", "app", "check",
    "cheque", "paperwork", "papers", "contract", "reservation", "delivery", "registration",
    "roadside", "assistance", "protection", "trial", "account", "card", "claim", "recall",
    "sirius", "siriusxm", "xm", "radio", "onstar", "wifi", "hotspot", "tires", "detailing",
    "maintenance", "oil", "repair", "repairs", "job", "smoking", "drinking",
    "clause", "arbitration", "terms", "quote", "charges", "fees", "bill", "bills",
    "invoice", "invoices", "statement", "statements", "address",
    # a vehicle and what it does
    "car", "truck", "vehicle", "suv", "engine", "noise", "noises", "leak", "leaking", "dent",
    "brakes", "brake", "alarm", "light", "beeping", "squeaking", "rattle", "process", "sale",
    # Spanish
    "cita", "garantia", "seguro", "pago", "pagos", "prestamo", "servicio", "carro", "coche",
    "camioneta", "cobros", "cobro", "facturas", "factura", "cuenta", "cuentas", "recibos",
})
# Other channels: named first in an object they make it about them ("stop the email
# newsletters", "unsubscribe me from the emails, texting is fine").
OTHER_CHANNELS = frozenset({
    "brochure", "brochures", "mail", "mailings", "mailers", "letter", "letters", "catalog",
    "catalogs", "catalogue", "flyer", "flyers", "postcard", "postcards", "email", "emails",
    "emailing", "magazine", "magazines", "correo", "correos", "cartas", "carta",
})
# After STOP these make it a visit or another act, not a request to stop texting:
# "STOP by anytime", "stop in Friday", "stop mailing me".
NOT_TEXTING_AFTER_STOP = frozenset({
    "by", "in", "over", "at", "mailing", "emailing", "charging", "billing", "worrying",
})

# Negation of the word that follows (within a few NEGATION_GAP words): "don't ever stop".
NEGATIONS = frozenset({
    "dont", "never", "not", "cant", "cannot", "wont", "didnt", "doesnt", "shouldnt", "wouldnt",
    "nolonger", "noneed", "nunca", "jamas",
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
    "msjs": "mensajes", "rmv": "remove", "rmove": "remove", "donot": "dont", "dnt": "dont",
    "cellphone": "phone", "txtin": "texting", "textin": "texting", "txtn": "texting",
    "mo": "more", "xfa": "porfavor", "m": "me", "q": "que",
}
TOKEN_PAIRS = {
    ("do", "not"): "dont", ("does", "not"): "doesnt", ("did", "not"): "didnt",
    ("will", "not"): "wont", ("can", "not"): "cannot", ("opt", "out"): "optout",
    ("no", "longer"): "nolonger", ("un", "subscribe"): "unsubscribe",
    ("un", "subscribed"): "unsubscribed", ("un", "stop"): "unstop", ("e", "mail"): "email",
    ("e", "mails"): "emails", ("no", "need"): "noneed",
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
    "more": ("more", "anymore", "further", "other", "future", "these", "those"),
    "msgs": (*sorted(MESSAGE_NOUNS), AUTOMATION),
    "be": ("be", "get", "getting", "being"),
    "taken": ("taken", "removed", "deleted", "dropped", "unsubscribed", "erased"),
    "turnverb": ("turn", "switch", "shut", "cut"),
    # verbs of ending something, read with their object: "discontinue the price drop messages"
    "endverb": ("stop", "quit", "cease", "discontinue", "disable", "deactivate", "halt",
                "cancel", "end", "block", "unsubscribe", "kill", "drop", "remove", "delete"),
    "pron": ("them", "those", "these", "that", "it", "em", "they"),
    "es_pron": ("los", "las", "lo", "la"),
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
    "erase": ("lose", "delete", "remove", "erase", "forget", "scratch", "drop", "losing",
              "deleting", "removing", "erasing", "forgetting", "dropping"),
    "takeverb": ("take", "taking", "took", "get", "getting", "put", "putting"),
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
