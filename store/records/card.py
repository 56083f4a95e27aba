"""Everything a consent card shows for one phone, loaded in a few queries."""

from __future__ import annotations

from dataclasses import dataclass

from store.records.clients import clients_of
from store.consent.changes import get_state
from store.errors import NotFound
from store.consent.history import list_events
from store.models import Client, ConsentEvent, Phone, Review
from store.phones import parse_phone
from store.consent.rules import ConsentState


@dataclass
class Card:
    state: ConsentState
    clients: list[Client]
    events: list[ConsentEvent]
    pending_review: bool


def load_card(phone: str, *, region: str = "US", events: int = 50) -> Card:
    """Return the card of `phone` (any format); raise NotFound for a phone never seen."""
    e164 = parse_phone(phone, region=region)
    if not Phone.select().where(Phone.e164 == e164).exists():
        raise NotFound(f"no client or consent is recorded for {e164}")
    pending = (Review.select().join(Phone)
               .where(Phone.e164 == e164, Review.status == "pending").exists())
    return Card(get_state(e164), clients_of(e164), list_events(e164, limit=events), pending)
