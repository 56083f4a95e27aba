"""gateway/app.py: a request's connection, taken from the pool or kept from the thread's
previous request, and given back whenever it may not serve the next one."""

from __future__ import annotations

import pytest

import gateway.app as gateway_app
from store.db import db, is_postgres
from store.models import InboundMessage
from tests.gateway.test_webhooks import post_form, sms


@pytest.fixture
def checkouts(database, monkeypatch):
    """Give the thread's connection back to the pool (so requests own theirs) and count
    the connections the pool hands out from then on."""
    database.close()
    taken = []
    real = database._connect
    monkeypatch.setattr(database, "_connect", lambda: taken.append(1) or real())
    yield taken
    gateway_app._kept.__dict__.pop("at", None)


def test_a_request_keeps_its_connection_for_the_next_request_soon_after(
        database, client, checkouts, monkeypatch):
    assert client.get("/healthz").status_code == 200
    assert not db.is_closed()  # kept on the thread, not given back
    kept = db.connection()
    for n in range(3):
        assert post_form(client, sms("see you at 5", message_id=f"keep-{n}")).status_code == 204
    assert db.connection() is kept and len(checkouts) == 1
    # idle longer than the pool believes a connection alive: back to the pool, taken anew
    monkeypatch.setattr(gateway_app, "KEEP_FOR", 0)
    assert client.get("/healthz").status_code == 200
    assert len(checkouts) == 2
    assert InboundMessage.select().count() == 3


def test_a_request_leaves_a_connection_the_thread_opened_itself_alone(database, client):
    mine = db.connection()
    assert post_form(client, sms("see you at 5", message_id="own-1")).status_code == 204
    assert db.connection() is mine and "at" not in gateway_app._kept.__dict__


def test_a_kept_connection_the_server_dropped_fails_one_request_and_is_not_kept(
        database, client, checkouts):
    """As the pool's own window (store/postgres.py): a connection cut within it fails the
    request that finds it (503; Vonage sends the text again), and the next one is new."""
    if not is_postgres():
        pytest.skip("a PostgreSQL connection cut from the server side")
    from tests.gateway.test_delivery import cut_the_connection

    assert client.get("/healthz").status_code == 200
    cut_the_connection(database)
    answer = post_form(client, sms("STOP", message_id="cut-kept"))
    assert answer.status_code == 503 and db.is_closed()  # closed, not kept
    assert post_form(client, sms("STOP", message_id="cut-kept")).status_code == 204
    assert len(checkouts) == 2 and InboundMessage.select().count() == 1
