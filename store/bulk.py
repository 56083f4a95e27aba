"""Bulk reads and writes: one statement per batch, whatever its size (imports, campaigns,
the history's events).

insert_rows() hands peewee-typed rows to the driver's executemany, which is one statement per
row on the server: SQLite runs them in C at a few µs each, but PostgreSQL pays a round of
parse, bind and execute for each (~13 µs a row even in pipeline mode). write_rows() gives
PostgreSQL each batch as one statement over arrays (or COPY), and SQLite statements of a
hundred rows each. Its values are given as the driver takes them (str, int, bool, naive UTC
datetime, None), so no field converts them one by one.
"""

from __future__ import annotations

import json
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
SQLITE_PARAMS = 32766
STATEMENT_ROWS = 100  # rows a SQLite insert statement (fewer make more statements to step)
_LOG = logging.getLogger("peewee")


def defaults_left_out(model, fields) -> tuple[list, tuple]:
    """Return the fields of `model` not in `fields` that have a default, and their values now:
    a bulk write gives them as peewee would."""
    named = {f.name for f in fields}
    extra = [f for f in model._meta.sorted_fields
             if f.name not in named and f.default is not None and not f.primary_key]
    return extra, tuple(f.default() if callable(f.default) else f.default for f in extra)


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
    extra, defaults = defaults_left_out(model, fields)
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
    extra, defaults = defaults_left_out(model, fields)
    columns = ", ".join(_quote(f.column_name) for f in (*fields, *extra))
    table = _quote(model._meta.table_name)
    suffix = ""
    if conflict:
        target = ", ".join(_quote(f.column_name) for f in conflict)
        sets = ", ".join(f"{_quote(c)} = {e}" for c, e in (update or {}).items())
        suffix = f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
    times = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
    if times:
        rows = _adapt_times(rows, times)
    if is_postgres() and not conflict:
        # COPY: the fastest way in, and psycopg writes its rows in C
        _LOG.debug((f"COPY {table} ({columns}) FROM STDIN", f"copy of {len(rows)} rows"))
        tail = tuple(_adapt(d) if isinstance(d, datetime) else d for d in defaults)
        with db.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *tail) if tail else row)
        return
    if is_postgres():
        arrays = ", ".join(_pg_array(f) for f in fields)
        names = [f"c{i}" for i in range(len(fields))]
        constants = "".join(f", %s::{_pg_type(f)}" for f in extra)
        # in the arrays' order, so that ids (events are replayed by id) follow the rows
        sql = (f"INSERT INTO {table} ({columns}) SELECT {', '.join(names)}{constants} "
               f"FROM unnest({arrays}) WITH ORDINALITY AS v({', '.join(names)}, n) "
               f"ORDER BY n{suffix}")
        params = [*defaults, *(_json(column) for column in zip(*rows, strict=True))]
        _LOG.debug((sql, f"unnest of {len(rows)} rows"))
        db.execute_sql(sql, params)
        return
    defaults = tuple(_adapt(d) if isinstance(d, datetime) else d for d in defaults)
    _sqlite_insert(f"INSERT INTO {table} ({columns}) VALUES ", len(fields) + len(extra), suffix,
                   [(*row, *defaults) for row in rows] if defaults else rows)


def _sqlite_insert(head: str, width: int, suffix: str, rows: Sequence[tuple]) -> None:
    """Run `head` VALUES … `suffix` over `rows` on SQLite, STATEMENT_ROWS rows a statement.

    sqlite3's executemany binds and steps one row at a time; a statement of many rows
    spends less per row (a third less for the import's events). SQLite applies the rows of
    one statement in order, an upsert seeing the rows before it, as executemany would. The
    rows past the last full statement go through executemany, so that each table has two
    statements in the driver's cache, whatever the number of rows.
    """
    marks = "(" + ", ".join(["?"] * width) + ")"
    per = max(1, min(STATEMENT_ROWS, SQLITE_PARAMS // width))
    whole = len(rows) - len(rows) % per
    _LOG.debug((f"{head}{marks}{suffix}", f"{len(rows)} rows, {per} a statement"))
    cursor = db.cursor()
    if whole:
        sql = f"{head}{', '.join([marks] * per)}{suffix}"
        for start in range(0, whole, per):
            cursor.execute(sql, [v for row in rows[start:start + per] for v in row])
    if whole < len(rows):
        cursor.executemany(f"{head}{marks}{suffix}", rows[whole:])


def insert_new(model, fields: Sequence, rows: Sequence[tuple]) -> dict:
    """Insert `rows` (tuples of driver-ready values for `fields`, the first a unique field,
    distinct in the rows), the other columns their defaults, skipping those whose first
    value exists; return {first value: id} of the rows inserted.

    One statement per batch on both databases: RETURNING tells which rows are new, so the
    caller need not read back what it just wrote.
    """
    if not rows:
        return {}
    extra, defaults = defaults_left_out(model, fields)
    table, column = _quote(model._meta.table_name), _quote(fields[0].column_name)
    columns = ", ".join(_quote(f.column_name) for f in (*fields, *extra))
    pk = _quote(model._meta.primary_key.column_name)
    tail = f" ON CONFLICT ({column}) DO NOTHING RETURNING {column}, {pk}"
    times = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
    if times:
        rows = _adapt_times(rows, times)
    defaults = tuple(_adapt(d) if isinstance(d, datetime) else d for d in defaults)
    if is_postgres():
        names = [f"c{i}" for i in range(len(fields))]
        constants = "".join(f", %s::{_pg_type(f)}" for f in extra)
        # in the arrays' order, so that ids follow the rows
        sql = (f"INSERT INTO {table} ({columns}) SELECT {', '.join(names)}{constants} "
               f"FROM unnest({', '.join(_pg_array(f) for f in fields)}) WITH ORDINALITY "
               f"AS v({', '.join(names)}, n) ORDER BY n{tail}")
        _LOG.debug((sql, f"unnest of {len(rows)} rows"))
        params = [*defaults, *(_json(column) for column in zip(*rows, strict=True))]
        return dict(db.execute_sql(sql, params).fetchall())
    width = len(fields) + len(extra)
    marks = "(" + ", ".join(["?"] * width) + ")"
    chunk = max(1, SQLITE_PARAMS // width // 2)
    created = {}
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        params = [p for row in part for p in (*row, *defaults)]
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(part))}{tail}"
        _LOG.debug((sql, f"{len(part)} rows"))
        created.update(db.execute_sql(sql, params).fetchall())
    return created


def _adapt_times(rows: Sequence[tuple], columns: list[int]) -> list[tuple]:
    """Return `rows` with their datetimes as sqlite3 itself would write them, each distinct
    time once: a batch's rows mostly share one (when it was recorded)."""
    values = list(zip(*rows, strict=True))
    for i in columns:
        texts = {m: _adapt(m) if isinstance(m, datetime) else m for m in set(values[i])}
        values[i] = [texts[m] for m in values[i]]
    return list(zip(*values, strict=True))


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


def _pg_array(field) -> str:
    """Return the SQL of an array parameter of `field`'s type, passed as a JSON array.

    psycopg dumps a list element by element in Python (a regular expression each); the
    json module writes the whole column in C, and the server reads it back in order.
    """
    return ("ARRAY(SELECT e FROM json_array_elements_text(%s::json) WITH ORDINALITY "
            f"AS a(e, i) ORDER BY i)::{_pg_type(field)}[]")


def _json(values) -> str:
    return json.dumps(values, ensure_ascii=False, check_circular=False)


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
