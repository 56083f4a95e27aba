"""gateway/webhook_server.py: the Vonage webhooks served without Flask's request machinery
keep what Flask gave them. The webhooks' behaviour itself is tested, through the same WSGI
call, in test_webhooks.py, test_hostile_webhooks.py and test_malformed_input.py."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest

import gateway.webhooks
from store.db import DatabaseError, OperationalError, db
from store.models import InboundMessage
from tests.gateway.test_connections import checkouts  # noqa: F401 - a fixture
from tests.gateway.test_webhooks import post_form, sms

INBOUND = "/webhooks/vonage/inbound"


def post_raising(client, monkeypatch, caplog, error: Exception, text: str, message_id: str):
    """Post a text whose handling raises `error`; return the answer and the ERROR lines."""
    def raising(**_):
        raise error

    monkeypatch.setattr(gateway.webhooks, "receive_text", raising)
    with caplog.at_level(logging.ERROR):
        answer = post_form(client, sms(text, message_id=message_id))
    return answer, [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_crash_under_a_webhook_is_a_json_500_logged_and_its_connection_given_back(
        client, checkouts, monkeypatch, caplog):  # noqa: F811 - the fixture
    answer, errors = post_raising(client, monkeypatch, caplog,
                                  RuntimeError("cannot read 12025559001"), "see you at 5",
                                  "crash-1")
    assert answer.status_code == 500
    assert answer.get_json()["error"] == "internal_server_error"
    assert "cannot read" not in answer.get_data(as_text=True)  # nothing of the crash told
    crashed = [r for r in errors if r.getMessage() == f"Exception on {INBOUND} [POST]"]
    assert crashed and crashed[0].exc_info[0] is RuntimeError
    assert db.is_closed()  # a request that crashed does not keep its connection
    monkeypatch.undo()
    assert post_form(client, sms("see you at 5", message_id="crash-1")).status_code == 204
    assert not db.is_closed()  # one that did not keeps it for the next
    assert InboundMessage.select().count() == 1


def test_an_error_the_webhook_answers_keeps_its_connection(client, checkouts):  # noqa: F811
    assert post_form(client, sms("hello")).status_code == 204
    unsigned = {"msisdn": "12125550100", "messageId": "u-1", "text": "hi"}
    assert post_form(client, unsigned).status_code == 401
    assert not db.is_closed()
    assert InboundMessage.select().count() == 1


def test_a_database_unreachable_at_the_start_is_a_json_503_and_nothing_kept(client,
                                                                            monkeypatch):
    def unreachable():
        raise DatabaseError("connection refused")

    monkeypatch.setattr("gateway.webhook_server.open_request_connection", unreachable)
    answer = post_form(client, sms("STOP", message_id="down-1"))
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "database_unavailable"
    assert InboundMessage.select().count() == 0


@pytest.mark.parametrize(("path", "allowed"), [
    (INBOUND, {"GET", "HEAD", "OPTIONS", "POST"}),
    ("/webhooks/vonage/status", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("/webhooks/vonage/messages", {"OPTIONS", "POST"}),
    ("/webhooks/vonage/messages/status", {"OPTIONS", "POST"}),
])
def test_options_answers_allow_and_a_method_not_allowed_is_405(client, path, allowed):
    for method in ("OPTIONS", "options"):  # a method is read whatever its case
        options = client.open(path, method=method, data=sms("STOP"))
        assert options.status_code == 200 and set(options.allow) == allowed
    assert InboundMessage.select().count() == 0
    refused = client.delete(path)
    assert refused.status_code == 405 and set(refused.allow) == allowed
    assert refused.get_json()["error"] == "method_not_allowed"


def test_head_is_served_as_get(client):
    assert client.head(f"{INBOUND}?{urlencode(sms('see you at 5'))}").status_code == 204
    assert InboundMessage.select().count() == 1


@pytest.mark.parametrize("path", ["/webhooks/vonage/inbound/", "/webhooks/vonage/other",
                                  "/webhooks/vonage"])
def test_any_other_path_is_flasks(client, path):
    answer = client.post(path, data=sms("STOP"))
    assert answer.status_code == 404 and answer.get_json()["error"] == "not_found"
    assert InboundMessage.select().count() == 0


def test_a_path_near_the_webhooks_is_answered_as_flask_routes_answer_it(client):
    """werkzeug's router, Flask's own: a leading slash doubled is the webhook, one doubled
    inside redirects to it (308, nothing stored), as before the webhooks left Flask."""
    doubled = {"PATH_INFO": "/" + INBOUND}  # as a server passes it (a test URL's // is a host)
    assert client.post(INBOUND, data=sms("see you at 5"),
                       environ_overrides=doubled).status_code == 204
    moved = client.post("/webhooks//vonage/inbound", data=sms("STOP"))
    assert moved.status_code == 308 and moved.location.endswith(INBOUND)
    assert InboundMessage.select().count() == 1


def test_a_host_that_is_not_a_name_is_400_and_nothing_kept(client):
    answer = client.post(INBOUND, data=sms("STOP"), headers={"Host": "x" * 64})
    assert answer.status_code == 400 and answer.get_json()["error"] == "bad_request"
    assert InboundMessage.select().count() == 0


def test_a_database_failing_under_a_webhook_is_one_503_logged_once(client, monkeypatch,
                                                                    caplog):
    lost = OperationalError("server closed the connection unexpectedly")
    answer, errors = post_raising(client, monkeypatch, caplog, lost, "STOP", "lost-1")
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "database_unavailable"
    assert len([r for r in errors if r.getMessage().startswith("the database failed")]) == 1
