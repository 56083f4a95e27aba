"""The database: declared once here, bound late from DATABASE_URL by init_db(), connected
by the edges through the helpers below, and migrated by migrate() with Peewee's own runner."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from urllib.parse import urlsplit

from peewee import (
    Database,
    DatabaseProxy,
    InterfaceError,
    JSONField,
    OperationalError,
    PeeweeException,
    PostgresqlDatabase,
)
from playhouse.db_url import parse
from playhouse.migrations import Runner
from playhouse.pool import PooledDatabase

from store.postgres import PostgresPool, postgres_pool
from store.sqlite import SqlitePool

db = DatabaseProxy()

# What the edges catch, so that none of them imports peewee: any database failure, and the
# failures of a lost or refused connection, which a retry on a new connection may cure.
DatabaseError = PeeweeException
ConnectionLost = (OperationalError, InterfaceError)

SQLITE_PRAGMAS = {
    "busy_timeout": 15000,  # first, so that the pragmas after it wait for a lock too
    "journal_mode": "wal",  # readers never wait for the writer
    "cache_size": -64000,  # 64 MB page cache (a bound on each pooled connection's cache)
    "foreign_keys": 1,
    "synchronous": "normal",  # safe with WAL, and much faster than FULL
}


def normalize_url(url: str) -> str:
    """Return `url` with Heroku's `postgres://` scheme mapped to a pooled PostgreSQL URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("DATABASE_URL is not a URL (expected sqlite:///file.db or postgres://…)")
    if scheme in ("postgres", "postgresql"):
        return f"postgres+pool://{rest}"
    return url


def open_database(url: str, *, max_connections: int = 20,
                  lock_timeout: float | None = None) -> Database:
    """Open (without connecting) the database `url` names, with this project's settings.

    `lock_timeout` (seconds, PostgreSQL) bounds every wait for a lock on these connections;
    the wait then fails as a lost connection does (SQLite's writers wait busy_timeout).

    Both are pools: a connection an edge closes goes back to its process's pool (at most
    `max_connections`), and the next request takes it, pragmas and page cache warm. Opening
    a SQLite connection for each request cost more than the request's own work (the
    pragmas, and the WAL checkpointed and removed when the last connection closed).
    """
    url = normalize_url(url)
    scheme = urlsplit(url).scheme
    if scheme in ("sqlite", "sqlite+pool"):
        # IMMEDIATE makes every db.atomic() take the write lock up front, so two writers
        # queue on busy_timeout instead of failing on a read-to-write lock upgrade.
        settings = {"max_connections": max_connections, "timeout": 15, **parse(url)}
        database = SqlitePool(pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                              autoconnect=False,
                              writer_timeout=SQLITE_PRAGMAS["busy_timeout"] / 1000, **settings)
        # SQLite >= 3.35 has RETURNING; with it bulk inserts hand back ids as PostgreSQL does.
        database.returning_clause = sqlite3.sqlite_version_info >= (3, 35)
        return database
    if scheme.startswith("postgres"):
        options = {"options": f"-c lock_timeout={int(lock_timeout * 1000)}"} if lock_timeout else {}
        return postgres_pool(url, autoconnect=False, max_connections=max_connections,
                             stale_timeout=300, timeout=30, **options)
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgres)")


# Connections a forked child inherited: it must neither use them (its parent does) nor
# close them (closing would end the parent's PostgreSQL session), so it keeps them here.
_INHERITED: list = []


def _forget_inherited_connections() -> None:
    """In a forked child, start the bound database's pool and connection state afresh.

    gunicorn builds the app in each worker after the fork (no preload), so a worker's pool
    is its own; this keeps that true if a process forks with connections already open.
    """
    database = db.obj
    if database is None:
        return
    if database._state.conn is not None:
        _INHERITED.append(database._state.conn)
    database._state.reset()
    if database.thread_safe:  # a lock another thread held at the fork stays held
        database._lock = threading.Lock()
    if isinstance(database, PooledDatabase):
        _INHERITED.extend(conn for _, _, conn in database._connections)
        _INHERITED.extend(held.connection for held in database._in_use.values())
        database._connections, database._in_use = [], {}
        database._pool_lock = threading.RLock()
        database._pool_available = threading.Condition(database._pool_lock)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def init_db(url: str, *, max_connections: int = 20,
            lock_timeout: float | None = None) -> Database:
    """Bind the shared `db` proxy to the database `url` names and return it.

    Binding the URL already bound keeps the open database (and its pool) as it is.
    """
    if db.obj is not None and getattr(db.obj, "url", None) == url:
        return db.obj
    database = open_database(url, max_connections=max_connections, lock_timeout=lock_timeout)
    database.url = url
    db.initialize(database)
    return database


def open_connection() -> bool:
    """Open this thread's connection; return False when one was open already (the caller then
    leaves it to whoever opened it)."""
    return db.connect(reuse_if_open=True)


def close_connection(*, idle_since: float | None = None) -> None:
    """Close this thread's connection, if open (a pool takes it back). `idle_since`, a
    time.monotonic() before now, is when it was last used: the PostgreSQL pool then proves
    it before handing it out again, as it does a connection given back that long ago."""
    if db.is_closed():
        return
    conn = db.connection()
    db.close()
    if idle_since is not None and isinstance(db.obj, PostgresPool):
        db.obj.idle_since(conn, idle_since)


def connection():
    """Return a context manager holding one connection for the block (a worker's round)."""
    return db.connection_context()


def transaction():
    """Return a context manager running the block as one transaction."""
    return db.atomic()


def outermost_transaction():
    """Return this thread's outermost open transaction (what a caller may remember things
    on until it ends), or None outside one."""
    return db.obj._state.transactions[0] if db.in_transaction() else None


def quote(name: str) -> str:
    """Return a table or column name quoted for SQL (the store's names are plain words)."""
    return f'"{name}"'


def bindings(fields) -> tuple[str, list]:
    """Return how the store's own statements bind values of `fields`: their placeholders,
    comma-separated, and the functions making each value from a Python one.

    A parameter and field.db_value, except for JSON on SQLite, where peewee's value is the
    expression json(?), which no driver binds: there the same json(?) in the SQL (it checks
    and compacts the text, as peewee's writes do) over the text json.dumps makes, the dumps
    the store's JSON fields use.
    """
    json_text = not is_postgres()
    param = db.obj.param
    placeholders, converts = [], []
    for field in fields:
        if json_text and isinstance(field, JSONField):
            placeholders.append(f"json({param})")
            converts.append(lambda value: None if value is None else json.dumps(value))
        else:
            placeholders.append(param)
            converts.append(field.db_value)
    return ", ".join(placeholders), converts


def default_of(field):
    """Return `field`'s default as peewee gives it to a row written now (a callable, called)."""
    return field.default() if callable(field.default) else field.default


def joined_transaction():
    """Return a context manager running the block in the caller's transaction when there is
    one, else in a transaction of its own. Unlike a nested transaction() it takes no
    savepoint (two round trips to PostgreSQL): a failure rolls the caller's transaction
    back with it, which is what its callers want (none catches an error and goes on)."""
    return contextlib.nullcontext() if db.in_transaction() else db.atomic()


def wait_for_locks(forever: bool) -> None:
    """Lift (or, with False, put back) this connection's bound on lock waits, on PostgreSQL.

    The web's connections give up after WEB_LOCK_WAIT, for Vonage, which sends a webhook
    again; a staff member's change in Slack waits for a large import as the CLI does.
    """
    if is_postgres():
        db.execute_sql("SET lock_timeout = 0" if forever else "RESET lock_timeout")


def snapshot():
    """Return a context manager reading the block from one snapshot of the database (a
    repeatable-read transaction on PostgreSQL; SQLite's reads in a transaction already are)."""
    return db.atomic("REPEATABLE READ" if is_postgres() else "DEFERRED")


def single_write():
    """Return a context manager for one write statement that is its own transaction."""
    writing = getattr(db.obj, "writing", None)  # SQLite's writers queue on a file lock
    return writing() if writing else contextlib.nullcontext()


def reconnect() -> None:
    """Drop this thread's connection, which may be dead, and open another if the database
    answers (a pool checks the connections it hands out)."""
    with contextlib.suppress(PeeweeException):
        close_connection()
    with contextlib.suppress(PeeweeException):
        open_connection()


def ping() -> None:
    """Ask the database a trivial question; raise DatabaseError when it does not answer."""
    db.execute_sql("SELECT 1")


def is_postgres() -> bool:
    """Return whether the bound database is PostgreSQL."""
    return isinstance(db.obj, PostgresqlDatabase)


def lock_rows(query):
    """Return `query` locking its rows FOR UPDATE where the database can.

    SQLite has no row locks; there `lock_type='IMMEDIATE'` already serializes writers.
    """
    return query.for_update() if db.obj.for_update else query


MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it only has to be the same in every process that migrates.
_PG_LOCK_KEY = 0x5D5_0C0A


def runner() -> Runner:
    """Return the migration runner for the bound database."""
    return Runner(db.obj, directory=str(MIGRATIONS))


def migrate() -> list[str]:
    """Apply every pending migration and return their names; a no-op when up to date.

    On PostgreSQL an advisory lock makes concurrent `smsprefs migrate` runs (two release
    phases, a web dyno starting) wait for each other instead of racing.
    """
    if not is_postgres():
        return runner().up()
    db.execute_sql("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
    try:
        return runner().up()
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))


def pending() -> list[str]:
    """Return the names of migrations not applied yet."""
    return [m.name for m in runner().status() if not m.applied]
