"""PostgreSQL through a pool of connections that does not ask the server whether a connection
it used a moment ago is still alive.

peewee's pool proves every connection it hands out with a `SELECT 1` (a round trip, and a
statement for the server to parse and run) when the connection's status is idle. Under
load a web worker takes the connection it gave back a millisecond earlier, so that proof
was one of the two round trips an ordinary inbound text cost. The pool here skips it for a
connection given back less than ALIVE_BYPASS ago, as HikariCP does (its aliveBypassWindow):
a connection the server dropped within that second fails on its first statement, as
it would have a moment later anyway, and the request answers 503 (Vonage retries it). A
connection idle longer is proved as before, and the driver's own status (closed, or in an
unknown or unfinished transaction) is believed whenever it says something is wrong.
"""

from __future__ import annotations

import time

from playhouse.db_url import parse
from playhouse.pool import PooledPostgresqlDatabase

# How long a connection given back to the pool is believed alive without asking the server.
ALIVE_BYPASS = 1.0


class PostgresPool(PooledPostgresqlDatabase):
    """PostgreSQL with a pool of connections, proved alive only when idle for a while."""

    def __init__(self, *args, **kwargs):
        self._returned_at: dict[int, float] = {}  # connection key -> monotonic time
        super().__init__(*args, **kwargs)

    def _is_closed(self, conn) -> bool:
        returned_at = self._returned_at.pop(self.conn_key(conn), None)
        recent = returned_at is not None and time.monotonic() - returned_at < ALIVE_BYPASS
        if conn.closed:
            return True
        if recent and self.idle(conn):
            return False
        return super()._is_closed(conn)  # idle a while, or not idle: peewee's checks

    def idle(self, conn) -> bool:
        """Return whether the driver says `conn` is open and outside any transaction."""
        return not conn.closed and self._adapter.txn_status(conn) == self._adapter.txn_idle

    def _close(self, conn, close_conn=False):
        # Called with the pool's lock held: the time it was given back, for _is_closed().
        if not close_conn:
            self._returned_at[self.conn_key(conn)] = time.monotonic()
        super()._close(conn, close_conn)

    def idle_since(self, conn, moment: float) -> None:
        """Date `conn`, given back just now, from `moment` (time.monotonic()), when it was
        last used: a connection a request kept on its thread for a while is proved before
        its next use like one that waited that long in the pool."""
        with self._pool_lock:
            key = self.conn_key(conn)
            if key in self._returned_at:  # not when the pool closed it on its return
                self._returned_at[key] = min(self._returned_at[key], moment)

    def _close_raw(self, conn):
        self._returned_at.pop(self.conn_key(conn), None)
        super()._close_raw(conn)


def postgres_pool(url: str, **kwargs) -> PostgresPool:
    """Return a PostgresPool for a `postgres://` (or `postgres+pool://`) URL."""
    settings = {**parse(url), **kwargs}
    if not settings.get("database"):
        raise ValueError(f"DATABASE_URL {url.split('@')[-1]!r} names no database "
                         "(expected postgres://user@host:5432/dbname)")
    return PostgresPool(**settings)
