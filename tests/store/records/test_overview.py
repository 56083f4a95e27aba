"""What waits for a person: pending reviews oldest first, carrier blocks latest first, each
with its clients' names and how many there are beyond the page."""

from __future__ import annotations

from datetime import timedelta

from store.clock import utcnow
from store.consent.changes import set_carrier_block
from store.consent.reviews import decide_review
from store.messaging.outbox import block_at_carrier
from store.models import Phone, Review
from store.records import carrier_blocks, pending_reviews
from store.records.clients import upsert_client
from tests.factories import OTHER, PHONE, STAFF, pending_review

THIRD, FOURTH = "+12125550102", "+12125550103"


def test_nothing_pending_and_nothing_blocked(database):
    assert (pending_reviews().items, pending_reviews().total) == ((), 0)
    assert (carrier_blocks().items, carrier_blocks().more) == ((), 0)


def test_pending_reviews_come_oldest_first_with_names_and_text(database):
    upsert_client(PHONE, name="Zoe Park")
    upsert_client(PHONE, name="Ana Lopez")
    first = pending_review(PHONE, "I'll stop by Friday")
    second = pending_review(OTHER, "stop by the lot?")
    third = pending_review(THIRD, "will stop in later")
    # the last one written is the oldest: the order is by when it came, not by id
    Review.update(created_at=utcnow() - timedelta(days=2)).where(Review.id == third.id).execute()
    decide_review(second.id, decision="not_opt_out", actor=STAFF)

    listed = pending_reviews()
    assert [r.id for r in listed.items] == [third.id, first.id]
    assert listed.total == 2 and listed.more == 0
    ana = listed.items[1]
    assert (ana.e164, ana.names, ana.kind, ana.text) == (
        PHONE, ("Ana Lopez", "Zoe Park"), "text", "I'll stop by Friday")
    assert (ana.status, ana.decided_by) == ("pending", None)
    assert listed.items[0].names == ()  # no client record on that phone


def test_a_page_of_reviews_says_how_many_more(database):
    for n in range(5):
        pending_review(f"+1212555020{n}", "I'll stop by Friday")
    listed = pending_reviews(limit=3)
    assert len(listed.items) == 3
    assert (listed.total, listed.more) == (5, 2)
    assert pending_reviews(limit=5).more == 0


def test_carrier_blocks_are_the_phones_blocked_now_latest_first(database):
    upsert_client(OTHER, name="Bo Chen")
    for e164, hours in ((PHONE, 1), (OTHER, 3), (THIRD, 0), (FOURTH, 2)):
        block_at_carrier(e164)
        Phone.update(carrier_blocked_at=utcnow() - timedelta(hours=hours)).where(
            Phone.e164 == e164).execute()
    set_carrier_block(THIRD, blocked=False)  # cleared: no longer listed

    listed = carrier_blocks()
    assert [b.e164 for b in listed.items] == [PHONE, FOURTH, OTHER]
    assert listed.total == 3
    bo = listed.items[2]
    assert (bo.names, bo.overall) == (("Bo Chen",), "unknown")
    assert bo.blocked_at is not None
    # a carrier block is also a review waiting for a decision
    assert {r.kind for r in pending_reviews().items} == {"carrier"}


def test_a_page_of_carrier_blocks_says_how_many_more(database):
    for n in range(4):
        block_at_carrier(f"+1212555030{n}")
    listed = carrier_blocks(limit=2)
    assert (len(listed.items), listed.total, listed.more) == (2, 4, 2)
