"""What waits for a person, for the bot's Home tab: pending reviews and carrier blocks.

Each read returns the first `limit` rows and how many there are in all, so a screen with
room for twenty can say "and 35 more" without loading them. Clients' names come in one
query for the phones listed, never one query a row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from store.models import Client, Phone, Review
from store.vocabulary import PENDING

T = TypeVar("T")


@dataclass(frozen=True)
class Listed(Generic[T]):
    """The first rows of a list, and how many rows it has in all."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        """Return how many rows were left out."""
        return self.total - len(self.items)


@dataclass(frozen=True)
class PendingReview:
    """A text that may be an opt-out, or a carrier block, waiting for a person's decision."""

    id: int
    e164: str
    names: tuple[str, ...]
    kind: str  # text | carrier (store.vocabulary REVIEW_TEXT, REVIEW_CARRIER)
    text: str | None  # what the client texted, for a text review
    created_at: datetime  # naive UTC
    # as a review is drawn with its decision buttons (bot.alert_blocks.review_controls)
    status: str = PENDING
    decided_by: str | None = None


@dataclass(frozen=True)
class CarrierBlock:
    """A phone the carrier reports opted out at the network: nothing may be texted to it."""

    e164: str
    names: tuple[str, ...]
    overall: str
    blocked_at: datetime | None  # naive UTC


def pending_reviews(*, limit: int = 20) -> Listed[PendingReview]:
    """Return the reviews nobody has decided yet, oldest first, and how many there are."""
    pending = Review.select().where(Review.status == PENDING)
    rows = list(pending.select(Review.id, Review.kind, Review.text, Review.created_at,
                               Phone.id.alias("phone_id"), Phone.e164)
                .join(Phone).order_by(Review.created_at, Review.id).limit(limit)
                .dicts())
    names = _names([r["phone_id"] for r in rows])
    items = tuple(PendingReview(id=r["id"], e164=r["e164"], names=names[r["phone_id"]],
                                kind=r["kind"], text=r["text"], created_at=r["created_at"])
                  for r in rows)
    return Listed(items, _total(pending, items, limit))


def carrier_blocks(*, limit: int = 50) -> Listed[CarrierBlock]:
    """Return the phones blocked at the network now, the latest block first."""
    blocked = Phone.select().where(Phone.carrier_blocked == True)  # noqa: E712 (SQL)
    rows = list(blocked.select(Phone.id, Phone.e164, Phone.overall, Phone.carrier_blocked_at)
                .order_by(Phone.carrier_blocked_at.desc(), Phone.id.desc())
                .limit(limit).dicts())
    names = _names([r["id"] for r in rows])
    items = tuple(CarrierBlock(e164=r["e164"], names=names[r["id"]], overall=r["overall"],
                               blocked_at=r["carrier_blocked_at"])
                  for r in rows)
    return Listed(items, _total(blocked, items, limit))


def _total(query, items: tuple, limit: int) -> int:
    """Return the rows `query` matches, counting them only when the page was full."""
    return len(items) if len(items) < limit else query.count()


def _names(phone_ids: list[int]) -> defaultdict[int, tuple[str, ...]]:
    """Return the clients' names on each phone, alphabetically (no name: an empty tuple)."""
    names: defaultdict[int, tuple[str, ...]] = defaultdict(tuple)
    if not phone_ids:
        return names
    for phone_id, name in (Client.select(Client.phone, Client.name)
                           .where(Client.phone.in_(phone_ids))
                           .order_by(Client.name, Client.id).tuples()):
        names[phone_id] += (name,)
    return names
