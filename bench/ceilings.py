"""The inbound benchmark's ceilings, served by the same gunicorn as the app
(inbound_bench.py): a bare Flask endpoint parsing the same form, and the same storing each
text by one durable INSERT; and a plain driver connection to the bench's databases.
"""

from __future__ import annotations

import os

from loadgen import TOKEN


def connect(url: str, **options):
    """Return a driver connection (sqlite3 or psycopg) to `url` (sqlite:///… or postgres://…)."""
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"), **options)
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), **options)


def bare_app(insert: bool = False):
    """Return a Flask app whose inbound route only parses the form and checks the token;
    with `insert`, it also stores the text by one INSERT committed before the answer, on
    DATABASE_URL with smsprefs' own settings (bench_insert, made by insert_table()): what
    the database allows a webhook that must keep each text before its 2xx."""
    import hmac

    from flask import Flask, request

    app = Flask("bare")
    store = _inserter(os.environ["DATABASE_URL"]) if insert else None

    @app.route("/webhooks/vonage/inbound", methods=["GET", "POST"])
    def inbound():
        params = {**request.args.to_dict(), **request.form.to_dict()}
        if not hmac.compare_digest(params.get("token", "").encode(), TOKEN.encode()):
            return "", 401
        if not params.get("msisdn") or not params.get("messageId"):
            return "", 400
        if store:
            store(params)
        return "", 204

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


INSERT_TABLE = ("CREATE TABLE bench_insert (id {id} PRIMARY KEY, provider_id VARCHAR(100) "
                "NOT NULL UNIQUE, from_number VARCHAR(32) NOT NULL, to_number VARCHAR(32), "
                "text TEXT NOT NULL, received_at TIMESTAMP NOT NULL)")


def insert_table(url: str) -> None:
    """Make the durable-insert ceiling's table beside smsprefs' own."""
    with connect(url) as conn:
        conn.execute(INSERT_TABLE.format(id="INTEGER" if url.startswith("sqlite")
                                         else "BIGSERIAL"))


def _inserter(url: str):
    """Return a function storing one text in bench_insert, committed (autocommit), on one
    connection of this process with smsprefs' durability (SQLite: WAL, synchronous=NORMAL,
    store.db.SQLITE_PRAGMAS; PostgreSQL: the server's synchronous_commit)."""
    from datetime import UTC, datetime

    sql = ("INSERT INTO bench_insert (provider_id, from_number, to_number, text, received_at) "
           "VALUES ({0}, {0}, {0}, {0}, {0}) ON CONFLICT (provider_id) DO NOTHING")
    if url.startswith("sqlite"):
        from store.db import SQLITE_PRAGMAS

        conn = connect(url, isolation_level=None, timeout=15)
        for name, value in SQLITE_PRAGMAS.items():
            conn.execute(f"PRAGMA {name} = {value}")
        sql = sql.format("?")
    else:
        conn = connect(url, autocommit=True)
        sql = sql.format("%s")

    def store(params: dict) -> None:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        conn.execute(sql, (params["messageId"], params["msisdn"], params.get("to"),
                           params.get("text", ""), now))

    return store
