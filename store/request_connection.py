"""A web request's database connection: the one its thread kept from its previous request,
or one from the pool.

Taking a connection from peewee's pool and giving it back costs a request two locks, the
pool's heap and its checks (~15 µs, 2-3 % of a webhook's CPU). A thread that serves one
request after another (a gunicorn sync worker's main thread) keeps its connection instead,
on the terms the pool itself would apply:
- kept only idle and sound (no transaction open, none failed), after a request that did
  not raise;
- reused only within KEEP_FOR of its last use, the pool's own window for believing a
  connection alive (store/postgres.py); later it goes back to the pool dated from its last
  use, and the pool proves it before handing it out: a database restarted meanwhile still
  costs no request;
- given back at least every KEEP_AT_MOST, so the pool's stale_timeout still retires it;
- only on a process's main thread: a server with a thread per connection (werkzeug's, in
  `smsprefs serve`) ends its threads, and a connection one of them kept would never go back;
- only the very connection, of the very database and checkout, it kept: a connection a
  caller opened on the thread itself (even the same one, taken from the pool again) is
  left to that caller.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

from store.db import DatabaseError, close_connection, db, open_connection
from store.postgres import ALIVE_BYPASS, PostgresPool

KEEP_FOR = ALIVE_BYPASS
KEEP_AT_MOST = 30.0  # seconds a thread keeps one connection before the pool sees it again


@dataclass
class _Kept:
    database: object
    held: object  # held_connection(): this checkout of this connection
    used_at: float  # time.monotonic() of its last request's end
    taken_at: float  # when a request of this thread took it from the pool


_thread = threading.local()  # .kept: _Kept between requests; .taken_at: during one


def held_connection():
    """Return what stands for this thread's open connection as its pool handed it out
    (peewee's record of that checkout, new at each one), or None when none is open: equal
    only while the thread holds the very connection of the very checkout."""
    database = db.obj  # each db.… looks the database up through peewee's proxy again
    if database.is_closed():
        return None
    conn = database.connection()
    return getattr(database, "_in_use", {}).get(database.conn_key(conn), conn)


def reusable_connection() -> bool:
    """Return whether this thread has a connection open, sound and idle: no transaction
    open in peewee or in the driver (one a request may keep)."""
    database = db.obj
    if database.is_closed() or database.in_transaction():
        return False
    conn = database.connection()
    if isinstance(database, PostgresPool):
        return database.idle(conn)  # not INTRANS, ACTIVE, INERROR or UNKNOWN
    return not conn.in_transaction  # sqlite3


def open_request_connection() -> bool:
    """Give this thread a connection for a request; return whether the request owns it
    (False: the thread had one open already, which whoever opened it keeps)."""
    kept = _thread.__dict__.pop("kept", None)
    if kept is not None:
        mine = kept.database is db.obj and held_connection() is kept.held
        if mine and time.monotonic() - kept.used_at < KEEP_FOR and reusable_connection():
            _thread.taken_at = kept.taken_at
            return True
        if mine:
            close_connection(idle_since=kept.used_at)
        elif kept.database is not db.obj:  # the store was bound elsewhere since
            with contextlib.suppress(DatabaseError):
                kept.database.close()
    if not open_connection():
        return False
    _thread.taken_at = time.monotonic()
    return True


def close_request_connection(*, failed: bool) -> None:
    """End a request that owns this thread's connection: keep it for the thread's next
    request when the terms above allow, else give it back to the pool."""
    now = time.monotonic()
    taken_at = _thread.__dict__.pop("taken_at", now)
    if (not failed and threading.current_thread() is threading.main_thread()
            and now - taken_at < KEEP_AT_MOST and reusable_connection()):
        _thread.kept = _Kept(db.obj, held_connection(), now, taken_at)
        return
    close_connection()
