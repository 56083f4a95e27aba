"""The consent record of one phone (SPEC section 11): every event with its hashes, and its state.

What a dealership hands its lawyer. make_proof() reads one snapshot of the store and returns
plain JSON values, so the CLI's file, the API's answer and the documents (proof_document.py)
hold the same record. Each event carries its fields by name and `content`, the exact text its
hash covers (store/consent/chain.py): anyone can recompute
SHA-256(prev_hash + "\\n" + content) with any language's standard library, and check that the
named fields are the content's; tools/check_proof.py does it with Python's.
"""

from __future__ import annotations

import json
from datetime import datetime

from store.automations import AUTOMATIONS
from store.clock import now_or, to_aware
from store.consent.chain import (
    CHAIN_FIELDS,
    GENESIS,
    canonical,
    chain_head,
    encode_value,
    link,
)
from store.db import snapshot
from store.models import ConsentEvent, Phone
from store.phones import parse_phone
from store.records.card import load_card

FORMAT = "smsprefs consent record"
VERSION = 1
ALGORITHM = "sha256"
HASH_RULE = ('hash = lowercase hex of SHA-256 over the bytes of prev_hash (64 ASCII hex '
             'digits), one line feed (0x0A), and the UTF-8 bytes of content; the first event '
             'of the store has prev_hash "' + GENESIS + '" (64 zeros)')
CONTENT_RULE = ('content = a JSON array of the event\'s values of `fields`, in that order, '
                'with no spaces (separators "," and ":") and no escaping beyond JSON\'s own '
                '(non-ASCII characters written as themselves); the phone as its E.164 number; '
                'times as naive UTC "YYYY-MM-DD HH:MM:SS.ffffff"; corrects is the id of the '
                'opt-out event a misread correction undoes; the `cause_*` fields are an '
                'opt-out\'s likely cause, the last text sent to the phone within 7 days')
CHAIN = {"algorithm": ALGORITHM, "genesis": GENESIS, "fields": list(CHAIN_FIELDS),
         "hash": HASH_RULE, "content": CONTENT_RULE,
         "scope": "one chain for the whole store in event id order: one phone's events are "
                  "not consecutive in it, so each event's prev_hash is the hash of the event "
                  "before it in the store, which may be another phone's"}


def make_proof(phone: str, *, region: str = "US", dealership: str | None = None,
               now: datetime | None = None) -> dict:
    """Return the consent record of `phone` (any format) as JSON values.

    Raises InvalidPhone for a number that is not one, NotFound for a phone never seen
    (load_card says so in the words the other commands use).
    """
    e164 = parse_phone(phone, region=region)
    # one snapshot: the events, the state and the store's head agree with one another
    with snapshot():
        card = load_card(e164, region=region, events=0)
        row = Phone.get(Phone.e164 == e164)
        events = list(ConsentEvent.select().where(ConsentEvent.phone == row.id)
                      .order_by(ConsentEvent.id))
        head_id, head_hash = chain_head()
        count = ConsentEvent.select().count()
    state = card.state
    return {
        "record": FORMAT,
        "version": VERSION,
        "phone": e164,
        "dealership": dealership,
        "generated_at": iso(now_or(now)),
        "store": {"events": count, "head_event_id": head_id, "head_hash": head_hash},
        "chain": CHAIN,
        "state": {
            "clients": [{"name": c.name, "crm_id": c.crm_id} for c in card.clients],
            "overall": state.overall,
            "overall_source": state.overall_source,
            "overall_changed_at": iso(state.overall_changed_at),
            "locked": state.locked,
            "automations": {name: {"state": s.state, "source": s.source,
                                   "changed_at": iso(s.changed_at), "locked": s.locked}
                            for name in AUTOMATIONS for s in [state.switch(name)]},
            "carrier_blocked": state.carrier_blocked,
            "carrier_blocked_at": iso(row.carrier_blocked_at) if state.carrier_blocked else None,
            "pending_review": card.pending_review,
        },
        "events": [proof_event(e, e164) for e in events],
    }


def proof_event(event: ConsentEvent, e164: str) -> dict:
    """Return one event as a record holds it: its id, fields by name, content and hashes."""
    values = [e164 if f == "phone" else event.corrects_id if f == "corrects"
              else getattr(event, f) for f in CHAIN_FIELDS]
    named = dict(zip(CHAIN_FIELDS, (encode_value(v) for v in values), strict=True))
    return {"id": event.id, **named, "content": canonical(values).decode(),
            "prev_hash": event.prev_hash, "hash": event.hash}


def unsound_events(proof: dict) -> list[int]:
    """Return the ids of the record's events whose hash is not that of their content (an
    event changed in the database by hand after it was written; `smsprefs verify` says more)."""
    return [e["id"] for e in proof["events"]
            if e["prev_hash"] is None or e["hash"] != link(e["prev_hash"],
                                                           json.loads(e["content"]))]


def iso(moment: datetime | None) -> str | None:
    """Return a stored UTC time as ISO 8601 with its microseconds and a Z."""
    if moment is None:
        return None
    return to_aware(moment).isoformat(timespec="microseconds").replace("+00:00", "Z")
