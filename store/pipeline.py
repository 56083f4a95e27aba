"""A transaction of many small statements in PostgreSQL's pipeline mode (psycopg's).

A STOP's transaction is a dozen statements of a few rows each, most of them waiting on
the one before only because each waits for its own answer. In pipeline mode a statement
whose result nobody reads (BEGIN, the chain's lock, an upsert, COMMIT) goes to the server
with the next one that is read: a first STOP's transaction waits for the server 7 times
instead of 12, a repeated one 4 times instead of 6 (counted with strace; psycopg makes
more, cheaper, system calls in pipeline mode). SQLite, in-process, has no round trips.
"""

from __future__ import annotations

import contextlib

from peewee import PeeweeException, __exception_wrapper__

from store.db import db, is_postgres


@contextlib.contextmanager
def pipelined_transaction():
    """Run the block as one transaction, on PostgreSQL in pipeline mode (above).

    A statement that fails raises where the next result is read (or at the end), inside
    the transaction, as peewee's own exception, and nothing of the block is committed.

    Only a transaction of its own is pipelined. Inside a caller's (a concatenated text's,
    assembled in the transaction of its last part: gateway/webhooks.py) the block is a
    savepoint, as db.atomic() makes: the pipeline's ROLLBACK on a failure would end the
    caller's transaction too, and the caller's statements may read a row count, which
    pipeline mode gives only once their results are read. With no connection open,
    db.atomic() refuses, as ever.
    """
    if not is_postgres() or db.in_transaction() or db.is_closed():
        with db.atomic():
            yield
        return
    conn = db.connection()
    try:
        with __exception_wrapper__, conn.pipeline() as pipeline:
            try:
                with db.atomic():
                    yield
            except BaseException:
                # a failed statement aborts what was queued after it, the ROLLBACK too:
                # that part ends here, so that leaving the pipeline does not report it again
                with contextlib.suppress(Exception):
                    pipeline.sync()
                raise
    finally:
        if not db.is_closed() and not db.is_connection_usable():
            with contextlib.suppress(PeeweeException):
                db.rollback()  # the one the pipeline could not run
