"""Worker leases: one holder at a time, renewed by its holder, free once expired; alarms:
one booked wake-up per loop, the soonest; nonces: each remembered once, whatever it holds."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from store.clock import utcnow
from store.leases import accept_nonce, acquire, book_alarm, ends_at, release, renew
from store.models import WebhookNonce

pytestmark = pytest.mark.usefixtures("database")


def test_one_holder_at_a_time_and_the_holder_renews():
    assert acquire("deliver", "a", ttl=timedelta(seconds=30))
    assert not acquire("deliver", "b", ttl=timedelta(seconds=30))
    assert acquire("deliver", "a", ttl=timedelta(seconds=30))  # renewal
    assert acquire("alerts", "b", ttl=timedelta(seconds=30))  # another loop, another lease
    release("deliver", "b")  # not b's to give back
    assert not acquire("deliver", "b", ttl=timedelta(seconds=30))
    release("deliver", "a")
    assert acquire("deliver", "b", ttl=timedelta(seconds=30))


def test_a_dead_holders_lease_expires():
    assert acquire("deliver", "dead", ttl=timedelta(milliseconds=200))
    assert not acquire("deliver", "alive", ttl=timedelta(seconds=30))
    time.sleep(0.3)
    assert acquire("deliver", "alive", ttl=timedelta(seconds=30))


def test_renewing_extends_only_a_lease_still_held():
    assert acquire("deliver", "a", ttl=timedelta(milliseconds=300))
    assert renew("deliver", "a", ttl=timedelta(seconds=30))
    time.sleep(0.4)
    assert not acquire("deliver", "b", ttl=timedelta(seconds=30))  # the renewal held it
    assert not renew("deliver", "b", ttl=timedelta(seconds=30))
    release("deliver", "a")
    # once given back (or ended) it is not taken back by a late renewal: another worker
    # may have come and gone meanwhile, so the old holder must stop
    assert not renew("deliver", "a", ttl=timedelta(seconds=30))
    assert acquire("deliver", "b", ttl=timedelta(seconds=30))


def test_ends_at_says_when_a_held_lease_ends():
    assert ends_at("deliver") is None
    before = utcnow()
    acquire("deliver", "a", ttl=timedelta(seconds=10))
    assert before + timedelta(seconds=9) < ends_at("deliver") <= utcnow() + timedelta(seconds=10)
    release("deliver", "a")
    assert ends_at("deliver") is None


def test_one_alarm_is_booked_at_a_time_the_soonest():
    now = utcnow()
    assert book_alarm("deliver:alarm", now + timedelta(seconds=10))
    assert not book_alarm("deliver:alarm", now + timedelta(seconds=20))  # one rings sooner
    assert not book_alarm("deliver:alarm", now + timedelta(seconds=10))
    assert book_alarm("deliver:alarm", now + timedelta(seconds=5))  # sooner: booked
    assert acquire("deliver", "a", ttl=timedelta(seconds=30))  # alarms are not the lease


def test_an_alarm_whose_time_passed_is_free_again():
    assert book_alarm("deliver:alarm", utcnow() + timedelta(milliseconds=100))
    assert not book_alarm("deliver:alarm", utcnow() + timedelta(seconds=30))
    time.sleep(0.2)
    assert book_alarm("deliver:alarm", utcnow() + timedelta(seconds=30))


@pytest.mark.parametrize("signed",
                         ["\x00" * 101, "a\x00b", "\ud800", "é" * 200, "", ":", "n" * 119])
def test_a_nonce_is_accepted_once_whatever_the_signer_put_in_it(signed):
    assert accept_nonce(f"sms:{signed}:ABC123")
    assert not accept_nonce(f"sms:{signed}:ABC123")
    assert accept_nonce(f"jwt:{signed}:ABC123")  # another kind is another nonce
    stored = [row.nonce for row in WebhookNonce.select()]
    assert all(len(nonce) == 68 and nonce.isascii() for nonce in stored), stored


def test_nonces_that_differ_only_past_the_columns_width_are_two():
    shared = "n" * 300
    assert accept_nonce(f"sms:{shared}:SIG1")
    assert accept_nonce(f"sms:{shared}:SIG2")
    assert not accept_nonce(f"sms:{shared}:SIG2")
