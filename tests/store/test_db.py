"""store/db.py: pooled connections (durable, shared across threads, not across a fork);
store/rows.py: the hot path's statements built once (get_by, insert_returning, …)."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime

import pytest
from peewee import DatabaseError, IntegrityError, JSONField

from store import postgres as store_postgres
from store import rows as store_rows
from store.bulk import insert_rows
from store.db import (
    SQLITE_PRAGMAS,
    close_connection,
    db,
    is_postgres,
    open_connection,
    open_database,
)
from store.models import MODELS, Alert, ConsentEvent, InboundMessage, Phone
from store.postgres import PostgresPool
from store.rows import FEW_ROWS, get_by, insert_returning, insert_returning_ids


def _raw_connection():
    return db.connection()


def test_sqlite_keeps_wal_and_synchronous_normal_on_every_pooled_connection(database):
    if not database.url.startswith("sqlite"):
        pytest.skip("SQLite's pragmas")
    assert SQLITE_PRAGMAS["journal_mode"] == "wal"
    assert SQLITE_PRAGMAS["synchronous"] == "normal"
    first = _raw_connection()
    close_connection()
    open_connection()
    assert _raw_connection() is first  # the pool handed the same connection back
    for pragma, expected in (("journal_mode", "wal"), ("synchronous", 1),
                             ("foreign_keys", 1), ("busy_timeout", 15000)):
        assert db.execute_sql(f"PRAGMA {pragma}").fetchone()[0] == expected, pragma


def test_a_pooled_connection_serves_another_thread_after_it_is_returned(database):
    close_connection()  # this thread's goes back to the pool
    seen = {}

    def other():
        open_connection()
        try:
            seen["answer"] = db.execute_sql("SELECT 1").fetchone()[0]
        finally:
            close_connection()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    open_connection()
    assert seen == {"answer": 1}


def test_every_pool_is_bounded(tmp_path):
    for url in (f"sqlite:///{tmp_path / 'x.db'}", "postgres://u@127.0.0.1:5432/x"):
        assert open_database(url)._max_connections == 20
        assert open_database(url, max_connections=3)._max_connections == 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_neither_uses_nor_closes_its_parents_connections(database):
    Phone.create(e164="+12025550101")
    parent_conn = _raw_connection()
    pid = os.fork()
    if pid == 0:  # the child: a fresh pool, its own connection, the parent's left alone
        status = 1
        try:
            if db.is_closed() and not database._connections and not database._in_use:
                open_connection()
                if (_raw_connection() is not parent_conn
                        and get_by(Phone, Phone.e164, "+12025550101") is not None):
                    status = 0
            close_connection()
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # the parent's connection (a PostgreSQL session, a SQLite handle) still works
    assert _raw_connection() is parent_conn
    assert get_by(Phone, Phone.e164, "+12025550101").e164 == "+12025550101"


def _message(provider_id: str, phone_id: int | None) -> dict:
    from store.clock import utcnow

    return {"provider_id": provider_id, "phone": phone_id, "from_number": "12025550101",
            "text": "hi", "received_at": utcnow(), "intent": "none"}


@pytest.mark.parametrize("returning", [True, False], ids=["returning", "insert-then-read"])
def test_insert_returning_gives_the_stored_row_or_none_for_a_duplicate(database, monkeypatch,
                                                                      returning):
    if not returning:
        if not database.url.startswith("sqlite"):
            pytest.skip("only SQLite before 3.35 lacks RETURNING")
        monkeypatch.setattr(database, "returning_clause", False)
    phone = Phone.create(e164="+12025550101")
    values = _message("m-1", phone.id)
    stored = insert_returning(InboundMessage, values, conflict=InboundMessage.provider_id)
    fresh = InboundMessage.get(InboundMessage.provider_id == "m-1")
    assert stored.__data__ == fresh.__data__  # every field, defaults included, as a read
    assert stored._dirty == fresh._dirty == set()  # nothing for a save() to write again
    assert stored.phone_id == phone.id and stored.to_number is None
    again = insert_returning(InboundMessage, {**values, "text": "other"},
                             conflict=InboundMessage.provider_id)
    assert again is None
    assert InboundMessage.get(InboundMessage.provider_id == "m-1").text == "hi"


def test_insert_returning_skips_only_the_named_conflict(database):
    # INSERT OR IGNORE would skip a broken foreign key too, and answer "duplicate"
    with pytest.raises(IntegrityError), db.atomic():
        insert_returning(InboundMessage, _message("m-2", 987654),
                         conflict=InboundMessage.provider_id)
    assert get_by(InboundMessage, InboundMessage.provider_id, "m-2") is None


def test_get_by_reads_as_peewee_does_and_builds_its_sql_once(database):
    Phone.create(e164="+12025550101", overall="opted_in")
    store_rows._SQL.clear()
    found = get_by(Phone, Phone.e164, "+12025550101")
    assert found.__data__ == Phone.get(Phone.e164 == "+12025550101").__data__
    assert found._dirty == set()
    assert get_by(Phone, Phone.e164, "+12025550199") is None
    assert len(store_rows._SQL) == 1  # one statement, whatever the value


def test_a_row_read_by_get_by_behaves_as_peewee_s_own(database):
    phone = Phone.create(e164="+12025550101", overall="opted_in")
    insert_returning(InboundMessage, _message("m-9", phone.id), conflict=InboundMessage.provider_id)
    found = get_by(InboundMessage, InboundMessage.provider_id, "m-9")
    peewees = InboundMessage.get(InboundMessage.provider_id == "m-9")
    assert found.__data__ == peewees.__data__ and found.__rel__ == peewees.__rel__ == {}
    assert found.phone_id == phone.id and found.phone.e164 == "+12025550101"  # read lazily
    found.text = "changed"
    assert found._dirty == {"text"}
    found.save()
    assert InboundMessage.get_by_id(found.id).text == "changed"


FIGURES = {"rate": 0.03, "window": [1, 2], "ok": True, "name": "Ana \u00e9", "n": {"x": 1.5}}


def test_a_json_field_is_written_by_the_store_s_own_statements_as_by_peewee(database):
    stored = insert_returning(Alert, {"kind": "opt_out_rate", "figures": FIGURES})
    insert_rows(Alert, [Alert.kind, Alert.figures], [("opt_out_rate", FIGURES)])
    Alert.create(kind="opt_out_rate", figures=FIGURES)
    assert stored.figures == FIGURES
    assert [a.figures for a in Alert.select().order_by(Alert.id)] == [FIGURES] * 3
    # stored alike, so peewee's own queries find all three: whole values, paths, lists
    assert Alert.select().where(Alert.figures == FIGURES).count() == 3
    assert Alert.select().where(Alert.figures["window"] == [1, 2]).count() == 3
    assert Alert.select().where(Alert.figures["n"] == {"x": 1.5}).count() == 3
    assert Alert.select().where(Alert.figures["window"][1] == 2).count() == 3
    assert Alert.select().where(Alert.figures.in_([FIGURES])).count() == 3


def test_a_value_that_is_not_json_is_refused_by_the_store_s_statements_as_by_peewee(database):
    not_json = {"rate": float("nan")}
    with pytest.raises(DatabaseError), db.atomic():
        Alert.create(kind="opt_out_rate", figures=not_json)
    with pytest.raises(DatabaseError), db.atomic():
        insert_returning(Alert, {"kind": "opt_out_rate", "figures": not_json})
    assert Alert.select().count() == 0


def test_every_json_field_dumps_as_bindings_assumes():
    json_fields = [f for m in MODELS for f in m._meta.sorted_fields if isinstance(f, JSONField)]
    assert json_fields and all(f._dumps is json.dumps for f in json_fields)


def _server_asked(database, monkeypatch) -> list:
    asked = []
    real = database._adapter.is_connection_closed
    monkeypatch.setattr(database._adapter, "is_connection_closed",
                        lambda conn: asked.append(1) or real(conn))
    return asked


def test_postgres_asks_the_server_only_about_a_connection_idle_a_while(database, monkeypatch):
    """peewee's pool proves each connection with SELECT 1; one given back a moment ago is
    believed alive (store/postgres.py)."""
    if not is_postgres():
        pytest.skip("PostgreSQL's pool")
    asked = _server_asked(database, monkeypatch)
    close_connection()
    open_connection()
    assert asked == []  # given back a moment ago: no round trip
    close_connection()
    monkeypatch.setattr(store_postgres, "ALIVE_BYPASS", 0)
    open_connection()
    assert asked == [1]  # idle longer: the server is asked, as peewee does


def test_postgres_replaces_a_connection_the_server_dropped_while_it_was_idle(database,
                                                                              monkeypatch):
    if not is_postgres():
        pytest.skip("PostgreSQL's pool")
    import psycopg

    pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    close_connection()
    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    monkeypatch.setattr(store_postgres, "ALIVE_BYPASS", 0)
    open_connection()
    assert db.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != pid


def test_a_postgres_url_without_a_database_is_refused_without_its_password():
    with pytest.raises(ValueError, match="names no database") as refused:
        open_database("postgres://smsprefs:s3cret@db.example.com:5432")
    assert "s3cret" not in str(refused.value)
    assert isinstance(open_database("postgres://u@127.0.0.1:5432/x"), PostgresPool)


@pytest.mark.parametrize("count", [1, 3, FEW_ROWS, FEW_ROWS + 1])
def test_insert_returning_ids_gives_each_rows_id_in_order_as_peewee_does(database, count):
    phone = Phone.create(e164="+12025550101")
    fields = [ConsentEvent.phone, ConsentEvent.actor, ConsentEvent.channel,
              ConsentEvent.scope, ConsentEvent.old_state, ConsentEvent.new_state,
              ConsentEvent.source,
              ConsentEvent.outcome, ConsentEvent.occurred_at]
    when = datetime(2026, 11, 30, 12, 0, 0, 123456)
    rows = [(phone.id, "staff:ana", "api", f"automation_{n}", "on", "off", "staff", "applied",
             when)
            for n in range(count)]
    ids = insert_returning_ids(ConsentEvent, fields, rows)
    stored = list(ConsentEvent.select().order_by(ConsentEvent.id))
    assert ids == [e.id for e in stored] and ids == sorted(ids)
    assert [e.scope for e in stored] == [f"automation_{n}" for n in range(count)]
    assert {e.occurred_at for e in stored} == {when}
    assert all(e.recorded_at is not None for e in stored)  # the model's default, as peewee
    assert insert_returning_ids(ConsentEvent, fields, []) == []


def test_a_pool_with_a_lock_timeout_gives_up_waiting_for_a_lock(database):
    """The web's connections (gateway.app.WEB_LOCK_WAIT) wait for a lock that long, no longer."""
    if not is_postgres():
        pytest.skip("PostgreSQL's lock_timeout")
    import psycopg
    from peewee import OperationalError

    web = open_database(database.url, lock_timeout=0.2)
    try:
        web.connect()
        assert web.execute_sql("SHOW lock_timeout").fetchone()[0] == "200ms"
        with psycopg.connect(database.url) as holder:
            holder.execute("SELECT pg_advisory_xact_lock(42)")
            with pytest.raises(OperationalError, match="lock timeout"), web.atomic():
                web.execute_sql("SELECT pg_advisory_xact_lock(42)")
    finally:
        web.close_all()
    assert database.execute_sql("SHOW lock_timeout").fetchone()[0] == "0"  # others: no bound


class _Logged(list):
    """The statements peewee's logger is given while installed."""

    def __enter__(self):
        import logging

        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.append(record.msg[0])
        self.logger = logging.getLogger("peewee")
        self.level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.level)


def test_a_statement_of_over_fifty_parameters_is_numbered_on_postgres(database):
    """psycopg parses a %s query again at every call past 50 parameters: the store's own
    statements of more are sent with $1, $2 … through RawCursor, with peewee's log and
    exceptions."""
    phone = Phone.create(e164="+12025550101")
    fields = [f for f in ConsentEvent._meta.sorted_fields if not f.primary_key]
    row = {f.name: None for f in fields} | {
        "phone": phone.id, "scope": "overall", "old_state": "unknown", "new_state": "opted_out",
        "source": "client_keyword", "outcome": "applied", "actor": "client", "channel": "sms",
        "occurred_at": datetime(2026, 12, 1, 5, 0, 0, 250), "recorded_at": datetime(2026, 12, 1),
        "prev_hash": "0" * 64, "hash": "1" * 64}
    rows = [tuple({**row, "raw_text": f"STOP {n}"}[f.name] for f in fields) for n in range(3)]
    assert len(rows) * len(fields) > store_rows.PARSED_ONCE
    with _Logged() as logged:
        ids = insert_returning_ids(ConsentEvent, fields, rows)
    assert len(logged) == 1 and ("$69" in logged[0]) == is_postgres(), logged
    stored = list(ConsentEvent.select().order_by(ConsentEvent.id))
    assert ids == [e.id for e in stored] and [e.raw_text for e in stored] == [
        "STOP 0", "STOP 1", "STOP 2"]
    assert {e.occurred_at for e in stored} == {row["occurred_at"]}
    unknown = [tuple({**row, "phone": phone.id + 999}[f.name] for f in fields)] * 3
    with pytest.raises(IntegrityError):  # the foreign key, as peewee raises it
        insert_returning_ids(ConsentEvent, fields, unknown)


def test_insert_rows_writes_a_few_rows_as_one_statement_and_more_as_a_batch(database):
    from store.bulk import FEW_ROWS as FEW
    from store.models import AutomationSwitch

    phones = [Phone.create(e164=f"+1202555{n:04d}").id for n in range(FEW + 1)]
    fields = [AutomationSwitch.phone, AutomationSwitch.automation, AutomationSwitch.state,
              AutomationSwitch.source, AutomationSwitch.changed_at]
    when = datetime(2026, 12, 1, 5, 0)
    update = {c: f'EXCLUDED."{c}"' for c in ("state", "source", "changed_at")}
    conflict = [AutomationSwitch.phone, AutomationSwitch.automation]
    for count, state in ((2, "off"), (FEW, "on"), (FEW + 1, "off")):
        rows = [(p, "price_reduction", state, "staff", when) for p in phones[:count]]
        with _Logged() as logged:
            insert_rows(AutomationSwitch, fields, rows, conflict=conflict, update=update)
        assert len(logged) == 1
        groups = logged[0].count("VALUES (") + logged[0].count("), (")
        assert groups == (count if count <= FEW else 1)  # then executemany of one row's SQL
        stored = dict(AutomationSwitch.select(AutomationSwitch.phone, AutomationSwitch.state)
                      .where(AutomationSwitch.phone.in_(phones[:count])).tuples())
        assert stored == {p: state for p in phones[:count]}


def test_insert_rows_writes_the_last_row_of_a_repeated_key_few_rows_or_many(database):
    from store.bulk import FEW_ROWS as FEW
    from store.models import AutomationSwitch

    phone = Phone.create(e164="+12025550199").id
    fields = [AutomationSwitch.phone, AutomationSwitch.automation, AutomationSwitch.state,
              AutomationSwitch.source, AutomationSwitch.changed_at]
    update = {c: f'EXCLUDED."{c}"' for c in ("state", "source", "changed_at")}
    for count in (2, FEW + 3):
        states = ["off", "on"] * (count // 2) + ["on"] * (count % 2)
        rows = [(phone, "price_reduction", state, "staff", datetime(2026, 12, 1, 5, n))
                for n, state in enumerate(states)]
        insert_rows(AutomationSwitch, fields, rows,
                    conflict=[AutomationSwitch.phone, AutomationSwitch.automation],
                    update=update)
        stored = AutomationSwitch.get(AutomationSwitch.phone == phone)
        assert (stored.state, stored.changed_at) == (states[-1], rows[-1][4])


def test_a_statement_of_many_parameters_on_a_closed_database_is_peewee_s_case(database):
    """Closed, execute() does what db.execute_sql() does (connect, or refuse), never more."""
    sql = "SELECT " + ", ".join([db.obj.param] * (store_rows.PARSED_ONCE + 1))
    params = list(range(store_rows.PARSED_ONCE + 1))
    close_connection()
    try:
        expected = db.execute_sql(sql, params).fetchone()
    except Exception as exc:
        expected = type(exc)
    close_connection()
    try:
        got = store_rows.execute(sql, params).fetchone()
    except Exception as exc:
        got = type(exc)
    assert got == expected
    open_connection()
