"""Vonage webhooks on the real Flask app: signatures, formats, idempotency, what a text causes."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from gateway.app import create_app
from store.consent.changes import get_state
from store.consent.history import list_events
from store.db import is_postgres
from store.models import (
    Alert,
    ConsentEvent,
    InboundMessage,
    InboundPart,
    OutboundMessage,
    Phone,
    Review,
)
from tests.factories import PHONE, ZONE
from tests.fakes.signing import messages_jwt, sign_sms_params
from tests.gateway.conftest import SIGNATURE_SECRET, WEBHOOK_TOKEN, make_config

MSISDN = PHONE.lstrip("+")
_ids = iter(range(1, 10**6))


def sms(text: str, *, message_id: str | None = None, **extra) -> dict:
    params = {"msisdn": MSISDN, "to": "12125550199", "messageId": message_id or f"m{next(_ids)}",
              "text": text, "type": "text", "keyword": text.split()[0].upper() if text else "",
              "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
              "api-key": "abcd1234", **extra}
    return sign_sms_params(params, SIGNATURE_SECRET)


def post_form(client, params):
    return client.post("/webhooks/vonage/inbound", data=params)


def test_signed_get_post_form_and_post_json_are_all_accepted(client):
    assert client.get("/webhooks/vonage/inbound?" + urlencode(sms("hello"))).status_code == 204
    assert post_form(client, sms("hello again")).status_code == 204
    assert client.post("/webhooks/vonage/inbound", json=sms("and again")).status_code == 204
    assert InboundMessage.select().count() == 3


def test_stop_opts_out_with_one_confirmation_one_alert_and_events(client):
    assert post_form(client, sms("STOP")).status_code == 204
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_out", "client_keyword")
    assert all(state.switch(n).state == "off" for n in state.switches) and state.switches
    reply = OutboundMessage.get()
    assert (reply.kind, reply.status, reply.to) == ("confirmation", "queued", PHONE)
    assert reply.text.startswith("Acme Motors: you're unsubscribed")
    assert "?" not in reply.text  # a statement, not a question
    assert (reply.expires_at - reply.send_at).total_seconds() <= 5 * 60 + 1
    first = list_events(PHONE)[-1]
    assert (first.raw_text, first.rule, first.channel, first.actor) == (
        "STOP", "keyword", "sms", "client")
    assert [a.kind for a in Alert.select()] == ["opt_out"]


def test_scoped_stop_confirms_in_scoped_words(client):
    post_form(client, sms("STOP PRICE DROP"))
    state = get_state(PHONE)
    assert state.overall == "unknown"
    assert state.switch("price_reduction").locked
    assert OutboundMessage.get().text == (
        "Acme Motors: price drop alerts are off. Other texts continue. "
        "Reply STOP to end all texts.")


def test_a_repeated_stop_within_a_day_gets_no_second_confirmation(client):
    post_form(client, sms("STOP"))
    post_form(client, sms("stop"))
    assert OutboundMessage.select().count() == 1
    assert Alert.select().count() == 1


def test_help_is_answered_even_when_opted_out(client):
    post_form(client, sms("STOP"))
    post_form(client, sms("HELP"))
    help_reply = OutboundMessage.get(OutboundMessage.kind == "help")
    assert help_reply.status == "queued"
    assert "Call +1 212 555 0199" in help_reply.text and "Msg&data rates may apply" in \
        help_reply.text


def test_start_opts_back_in_with_the_rates_line(client):
    post_form(client, sms("STOP"))
    post_form(client, sms("START"))
    assert get_state(PHONE).overall == "opted_in"
    confirmation = OutboundMessage.select().order_by(OutboundMessage.id.desc()).first()
    assert "Msg&data rates may apply" in confirmation.text and "STOP" in confirmation.text
    assert [a.kind for a in Alert.select().order_by(Alert.id)] == ["opt_out", "opt_in"]


def test_a_possible_opt_out_goes_to_review_and_changes_nothing(client):
    post_form(client, sms("I'll stop by Friday to see the truck"))
    assert get_state(PHONE).overall == "unknown"
    review = Review.get()
    assert (review.kind, review.status, review.text) == (
        "text", "pending", "I'll stop by Friday to see the truck")
    assert [a.kind for a in Alert.select()] == ["review"]
    assert OutboundMessage.select().count() == 0
    assert ConsentEvent.select().count() == 0


def test_a_repeated_message_id_is_processed_once(client):
    for _ in range(3):
        assert post_form(client, sms("STOP", message_id="same-id")).status_code == 204
    assert InboundMessage.select().count() == 1
    assert OutboundMessage.select().count() == 1
    assert Alert.select().count() == 1
    assert ConsentEvent.select().where(ConsentEvent.scope == "overall").count() == 1


def test_concatenated_parts_are_read_as_one_text(client):
    parts = ["please stop sending me the pri", "ce drop texts"]
    common = {"concat": "true", "concat-ref": "7", "concat-total": "2"}
    post_form(client, sms(parts[1], **common, **{"concat-part": "2"}))
    assert InboundMessage.select().count() == 0 and InboundPart.select().count() == 1
    post_form(client, sms(parts[0], **common, **{"concat-part": "1"}))
    message = InboundMessage.get()
    assert message.text == "".join(parts)
    assert (message.intent, message.scope) == ("opt_out", "price_reduction")
    assert all(p.assembled_into_id == message.id for p in InboundPart.select())


def test_a_part_that_never_completes_is_read_alone_after_the_timeout(client):
    from datetime import timedelta

    from store.messaging.inbound import assemble_stale_parts

    post_form(client, sms("STOP", concat="true", **{"concat-ref": "9", "concat-total": "3",
                                                    "concat-part": "1"}))
    assert assemble_stale_parts(older_than=timedelta(minutes=2)) == []
    results = assemble_stale_parts(older_than=timedelta(seconds=-1))
    assert [r.message.text for r in results] == ["STOP"]
    assert get_state(PHONE).overall == "opted_out"


@pytest.mark.parametrize("tamper", ["text", "sig", "missing", "stale", "wrong_secret"])
def test_forged_missing_or_stale_signatures_are_refused_and_change_nothing(client, tamper):
    params = sms("STOP")
    if tamper == "text":
        params["text"] = "START"
    elif tamper == "sig":
        params["sig"] = "0" * 64
    elif tamper == "missing":
        del params["sig"]
    elif tamper == "stale":
        params = sign_sms_params({**sms("STOP"), "timestamp": str(int(time.time()) - 600)},
                                 SIGNATURE_SECRET)
    else:
        params = sign_sms_params({k: v for k, v in params.items() if k != "sig"}, "other-secret")
    response = post_form(client, params)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert Phone.select().count() == 0 and InboundMessage.select().count() == 0


def test_an_identical_signed_webhook_resent_is_204_and_processed_once(client):
    # Vonage resends the very request when our 2xx did not reach it in time
    params = sms("STOP")
    assert post_form(client, params).status_code == 204
    events = ConsentEvent.select().count()
    assert post_form(client, params).status_code == 204
    assert client.post("/webhooks/vonage/inbound", json=params).status_code == 204
    assert ConsentEvent.select().count() == events
    assert InboundMessage.select().count() == 1 and OutboundMessage.select().count() == 1


def test_another_message_under_a_used_signature_is_refused(client):
    params = sms("hello")
    assert post_form(client, params).status_code == 204
    response = post_form(client, {**params, "text": "START", "messageId": "other"})
    assert response.status_code == 401
    assert InboundMessage.select().count() == 1


@pytest.mark.parametrize(("params", "message"), [
    ({"text": "STOP", "messageId": "x"}, "lacks msisdn"),
    ({"msisdn": MSISDN, "text": "STOP"}, "lacks messageId"),
    ({"msisdn": MSISDN, "messageId": "x", "concat": "true", "concat-ref": "1",
      "concat-part": "three", "concat-total": "3"}, "concat-part must be a part number"),
    ({"msisdn": MSISDN, "messageId": "x" * 101, "text": "STOP"}, "at most 100"),
])
def test_malformed_webhooks_are_400_with_a_clear_message(client, params, message):
    response = post_form(client, sign_sms_params(params, SIGNATURE_SECRET))
    assert response.status_code == 400
    assert message in response.json["message"]
    assert InboundMessage.select().count() == 0


@pytest.mark.parametrize("where", ["body", "query"])
def test_parameters_that_are_not_utf8_are_400_and_change_nothing(client, where):
    form = urlencode(sms("STOP")).encode() + b"&x=\xff"
    if where == "body":
        response = client.post("/webhooks/vonage/inbound", data=form,
                               content_type="application/x-www-form-urlencoded")
    else:
        response = client.open("/webhooks/vonage/inbound", method="GET",
                               environ_overrides={"QUERY_STRING": form.decode("latin-1")})
    assert response.status_code == 400
    assert response.json["message"] == "the parameters are not UTF-8"
    assert InboundMessage.select().count() == 0


def test_a_multipart_form_is_read_as_werkzeug_reads_it(client):
    # Vonage posts urlencoded forms (read by url_pairs); any other form still is a form
    response = client.post("/webhooks/vonage/inbound", data=sms("STOP"),
                           content_type="multipart/form-data")
    assert response.status_code == 204
    assert get_state(PHONE).overall == "opted_out"


def test_a_body_over_64_kib_is_413(client):
    response = client.post("/webhooks/vonage/inbound", data={"text": "x" * 70_000})
    assert response.status_code == 413
    assert response.json["error"] == "request_entity_too_large"


def test_path_token_is_required_without_a_signature_secret(database, tmp_path):
    app = create_app(make_config(database, tmp_path, VONAGE_SIGNATURE_SECRET="",
                                 WEBHOOK_TOKEN=WEBHOOK_TOKEN))
    client = app.test_client()
    params = {"msisdn": MSISDN, "messageId": "t1", "text": "STOP"}
    assert client.get("/webhooks/vonage/inbound?" + urlencode(params)).status_code == 401
    bad = urlencode({**params, "token": "nope"})
    assert client.get(f"/webhooks/vonage/inbound?{bad}").status_code == 401
    good = urlencode({**params, "token": WEBHOOK_TOKEN})
    assert client.get(f"/webhooks/vonage/inbound?{good}").status_code == 204
    assert get_state(PHONE).overall == "opted_out"


def test_webhooks_are_refused_with_neither_secret_nor_token(database, tmp_path):
    app = create_app(make_config(database, tmp_path, VONAGE_SIGNATURE_SECRET=""))
    response = app.test_client().get("/webhooks/vonage/inbound?msisdn=12125550100&messageId=a")
    assert response.status_code == 401
    assert "ALLOW_UNSIGNED_WEBHOOKS" in response.json["message"]
    demo = create_app(make_config(database, tmp_path, VONAGE_SIGNATURE_SECRET="",
                                  ALLOW_UNSIGNED_WEBHOOKS="true"))
    ok = demo.test_client().get("/webhooks/vonage/inbound?msisdn=12125550100&messageId=a&text=hi")
    assert ok.status_code == 204


def messages_post(client, payload: dict, *, secret=SIGNATURE_SECRET, body=None, iat=None):
    raw = body if body is not None else json.dumps(payload, separators=(",", ":")).encode()
    token = messages_jwt(raw, secret, iat=iat)
    return client.post("/webhooks/vonage/messages", data=raw,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"})


def inbound_message(text: str, uuid: str = "a1b2c3") -> dict:
    return {"message_uuid": uuid, "to": "12125550199", "from": MSISDN,
            "timestamp": "2026-11-26T15:43:21Z", "channel": "sms", "message_type": "text",
            "text": text, "sms": {"num_messages": "1", "keyword": text.split()[0].upper()}}


def test_messages_api_inbound_with_a_valid_jwt_is_read(client):
    assert messages_post(client, inbound_message("STOP PRICE DROP")).status_code == 204
    assert get_state(PHONE).switch("price_reduction").locked
    assert messages_post(client, inbound_message("STOP PRICE DROP")).status_code == 204
    assert InboundMessage.select().count() == 1  # the same message_uuid again: once


@pytest.mark.parametrize("label", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_messages_api_body_is_read_as_json_whatever_its_content_type_says(client, label):
    # the JWT signs the body's bytes: those are read, not what a form parser left of them
    # (a form label once left an empty body: "needs a JSON object body")
    raw = json.dumps(inbound_message("STOP")).encode()
    response = client.post("/webhooks/vonage/messages", data=raw, headers={
        "Authorization": f"Bearer {messages_jwt(raw, SIGNATURE_SECRET)}", "Content-Type": label})
    assert response.status_code == 204
    assert get_state(PHONE).overall == "opted_out"


def test_an_identical_messages_api_request_resent_is_204_and_processed_once(client):
    raw = json.dumps(inbound_message("STOP")).encode()
    headers = {"Authorization": f"Bearer {messages_jwt(raw, SIGNATURE_SECRET)}",
               "Content-Type": "application/json"}
    for _ in range(2):
        response = client.post("/webhooks/vonage/messages", data=raw, headers=headers)
        assert response.status_code == 204
    assert ConsentEvent.select().where(ConsentEvent.outcome == "applied").count() == \
        1 + len(get_state(PHONE).switches)
    assert InboundMessage.select().count() == 1 and OutboundMessage.select().count() == 1


@pytest.mark.parametrize("forgery", ["secret", "body", "stale", "no_header"])
def test_messages_api_forgeries_are_refused(client, forgery):
    payload = inbound_message("START")
    raw = json.dumps(payload).encode()
    if forgery == "secret":
        response = messages_post(client, payload, secret="not-our-secret-but-long-enough-for-hs256")
    elif forgery == "body":
        token = messages_jwt(raw, SIGNATURE_SECRET)
        response = client.post("/webhooks/vonage/messages", data=raw.replace(b"START", b"STOP"),
                               headers={"Authorization": f"Bearer {token}",
                                        "Content-Type": "application/json"})
    elif forgery == "stale":
        response = messages_post(client, payload, iat=int(time.time()) - 900)
    else:
        response = client.post("/webhooks/vonage/messages", json=payload)
    assert response.status_code == 401
    assert InboundMessage.select().count() == 0


def test_delivery_receipt_with_err_code_9_blocks_the_phone_and_raises_a_review(client):
    from store.messaging.outbox import mark_sent, queue_message

    message = queue_message(to=PHONE, text="Your car is ready", kind="manual", fallback_zone=ZONE)
    mark_sent(message.id, vonage_message_id="0B00000127FDBC63")
    receipt = sign_sms_params({"msisdn": MSISDN, "to": "12125550199", "status": "failed",
                               "err-code": "9", "messageId": "0B00000127FDBC63",
                               "client-ref": str(message.id)}, SIGNATURE_SECRET)
    assert client.post("/webhooks/vonage/status", data=receipt).status_code == 204
    assert get_state(PHONE).carrier_blocked
    assert OutboundMessage.get_by_id(message.id).status == "failed"
    assert [(r.kind, r.status) for r in Review.select()] == [("carrier", "pending")]
    assert [a.kind for a in Alert.select()] == ["carrier_block"]


def test_delivered_receipt_updates_the_status(client):
    from store.messaging.outbox import mark_sent, queue_message

    message = queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    mark_sent(message.id, vonage_message_id="VID1")
    receipt = sign_sms_params({"msisdn": MSISDN, "status": "delivered", "err-code": "0",
                               "messageId": "VID1"}, SIGNATURE_SECRET)
    assert client.get("/webhooks/vonage/status?" + urlencode(receipt)).status_code == 204
    assert OutboundMessage.get_by_id(message.id).status == "delivered"


def test_messages_api_rejection_for_an_opt_out_blocks_the_phone(client):
    from store.messaging.outbox import mark_sent, queue_message

    message = queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    mark_sent(message.id, vonage_message_id="uuid-1")
    payload = {"message_uuid": "uuid-1", "to": MSISDN, "from": "12125550199",
               "status": "rejected", "timestamp": "2026-11-26T15:43:21Z",
               "error": {"type": "https://developer.vonage.com/api-errors/messages#1330",
                         "title": "Opted out", "detail": "The recipient has opted out."}}
    raw = json.dumps(payload).encode()
    token = messages_jwt(raw, SIGNATURE_SECRET)
    response = client.post("/webhooks/vonage/messages/status", data=raw,
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 204
    assert get_state(PHONE).carrier_blocked


@pytest.mark.parametrize("owner", ["vonage", "carrier"])
def test_when_the_network_confirms_a_stop_the_gateway_does_not(database, tmp_path, owner):
    app = create_app(make_config(database, tmp_path, CONFIRMATION_OWNER=owner))
    client = app.test_client()
    post_form(client, sms("STOP PRICE DROP"))
    assert OutboundMessage.select().count() == 1  # the network knows nothing of scopes
    post_form(client, sms("STOP"))
    assert get_state(PHONE).overall == "opted_out"
    assert OutboundMessage.select().count() == 1
    assert [a.kind for a in Alert.select()] == ["opt_out", "opt_out"]  # managers still told


def test_a_scoped_stop_after_a_full_stop_gets_no_false_confirmation(client):
    post_form(client, sms("STOP"))
    post_form(client, sms("stop price drop"))
    [only] = OutboundMessage.select()
    assert "you're unsubscribed" in only.text


def test_a_part_retried_late_by_vonage_still_waits_for_its_sibling(client):
    from datetime import timedelta

    from store.messaging.inbound import assemble_stale_parts

    old = {"message-timestamp": "2026-01-01 10:00:00", "concat": "true", "concat-ref": "5",
           "concat-total": "2"}
    post_form(client, sms("Please don't ", **old, **{"concat-part": "1"}))
    assert assemble_stale_parts(older_than=timedelta(minutes=2)) == []  # arrived just now
    post_form(client, sms("text me anymore", **old, **{"concat-part": "2"}))
    assert get_state(PHONE).overall == "opted_out"


# --- the wake-ups after the commit: one write to the queue per text ---


def woken_tasks(app, monkeypatch) -> list[str]:
    queue = app.extensions["smsprefs.queue"]
    queue.huey.flush()  # on PostgreSQL the queue's table outlives a test: nothing waits
    woken: list[str] = []
    monkeypatch.setattr(queue, "_call", lambda task, delay=0: woken.append(task.name))
    return woken


def test_a_stop_wakes_the_worker_once_for_its_confirmation_and_its_alert(app, monkeypatch):
    woken = woken_tasks(app, monkeypatch)
    assert post_form(app.test_client(), sms("STOP")).status_code == 204
    assert woken == ["deliver+alerts"]
    assert OutboundMessage.select().count() == 1 and Alert.select().count() == 1


def test_a_help_wakes_delivery_only_and_an_ordinary_text_wakes_nothing(app, monkeypatch):
    woken = woken_tasks(app, monkeypatch)
    client = app.test_client()
    assert post_form(client, sms("HELP")).status_code == 204
    assert post_form(client, sms("see you at 5")).status_code == 204
    assert woken == ["deliver"]


def test_the_combined_wake_up_posts_alerts_as_a_task_of_their_own(app, monkeypatch):
    queue = app.extensions["smsprefs.queue"]
    woken = woken_tasks(app, monkeypatch)
    delivered = []
    monkeypatch.setattr(queue, "_deliver", lambda: delivered.append(True))
    queue.deliver_and_alerts.call_local()
    assert woken == ["alerts"] and delivered == [True]


def test_a_wake_up_already_waiting_in_the_queue_is_not_added_again(app, monkeypatch):
    queue = app.extensions["smsprefs.queue"]
    queue.huey.flush()
    client = app.test_client()
    assert post_form(client, sms("STOP", msisdn="12125550101")).status_code == 204
    assert post_form(client, sms("STOP", msisdn="12125550102")).status_code == 204
    assert post_form(client, sms("HELP", msisdn="12125550103")).status_code == 204
    # one waiting wake-up serves the later texts: taken after their commits, it sees them
    assert [task.name for task in queue.huey.pending()] == ["deliver+alerts"]
    assert OutboundMessage.select().count() == 3 and Alert.select().count() == 2
    queue.huey.flush()
    queue.wake()
    queue.wake_alerts()
    queue.wake_both()  # a deliver and an alerts wake-up waiting do both
    assert sorted(task.name for task in queue.huey.pending()) == ["alerts", "deliver"]
    queue.huey.flush()


@pytest.mark.parametrize("text", ["see you at 5", "STOP"])
def test_a_connection_lost_under_a_text_answers_503_and_keeps_nothing(database, client, text):
    """A restart or failover that cuts the connection: 503 (Vonage sends the text again),
    nothing of it kept; the next text is served on a new connection."""
    if not is_postgres():
        pytest.skip("a PostgreSQL connection cut from the server side")
    from tests.gateway.test_delivery import cut_the_connection

    cut_the_connection(database)
    answer = post_form(client, sms(text, message_id="cut-1"))
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "database_unavailable"
    database.close()  # the test holds the thread's connection; a request gives its back
    database.connect()
    assert InboundMessage.select().count() == 0
    assert post_form(client, sms(text, message_id="cut-1")).status_code == 204
    assert InboundMessage.select().count() == 1


def test_a_stop_that_waits_too_long_for_the_chain_answers_503_and_keeps_nothing(
        database, client):
    """A STOP behind a large import's hold on the chain of evidence: after the web's lock
    wait (gateway.app.WEB_LOCK_WAIT, here shortened) 503, and Vonage's retry is served."""
    if not is_postgres():
        pytest.skip("PostgreSQL's lock_timeout")
    import psycopg

    from store.consent.chain import _PG_CHAIN_KEY

    database.execute_sql("SET lock_timeout = '300ms'")  # as the web's connections have it
    try:
        with psycopg.connect(database.url) as importer:
            importer.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_CHAIN_KEY,))
            began = time.monotonic()
            answer = post_form(client, sms("STOP", message_id="held-1"))
            assert answer.status_code == 503 and time.monotonic() - began < 5
            database.close()
            database.connect()
            assert InboundMessage.select().count() == 0 and ConsentEvent.select().count() == 0
        # the import committed (here: its transaction ended): the retry is served
        assert post_form(client, sms("STOP", message_id="held-1")).status_code == 204
        assert get_state(PHONE).overall == "opted_out"
    finally:
        database.execute_sql("RESET lock_timeout")  # the pooled connection serves other tests
