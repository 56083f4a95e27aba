"""A row, or a few, at a time on the hot paths (an inbound text, a STOP, a reply, an
alert): each statement's SQL built once, each row's model built without peewee's cursor
wrapper. The bulk paths (imports, campaigns) are store/bulk.py.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import peewee

from store.bulk import defaults_left_out
from store.db import bindings, db, default_of, is_postgres, quote

_LOG = logging.getLogger("peewee")

# SQL text of the hot path's statements, by (database class, statement, model, field):
# bounded by the code that asks, the same in every process, and holding no data. peewee
# builds a statement's SQL anew on every call (~0.3 ms for a select of a dozen columns);
# this builds it once, and the drivers' statement caches reuse their prepared forms.
_SQL: dict[tuple, object] = {}


def cached_sql(key: tuple, build):
    """Return the SQL `build()` makes for `key` on the bound database's class, built once
    (or SQL with what binds its values, when `build` returns that)."""
    key = (type(db.obj), *key)
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = build()
    return sql


# (field name, python_value) in column order, by model: bounded by the models
_READERS: dict[type, tuple] = {}


def model_from_row(model, row):
    """Return the `model` instance of a row of all its columns in field order (None for
    None), as peewee's raw() builds it, without its cursor wrapper's cost (~0.1 ms a call,
    resolving the columns anew each time).

    The row's values go straight into the instance's data, as peewee's field accessors
    would put them there (a foreign key's value is the related row's id, never a model
    instance, so nothing goes to the related-object cache), none of them dirty.
    """
    if row is None:
        return None
    readers = _READERS.get(model)
    if readers is None:
        readers = _READERS[model] = tuple(
            (f.name, f.python_value) for f in model._meta.sorted_fields)
    instance = model(__no_default__=True)
    instance.__data__ = {name: read(v) for (name, read), v in zip(readers, row, strict=True)}
    return instance


def get_by(model, field, value):
    """Return the row of `model` whose unique `field` is `value`, or None."""
    sql = cached_sql(("get_by", model, field.name),
                     lambda: model.select().where(field == value).sql()[0])
    return model_from_row(model, db.execute_sql(sql, [field.db_value(value)]).fetchone())


def insert_returning(model, values: dict, *, conflict=None):
    """Insert one row of `model` (`values` by field name) and return it as stored, in one
    statement; None when a row with the same unique `conflict` field (if given) is there.

    Fields left out get their model default, as with peewee. Only a conflict on `conflict`
    is skipped (ON CONFLICT … DO NOTHING, the same on SQLite and PostgreSQL); any other
    constraint failing raises.
    """
    returning = db.obj.returning_clause

    def build():
        fields = [f for f in model._meta.sorted_fields if not f.primary_key]
        placeholders, converts = bindings(fields)
        sql = (f"INSERT INTO {quote(model._meta.table_name)} "
               f"({', '.join(quote(f.column_name) for f in fields)}) VALUES ({placeholders})"
               + (f" ON CONFLICT ({quote(conflict.column_name)}) DO NOTHING" if conflict else "")
               + (" RETURNING " + ", ".join(quote(f.column_name)
                                            for f in model._meta.sorted_fields)
                  if returning else ""))
        return sql, list(zip(fields, converts, strict=True))
    insert, binding = cached_sql(("insert", model, conflict and conflict.name, returning), build)
    params = [convert(values[f.name] if f.name in values else default_of(f))
              for f, convert in binding]
    cursor = db.execute_sql(insert, params)
    if returning:
        return model_from_row(model, cursor.fetchone())
    # SQLite before 3.35: the row read back
    if not cursor.rowcount:
        return None
    return (get_by(model, conflict, values[conflict.name]) if conflict
            else model.get_by_id(cursor.lastrowid))


# Rows a cached multi-row insert takes: a consent change writes one to four events; a
# larger batch is built by peewee, as before. Bounds the statements cached per model.
FEW_ROWS = 8


def insert_returning_ids(model, fields: list, rows: list[tuple]) -> list[int]:
    """Insert `rows` (tuples of values for `fields`, as peewee takes them) in one statement
    and return their ids in order. Fields left out get their model default.

    For up to FEW_ROWS rows the statement is built once per row count (a consent change's
    events: peewee built their INSERT anew each time, ~0.4 ms for a STOP's three).
    """
    if not rows:
        return []
    if len(rows) > FEW_ROWS:
        return [row[0] for row in model.insert_many(rows, fields=fields)
                .returning(model._meta.primary_key).tuples().execute()]
    def build():
        extra = defaults_left_out(model, fields)[0]
        columns = [*fields, *extra]
        placeholders, convert = bindings(columns)
        sql = (f"INSERT INTO {quote(model._meta.table_name)} "
               f"({', '.join(quote(f.column_name) for f in columns)}) "
               f"VALUES {', '.join([f'({placeholders})'] * len(rows))} "
               f"RETURNING {quote(model._meta.primary_key.column_name)}")
        return sql, extra, convert
    sql, extra, convert = cached_sql(
        ("insert ids", model, tuple(f.name for f in fields), len(rows)), build)
    defaults = tuple(map(default_of, extra))
    params = [c(v) for row in rows for c, v in zip(convert, (*row, *defaults), strict=True)]
    return [row[0] for row in execute(sql, params).fetchall()]


# psycopg caches how it parses a %s query only up to this many parameters (its
# MAX_CACHED_STATEMENT_PARAMS); a STOP's three consent events have 69, and parsing them again
# took ~0.2 ms a STOP
PARSED_ONCE = 50


def execute(sql: str, params: list):
    """Run one of the store's own statements as db.execute_sql() does, and return its cursor.

    On PostgreSQL a statement of more than PARSED_ONCE parameters goes with its placeholders
    numbered ($1, $2 …, numbered once per statement) through psycopg's RawCursor, which sends
    the query as it is; peewee's log, and its exceptions, are the same as for execute_sql().
    """
    if len(params) <= PARSED_ONCE or not is_postgres() or db.is_closed():
        return db.execute_sql(sql, params)  # (closed: peewee connects or refuses, as ever)
    from psycopg import RawCursor  # here: the CLI on SQLite need not import psycopg

    numbered = _numbered(sql)
    _LOG.debug((numbered, params))
    with peewee.__exception_wrapper__:
        cursor = RawCursor(db.connection())
        cursor.execute(numbered, params)
    return cursor


@lru_cache(maxsize=64)  # the store's statements of that many parameters: a few
def _numbered(sql: str) -> str:
    # the store's SQL holds no %s but its placeholders (no literal text: values are bound)
    first, *rest = sql.split("%s")
    return first + "".join(f"${n}{part}" for n, part in enumerate(rest, start=1))
