"""store/sqlite.py: write transactions queue on the writers' lock, which wakes the next
writer as soon as it is free and never holds past the transaction."""

from __future__ import annotations

import threading
import time

import pytest
from peewee import OperationalError

from store.db import db
from store.models import Phone
from store.sqlite import WriterLock


def _sqlite_only(database):
    if not database.url.startswith("sqlite"):
        pytest.skip("SQLite's writers' lock")


def test_a_sqlite_write_transaction_holds_the_writers_lock_until_it_ends(database):
    _sqlite_only(database)
    other = WriterLock(f"{database.database}-lock")  # another process's, as flock sees it
    with db.atomic():
        Phone.create(e164="+12025550101")
        with pytest.raises(OperationalError, match="database is locked"):
            other.take(0.01)
    other.take(0.01)  # committed: free
    other.let_go()
    with pytest.raises(RuntimeError), db.atomic():
        raise RuntimeError("rolled back")
    other.take(0.01)  # rolled back: free
    other.let_go()


def test_a_writer_waits_for_the_lock_and_goes_as_soon_as_it_is_free(database):
    _sqlite_only(database)
    holder = WriterLock(f"{database.database}-lock")
    holder.take(1)
    timer = threading.Timer(0.05, holder.let_go)
    timer.start()
    started = time.monotonic()
    with db.atomic():
        Phone.create(e164="+12025550102")
    waited = time.monotonic() - started
    timer.join()
    assert 0.04 < waited < 1  # waited for the holder, not for SQLite's busy timeout
