"""Bulk work without the cyclic garbage collector re-reading the whole heap.

CPython's collector runs a full pass over every tracked object each time enough objects
have survived; an import builds millions of short-lived tuples, so it triggers dozens of
such passes over the process's ~hundreds of thousands of long-lived objects (modules,
phonenumbers' metadata, peewee's models). At 1,000,000 rows on SQLite that was about a
quarter of the import (bench/RESULTS.md). gc.freeze() moves the objects that exist now
out of the collector's sight: it still collects whatever the bulk work itself leaves in
cycles, and gc.unfreeze() hands the rest back afterwards.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # bulk operations running in this process, on any thread
_froze = False  # whether the first of them froze (none did when the process had already)


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Keep the objects that exist on entry out of the collector's passes until the last
    bulk operation running in the process leaves; a process that froze its heap itself
    (a web worker, gunicorn.conf.py) keeps it frozen. (A gc.freeze() made elsewhere while a
    bulk operation runs is undone when it ends: nothing in smsprefs makes one.)"""
    global _holders, _froze
    with _lock:
        if _holders == 0:
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _froze:
                gc.unfreeze()
