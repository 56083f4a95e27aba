"""Worker leases: one holder at a time, renewed by its holder, free once expired."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from store.leases import acquire, release

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
