"""COPY into PostgreSQL: the fastest way a batch of rows goes in (store.bulk, campaigns).

Binary whenever every column is of a type psycopg writes in C (numbers, texts, timestamps,
booleans): the text format cost psycopg ~2.7 µs a row of an event in Python and the server
a parse of each value, the binary one ~0.5 µs (bench/RESULTS.md, issue 11).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from store.db import db, outermost_transaction, quote

_LOG = logging.getLogger("peewee")
# what a binary COPY is given for: psycopg writes these in C, exactly as the column's type
_BINARY = ("int2", "int4", "int8", "varchar", "text", "timestamp", "bool")


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[tuple], tail: tuple = ()) -> None:
    """COPY `rows` (each followed by `tail`) into `columns` of `table`, in order.

    Values must be of the column's own Python type (str for a text, int for a number,
    a naive datetime for a timestamp, bool for a boolean): the binary format refuses a
    time given as its text or a number given for a text, where the text format took them.
    """
    names = ", ".join(map(quote, columns))
    types = _binary_types(table, columns)
    sql = f"COPY {quote(table)} ({names}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")
    _LOG.debug((sql, f"copy of {len(rows)} rows"))
    with db.cursor().copy(sql) as copy:
        if types:
            copy.set_types(types)
        for row in rows:
            copy.write_row((*row, *tail) if tail else row)


def _binary_types(table: str, columns: Sequence[str]) -> list[int] | None:
    """Return the type oids of `columns` of `table` as the database has them (a binary COPY
    must name each exactly: an int4 column refuses an int8), or None when one is of a type
    not in _BINARY.

    Read once a transaction and table (an import's thousand batches read it once), never
    kept longer: a migration that changes a column's type while a process runs must not
    leave it sending the old one.
    """
    outermost = outermost_transaction()
    known = getattr(outermost, "copy_types", {})
    if outermost is not None:
        outermost.copy_types = known
    if table not in known:
        found = db.execute_sql(
            "SELECT a.attname, t.oid, t.typname FROM pg_attribute AS a "
            "JOIN pg_type AS t ON t.oid = a.atttypid "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            (quote(table),)).fetchall()
        known[table] = {name: oid if kind in _BINARY else None for name, oid, kind in found}
    oids = [known[table].get(c) for c in columns]
    return None if None in oids else oids
