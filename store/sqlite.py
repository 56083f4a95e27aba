"""SQLite for several processes: a pool of connections whose write transactions queue on
a file lock that wakes the next writer at once, instead of SQLite's sleeping busy handler."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from contextlib import contextmanager

from peewee import OperationalError
from playhouse.pool import PooledSqliteDatabase


class SqlitePool(PooledSqliteDatabase):
    """SQLite with a pool of connections (the migrations know SQLite by a name "Sqlite…"),
    whose write transactions take the writers' lock (WriterLock) before SQLite's own.

    check_same_thread is off: a pooled connection serves one thread at a time, but not
    always the thread that opened it (the pool hands it to whichever thread asks next).
    `timeout` is how long a thread waits for a free connection; `writer_timeout` how long
    a writer waits for the writers' lock (busy_timeout, a pragma, then bounds SQLite's).
    """

    def __init__(self, database, *, writer_timeout: float = 15, **kwargs):
        super().__init__(database, check_same_thread=False, factory=_Connection, **kwargs)
        self.writer_timeout = writer_timeout

    def begin(self, lock_type=None):
        writer = self._writer()
        if writer is not None:
            writer.take(self.writer_timeout)
        try:
            super().begin(lock_type)
        except BaseException:
            self._let_go()
            raise

    def commit(self):
        try:
            super().commit()
        finally:
            self._let_go()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self):
        try:
            return super().close()
        finally:
            self._let_go()

    @contextmanager
    def writing(self):
        """Hold the writers' lock for a write statement run alone, outside a transaction
        (SQLite makes it a transaction of its own, which would otherwise queue asleep)."""
        writer = None if self.in_transaction() else self._writer()
        if writer is not None:
            writer.take(self.writer_timeout)
        try:
            yield
        finally:
            if writer is not None:
                writer.let_go()

    def _writer(self) -> WriterLock | None:
        conn = self._state.conn
        if conn is None or self.database == ":memory:" or not isinstance(conn, _Connection):
            return None
        if conn.writer is None:
            conn.writer = WriterLock(f"{self.database}-lock")
        return conn.writer

    def _let_go(self) -> None:
        conn = self._state.conn
        if isinstance(conn, _Connection) and conn.writer is not None:
            conn.writer.let_go()


class WriterLock:
    """One connection's hold on `<database>-lock`, taken by SQLite write transactions.

    SQLite makes a writer that finds the database locked sleep 1, 2, 5, 10, 15… ms before
    it looks again, so two gunicorn workers writing at once spent most of a request asleep
    (the inbound webhook ran at 250 req/s with two workers, 635 with one). A writer here
    first takes an flock on this file, looking again every 50 µs to 1 ms: when it gets it,
    SQLite's lock is free or about to be, and BEGIN IMMEDIATE does not sleep. SQLite's lock
    still decides (a writer that does not take this one, such as huey's queue file or the
    sqlite3 shell, is serialized by SQLite as before); this only makes the wait short.
    """

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self.held = False

    def take(self, timeout: float) -> None:
        """Hold the lock, or raise OperationalError after `timeout` s, as SQLite would."""
        deadline = time.monotonic() + timeout
        pause = 0.00005
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.held = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def let_go(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def __del__(self):
        os.close(self.fd)  # which lets go of the lock too


class _Connection(sqlite3.Connection):
    """A SQLite connection that carries its own descriptor of the writers' lock file."""

    writer: WriterLock | None = None
