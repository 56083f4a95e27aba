"""The database: declared once here, bound late from DATABASE_URL by init_db(), connected
by the edges through the helpers below, and migrated by migrate() with Peewee's own runner."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from peewee import (
    Database,
    DatabaseProxy,
    InterfaceError,
    OperationalError,
    PeeweeException,
    PostgresqlDatabase,
)
from playhouse.db_url import connect
from playhouse.migrations import Runner

db = DatabaseProxy()

# What the edges catch, so that none of them imports peewee: any database failure, and the
# failures of a lost or refused connection, which a retry on a new connection may cure.
DatabaseError = PeeweeException
ConnectionLost = (OperationalError, InterfaceError)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers never wait for the writer
    "cache_size": -64000,  # 64 MB page cache
    "foreign_keys": 1,
    "synchronous": "normal",  # safe with WAL, and much faster than FULL
    "busy_timeout": 15000,
}


def normalize_url(url: str) -> str:
    """Return `url` with Heroku's `postgres://` scheme mapped to a pooled PostgreSQL URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("DATABASE_URL is not a URL (expected sqlite:///file.db or postgres://…)")
    if scheme in ("postgres", "postgresql"):
        return f"postgres+pool://{rest}"
    return url


def open_database(url: str, *, max_connections: int = 20) -> Database:
    """Open (without connecting) the database `url` names, with this project's settings."""
    url = normalize_url(url)
    scheme = urlsplit(url).scheme
    if scheme.startswith("sqlite"):
        # IMMEDIATE makes every db.atomic() take the write lock up front, so two writers
        # queue on busy_timeout instead of failing on a read-to-write lock upgrade.
        database = connect(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=15,
                           autoconnect=False)
        # SQLite >= 3.35 has RETURNING; with it bulk inserts hand back ids as PostgreSQL does.
        database.returning_clause = sqlite3.sqlite_version_info >= (3, 35)
        return database
    if scheme.startswith("postgres"):
        kwargs = {"max_connections": max_connections, "stale_timeout": 300, "timeout": 30}
        return connect(url, autoconnect=False, **kwargs)
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgres)")


def init_db(url: str, *, max_connections: int = 20) -> Database:
    """Bind the shared `db` proxy to the database `url` names and return it.

    Binding the URL already bound keeps the open database (and its pool) as it is.
    """
    if db.obj is not None and getattr(db.obj, "url", None) == url:
        return db.obj
    database = open_database(url, max_connections=max_connections)
    database.url = url
    db.initialize(database)
    return database


def open_connection() -> bool:
    """Open this thread's connection; return False when one was open already (the caller then
    leaves it to whoever opened it)."""
    return db.connect(reuse_if_open=True)


def close_connection() -> None:
    """Close this thread's connection, if open (a pool takes it back)."""
    if not db.is_closed():
        db.close()


def connection():
    """Return a context manager holding one connection for the block (a worker's round)."""
    return db.connection_context()


def transaction():
    """Return a context manager running the block as one transaction."""
    return db.atomic()


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


def insert_rows(
    model, fields: list, rows: list[tuple], *, conflict: list | None = None,
    update: dict[str, str] | None = None,
) -> None:
    """Insert `rows` (tuples of values for `fields`) with one prepared statement.

    Written by hand because peewee builds SQL value by value (about 90 µs a row for ten
    columns); executemany prepares once and lets the driver stream the rows (sqlite3 in C,
    psycopg in pipeline mode). Fields left out get their model default, as with peewee.
    With `conflict` (fields of a unique index) a duplicate is skipped, or, with `update`
    ({column: SQL expression over EXCLUDED."column"}), updated: the same upsert syntax on
    SQLite and PostgreSQL. Used by the bulk paths: imports and campaigns.
    """
    if not rows:
        return
    named = {f.name for f in fields}
    extra = [f for f in model._meta.sorted_fields
             if f.name not in named and f.default is not None and not f.primary_key]
    defaults = tuple(f.default() if callable(f.default) else f.default for f in extra)
    columns = [*fields, *extra]
    convert = [f.db_value for f in columns]
    sql = (f"INSERT INTO {_quote(model._meta.table_name)} "
           f"({', '.join(_quote(f.column_name) for f in columns)}) "
           f"VALUES ({', '.join([db.obj.param] * len(columns))})")
    if conflict:
        target = ", ".join(_quote(f.column_name) for f in conflict)
        if update:
            sets = ", ".join(f"{_quote(col)} = {expr}" for col, expr in update.items())
            sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
        else:
            sql += f" ON CONFLICT ({target}) DO NOTHING"
    values = [tuple(c(v) for c, v in zip(convert, (*row, *defaults), strict=True))
              for row in rows]
    # logged like peewee's own statements, so query counts see one batch per call
    logging.getLogger("peewee").debug((sql, f"executemany of {len(values)} rows"))
    db.cursor().executemany(sql, values)


def _quote(name: str) -> str:
    return f'"{name}"'


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
