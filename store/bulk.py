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
from functools import lru_cache
from itertools import chain

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from store.copying import copy_rows
from store.db import bindings, db, default_of, is_postgres, quote

# SQLite allows 32,766 parameters a statement; PostgreSQL reads a whole array as one
READ_CHUNK = 5000
SQLITE_PARAMS = 32766
STATEMENT_ROWS = 100  # rows a SQLite insert statement (fewer make more statements to step)
FEW_ROWS = 8  # insert_rows() writes up to this many rows as one statement
_LOG = logging.getLogger("peewee")


def defaults_left_out(model, fields) -> tuple[list, tuple]:
    """Return the fields of `model` not in `fields` that have a default, and their values now:
    a bulk write gives them as peewee would."""
    named = {f.name for f in fields}
    extra = [f for f in model._meta.sorted_fields
             if f.name not in named and f.default is not None and not f.primary_key]
    return extra, tuple(map(default_of, extra))


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
    SQLite and PostgreSQL (the history's phones and switches). With `update`, of rows that
    repeat a conflict key the last is written (one statement may not update a row twice).
    """
    if not rows:
        return
    extra, defaults = defaults_left_out(model, fields)
    columns = [*fields, *extra]
    placeholders, convert = bindings(columns)
    head = (f"INSERT INTO {quote(model._meta.table_name)} "
            f"({', '.join(quote(f.column_name) for f in columns)}) VALUES ")
    tail = ""
    if conflict:
        target = ", ".join(quote(f.column_name) for f in conflict)
        if update:
            sets = ", ".join(f"{quote(col)} = {expr}" for col, expr in update.items())
            tail = f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
        else:
            tail = f" ON CONFLICT ({target}) DO NOTHING"
    values = [tuple(c(v) for c, v in zip(convert, (*row, *defaults), strict=True))
              for row in rows]
    if conflict and update:  # the last row of a key wins, as executemany row by row had it
        keys = [next(i for i, c in enumerate(columns) if c is f) for f in conflict]
        values = list({tuple(row[i] for i in keys): row for row in values}.values())
    if len(values) <= FEW_ROWS:  # a consent change's phone and switches: one statement, as
        # psycopg's executemany is a pipeline, whose set-up costs more than a few rows
        sql = head + ", ".join([f"({placeholders})"] * len(values)) + tail
        _LOG.debug((sql, f"{len(values)} rows"))
        db.cursor().execute(sql, [v for row in values for v in row])
        return
    sql = f"{head}({placeholders}){tail}"
    # logged like peewee's own statements, so query counts see one batch per call
    _LOG.debug((sql, f"executemany of {len(values)} rows"))
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
    columns = ", ".join(quote(f.column_name) for f in (*fields, *extra))
    table = quote(model._meta.table_name)
    suffix = ""
    if conflict:
        target = ", ".join(quote(f.column_name) for f in conflict)
        sets = ", ".join(f"{quote(c)} = {e}" for c, e in (update or {}).items())
        suffix = f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
    times = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
    if is_postgres() and not conflict:
        copy_rows(model._meta.table_name, [f.column_name for f in (*fields, *extra)], rows,
                  defaults)
        return
    if is_postgres():
        arrays = ", ".join(_pg_array(f) for f in fields)
        names = [f"c{i}" for i in range(len(fields))]
        constants = "".join(f", %s::{_pg_type(f)}" for f in extra)
        # in the arrays' order, so that ids (events are replayed by id) follow the rows
        sql = (f"INSERT INTO {table} ({columns}) SELECT {', '.join(names)}{constants} "
               f"FROM unnest({arrays}) WITH ORDINALITY AS v({', '.join(names)}, n) "
               f"ORDER BY n{suffix}")
        params = [*defaults, *map(_json, _columns(rows, times))]
        _LOG.debug((sql, f"unnest of {len(rows)} rows"))
        db.execute_sql(sql, params)
        return
    defaults = tuple(_adapt(d) if isinstance(d, datetime) else d for d in defaults)
    _sqlite_insert(f"INSERT INTO {table} ({columns}) VALUES ", suffix, rows, defaults, times)


def _sqlite_insert(head: str, suffix: str, rows: Sequence[tuple], defaults: tuple,
                   times: Sequence[int] = (), *, returning: bool = False) -> list[tuple]:
    """Run `head` VALUES … `suffix` over `rows` (then `defaults`) on SQLite, STATEMENT_ROWS
    rows a statement, the datetimes of the columns `times` adapted; return what a RETURNING
    `suffix` returns, when `returning`.

    sqlite3's executemany binds and steps one row at a time; a statement of many rows
    spends less per row. SQLite applies the rows of one statement in order, an upsert
    seeing the rows before it, as executemany would. A column holding one value in every
    row (the defaults, a batch's time, its actor) is bound once a statement, each row
    naming it by number (?1 …): the import's events bind 10 values a row instead of 23
    (40 % less time). The rows past the last full statement go through executemany (which
    drops RETURNING rows, hence one statement of their own when `returning`), so that each
    table has few statements in the driver's cache, whatever the number of rows.
    """
    width = len(rows[0]) + len(defaults)
    marks = "(" + ", ".join(["?"] * width) + ")"
    per = max(1, min(STATEMENT_ROWS, SQLITE_PARAMS // width))
    whole = len(rows) - len(rows) % per
    _LOG.debug((f"{head}{marks}{suffix}", f"{len(rows)} rows, {per} a statement"))
    cursor = db.cursor()
    out = []
    for part, size in ((rows[:whole], per), (rows[whole:], len(rows) - whole)):
        if not part or (size < per and not returning):
            continue
        columns = _columns(part, times)
        same = tuple(i for i, column in enumerate(columns) if _one_value(column))
        bound = [columns[i][0] for i in same] + list(defaults)
        varying = [column for i, column in enumerate(columns) if i not in same]
        sql = _statement(head, width, (*same, *range(len(columns), width)), size, suffix)
        for start in range(0, len(part), size):
            cursor.execute(sql, bound + list(chain.from_iterable(
                zip(*(column[start:start + size] for column in varying), strict=True))))
            if returning:
                out += cursor.fetchall()
    if whole < len(rows) and not returning:
        # the datetimes of `times` as sqlite3 itself would write them
        rest = list(zip(*_columns(rows[whole:], times), strict=True)) if times else rows[whole:]
        cursor.executemany(f"{head}{marks}{suffix}",
                           [(*row, *defaults) for row in rest] if defaults else rest)
    return out


def _one_value(column: tuple) -> bool:
    # equal and of one type: 1 and 1.0 are equal but SQLite stores them differently
    return column.count(column[0]) == len(column) and len(set(map(type, column))) == 1


@lru_cache(maxsize=64)
def _statement(head: str, width: int, shared: tuple[int, ...], per: int, suffix: str) -> str:
    """Return the INSERT of `per` rows of `width` columns, where the columns `shared` are
    the parameters ?1 … in that order, bound once, and each row's others follow."""
    number = {column: n for n, column in enumerate(shared, start=1)}
    following = iter(range(len(shared) + 1, len(shared) + 1 + per * (width - len(shared))))
    values = ["(" + ", ".join(f"?{number[c]}" if c in number else f"?{next(following)}"
                              for c in range(width)) + ")" for _ in range(per)]
    return f"{head}{', '.join(values)}{suffix}"


def insert_new(model, fields: Sequence, rows: Sequence[tuple]) -> dict:
    """Insert `rows` (tuples of driver-ready values for `fields`, the first a unique field,
    distinct in the rows), the other columns their defaults, skipping those whose first
    value exists; return {first value: id} of the rows inserted.

    One statement per batch on both databases: RETURNING tells which rows are new, so the
    caller need not read back what it just wrote. (Staging the rows in a temporary table by
    binary COPY instead of the JSON arrays was slower: bench/RESULTS.md.)
    """
    if not rows:
        return {}
    extra, defaults = defaults_left_out(model, fields)
    table, column = quote(model._meta.table_name), quote(fields[0].column_name)
    columns = ", ".join(quote(f.column_name) for f in (*fields, *extra))
    pk = quote(model._meta.primary_key.column_name)
    tail = f" ON CONFLICT ({column}) DO NOTHING RETURNING {column}, {pk}"
    times = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
    defaults = tuple(_adapt(d) if isinstance(d, datetime) else d for d in defaults)
    if is_postgres():
        names = [f"c{i}" for i in range(len(fields))]
        constants = "".join(f", %s::{_pg_type(f)}" for f in extra)
        # in the arrays' order, so that ids follow the rows
        sql = (f"INSERT INTO {table} ({columns}) SELECT {', '.join(names)}{constants} "
               f"FROM unnest({', '.join(_pg_array(f) for f in fields)}) WITH ORDINALITY "
               f"AS v({', '.join(names)}, n) ORDER BY n{tail}")
        _LOG.debug((sql, f"unnest of {len(rows)} rows"))
        params = [*defaults, *map(_json, _columns(rows, times))]
        return dict(db.execute_sql(sql, params).fetchall())
    return dict(_sqlite_insert(f"INSERT INTO {table} ({columns}) VALUES ", tail, rows, defaults,
                               times, returning=True))


def _columns(rows: Sequence[tuple], times: Sequence[int]) -> list[Sequence]:
    """Return the columns of `rows`, the datetimes of the columns `times` as sqlite3 writes
    them (each distinct time once: a batch's rows mostly share one)."""
    columns: list[Sequence] = list(zip(*rows, strict=True))
    for i in times:
        texts = {m: _adapt(m) if isinstance(m, datetime) else m for m in set(columns[i])}
        columns[i] = list(map(texts.__getitem__, columns[i]))
    return columns


def _adapt(moment: datetime) -> str:
    # the adapter sqlite3 registered for datetime, so that the stored text is the same
    return sqlite3.adapters[(datetime, sqlite3.PrepareProtocol)](moment)


def select_in(sql: str, column: str, values: Iterable, *, tail: str = "",
              tail_params: Sequence = ()) -> list[tuple]:
    """Return the rows of `sql` (a SELECT … WHERE, ending before the condition) for which
    `column` is one of `values`, in as few statements as the database allows. `tail`
    follows the condition, its values bound as `{param}` from `tail_params`: written into
    the SQL, a value makes each statement new to PostgreSQL, parsed and planned again."""
    values, after = list(values), list(tail_params)
    if not values:
        return []
    tail = tail.format(param=db.obj.param)
    if is_postgres():
        if len(values) == 1:  # one phone's consent (a STOP): the JSON array cost 0.3 ms more
            return list(db.execute_sql(f"{sql} {column} = %s{tail}", values + after))
        # as JSON, which psycopg need not dump element by element (see _pg_array)
        types = set(map(type, values))
        kind = {str: "", int: "::bigint"}.get(types.pop()) if len(types) == 1 else None
        if kind is None:
            return list(db.execute_sql(f"{sql} {column} = ANY(%s){tail}", [values, *after]))
        return list(db.execute_sql(
            f"{sql} {column} = ANY(ARRAY(SELECT json_array_elements_text(%s::json){kind}))"
            f"{tail}", [_json(values), *after]))
    rows = []
    for start in range(0, len(values), READ_CHUNK):
        chunk = values[start:start + READ_CHUNK]
        marks = ", ".join(["?"] * len(chunk))
        rows += db.execute_sql(f"{sql} {column} IN ({marks}){tail}", chunk + after)
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
