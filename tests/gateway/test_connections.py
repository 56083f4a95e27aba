"""store/request_connection.py through the app: a request's connection, taken from the pool
or kept from the thread's previous request, and given back whenever it may not serve the
next one as the pool would have."""

from __future__ import annotations

import threading
import time

import pytest

import store.request_connection as request_connection
from store import postgres as store_postgres
from store.db import db, is_postgres
from store.models import InboundMessage
from tests.gateway.test_webhooks import post_form, sms


@pytest.fixture
def checkouts(database, monkeypatch):
    """Give the thread's connection back to the pool (so requests own theirs, as in
    production) and count the connections the pool hands out from then on."""
    database.close()
    taken = []
    real = database._connect
    monkeypatch.setattr(database, "_connect", lambda: taken.append(1) or real())
    yield taken
    request_connection._thread.__dict__.clear()


def _drop_every_session(database) -> None:
    """Terminate every other session on the database, as a restart or an idle cut does."""
    import psycopg

    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def test_a_request_keeps_its_connection_for_the_next_request_soon_after(
        database, client, checkouts, monkeypatch):
    assert client.get("/healthz").status_code == 200
    assert not db.is_closed()  # kept on the thread, not given back
    kept = db.connection()
    for n in range(3):
        assert post_form(client, sms("see you at 5", message_id=f"keep-{n}")).status_code == 204
    assert db.connection() is kept and len(checkouts) == 1
    # idle longer than the pool believes a connection alive: back to the pool, taken anew
    monkeypatch.setattr(request_connection, "KEEP_FOR", 0)
    assert client.get("/healthz").status_code == 200
    assert len(checkouts) == 2
    assert InboundMessage.select().count() == 3


def test_a_connection_kept_past_its_time_goes_back_to_the_pool(database, client, checkouts,
                                                               monkeypatch):
    """The pool's stale_timeout still sees it: a thread gives it back every KEEP_AT_MOST."""
    monkeypatch.setattr(request_connection, "KEEP_AT_MOST", 0)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
        assert db.is_closed()
    assert len(checkouts) >= 1


def test_a_kept_connection_the_server_dropped_while_idle_costs_no_request(
        database, client, checkouts, monkeypatch):
    """Given back dated from its last use, the pool proves it before handing it out, as it
    proves one that waited in the pool that long (store/postgres.py)."""
    if not is_postgres():
        pytest.skip("a PostgreSQL connection cut from the server side")
    assert client.get("/healthz").status_code == 200
    _drop_every_session(database)
    time.sleep(0.05)
    # both windows shortened together, as they are one (KEEP_FOR = ALIVE_BYPASS)
    monkeypatch.setattr(request_connection, "KEEP_FOR", 0.01)
    monkeypatch.setattr(store_postgres, "ALIVE_BYPASS", 0.01)
    assert post_form(client, sms("STOP", message_id="after-idle")).status_code == 204
    assert InboundMessage.select().count() == 1


def test_a_kept_connection_the_server_dropped_just_now_fails_one_request_and_is_not_kept(
        database, client, checkouts):
    """Within the window the pool believes a connection alive, so does the thread: the
    request that finds it dead answers 503 (Vonage sends the text again), the next is new."""
    if not is_postgres():
        pytest.skip("a PostgreSQL connection cut from the server side")
    from tests.gateway.test_delivery import cut_the_connection

    assert client.get("/healthz").status_code == 200
    cut_the_connection(database)
    answer = post_form(client, sms("STOP", message_id="cut-kept"))
    assert answer.status_code == 503 and db.is_closed()  # closed, not kept
    assert post_form(client, sms("STOP", message_id="cut-kept")).status_code == 204
    assert len(checkouts) == 2 and InboundMessage.select().count() == 1


def test_a_request_leaves_a_connection_the_thread_opened_itself_alone(database, client):
    mine = db.connection()
    assert post_form(client, sms("see you at 5", message_id="own-1")).status_code == 204
    assert db.connection() is mine and "kept" not in request_connection._thread.__dict__


def test_a_connection_the_thread_opened_after_a_kept_one_is_not_taken_over(
        database, app, checkouts):
    def fails():
        raise RuntimeError("a handler's bug")

    app.add_url_rule("/fails", view_func=fails)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # kept
    database.close()  # the thread's own code gives it back…
    database.connect()  # …and opens its own
    mine = db.connection()
    assert client.get("/fails").status_code == 500
    assert not database.is_closed() and db.connection() is mine


def test_a_request_on_a_thread_that_ends_gives_its_connection_back(database, app, checkouts,
                                                                  monkeypatch):
    """A server with a thread per connection (werkzeug's, `smsprefs serve`): nothing kept."""
    client = app.test_client()
    answers, taken = [], []
    opening = request_connection.open_connection

    def open_and_note():
        opened = opening()
        taken.append(database.conn_key(db.connection()))
        return opened

    monkeypatch.setattr(request_connection, "open_connection", open_and_note)

    def serve():
        answers.append(client.get("/healthz").status_code)
        answers.append(db.is_closed())

    for _ in range(3):
        thread = threading.Thread(target=serve)
        thread.start()
        thread.join()
    assert answers == [200, True] * 3 and len(taken) == 3
    # every connection these requests took went back to the pool (the pool is the whole
    # test session's: a thread of an earlier test may hold one of its own meanwhile)
    assert not set(taken) & set(database._in_use)
