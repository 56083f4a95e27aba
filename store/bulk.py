"""Bulk reads and writes for the import: one statement per batch, whatever its size.

store.db.insert_rows() hands rows to the driver's executemany, which is one statement per
row on the server: SQLite runs them in C at a few µs each, but PostgreSQL pays a round of
parse, bind and execute for each (~13 µs a row even in pipeline mode). Here PostgreSQL gets
each batch as one statement over arrays, `INSERT … SELECT FROM unnest(%s::text[], …)`, and
SQLite keeps executemany. The values are given as the driver takes them (str, int, bool,
naive UTC datetime, None), so no field converts them one by one.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from store.db import db, is_postgres

# SQLite allows 32,766 parameters a statement; PostgreSQL reads a whole array as one
READ_CHUNK = 5000
_LOG = logging.getLogger("peewee")


def write_rows(
    model, fields: Sequence, rows: Sequence[tuple], *, conflict: Sequence | None = None,
    update: dict[str, str] | None = None,
) -> None:
    """Insert `rows` (tuples of driver-ready values for `fields`) in one statement.

    As insert_rows(): fields left out get their model default, `conflict` (the fields of a
    unique index) skips a duplicate or, with `update` ({column: SQL over EXCLUDED."column"}),
    updates it. On PostgreSQL the rows must not repeat a conflict key (one statement may not
    update a row twice); callers write one row per key.
    """
    if not rows:
        return
    named = {f.name for f in fields}
    extra = [f for f in model._meta.sorted_fields
             if f.name not in named and f.default is not None and not f.primary_key]
    defaults = tuple(f.default() if callable(f.default) else f.default for f in extra)
    columns = ", ".join(_quote(f.column_name) for f in (*fields, *extra))
    table = _quote(model._meta.table_name)
    suffix = ""
    if conflict:
        target = ", ".join(_quote(f.column_name) for f in conflict)
        sets = ", ".join(f"{_quote(c)} = {e}" for c, e in (update or {}).items())
        suffix = f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
    if is_postgres():
        arrays = ", ".join(f"%s::{_pg_type(f)}[]" for f in fields)
        names = [f"c{i}" for i in range(len(fields))]
        constants = "".join(f", %s::{_pg_type(f)}" for f in extra)
        # in the arrays' order, so that ids (events are replayed by id) follow the rows
        sql = (f"INSERT INTO {table} ({columns}) SELECT {', '.join(names)}{constants} "
               f"FROM unnest({arrays}) WITH ORDINALITY AS v({', '.join(names)}, n) "
               f"ORDER BY n{suffix}")
        params = [*defaults, *(list(column) for column in zip(*rows, strict=True))]
        _LOG.debug((sql, f"unnest of {len(rows)} rows"))
        db.execute_sql(sql, params)
        return
    sql = (f"INSERT INTO {table} ({columns}) "
           f"VALUES ({', '.join(['?'] * (len(fields) + len(extra)))}){suffix}")
    _LOG.debug((sql, f"executemany of {len(rows)} rows"))
    times = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
    if times:
        rows = _adapt_times(rows, times)
    defaults = tuple(_adapt(d) if isinstance(d, datetime) else d for d in defaults)
    db.cursor().executemany(sql, [(*row, *defaults) for row in rows] if defaults else rows)


def _adapt_times(rows: Sequence[tuple], columns: list[int]) -> list[tuple]:
    """Return `rows` with their datetimes as sqlite3 itself would write them, each distinct
    time once: a batch's rows mostly share one (when it was recorded)."""
    seen: dict[datetime, str] = {}
    out = []
    for row in rows:
        row = list(row)
        for i in columns:
            moment = row[i]
            if moment is not None:
                text = seen.get(moment)
                if text is None:
                    text = seen[moment] = _adapt(moment)
                row[i] = text
        out.append(tuple(row))
    return out


def _adapt(moment: datetime) -> str:
    # the adapter sqlite3 registered for datetime, so that the stored text is the same
    return sqlite3.adapters[(datetime, sqlite3.PrepareProtocol)](moment)


def select_in(sql: str, column: str, values: Iterable, *, tail: str = "") -> list[tuple]:
    """Return the rows of `sql` (a SELECT … WHERE, ending before the condition) for which
    `column` is one of `values`, in as few statements as the database allows."""
    values = list(values)
    if not values:
        return []
    if is_postgres():
        return list(db.execute_sql(f"{sql} {column} = ANY(%s){tail}", (values,)).fetchall())
    rows = []
    for start in range(0, len(values), READ_CHUNK):
        chunk = values[start:start + READ_CHUNK]
        marks = ", ".join(["?"] * len(chunk))
        rows += db.execute_sql(f"{sql} {column} IN ({marks}){tail}", chunk).fetchall()
    return rows


def _pg_type(field) -> str:
    if isinstance(field, ForeignKeyField):
        return "bigint"
    if isinstance(field, BooleanField):
        return "boolean"
    if isinstance(field, DateTimeField):
        return "timestamp"
    if isinstance(field, IntegerField):  # with AutoField and BigAutoField
        return "bigint"
    if isinstance(field, CharField | TextField):
        return "text"
    raise TypeError(f"no PostgreSQL array type for {field!r}")


def _quote(name: str) -> str:
    return f'"{name}"'
