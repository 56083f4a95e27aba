"""The Slack fakes, checked against the real slack_sdk WebClient and WebhookClient, and Bolt."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import pytest
from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakes.blockkit import assert_valid_message, assert_valid_modal
from tests.fakes.slack_server import FakeSlack, Ok, SlackError, Status, Timeout
from tests.fakes.slack_signing import (
    action_body,
    block_action_payload,
    command_body,
    signed_headers,
    view_submission_payload,
)

SECRET = "test-signing-secret"


@pytest.fixture
def fake():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.api_url, timeout=5)


def button(action_id, text="Go", value="v"):
    return {"type": "button", "action_id": action_id, "value": value,
            "text": {"type": "plain_text", "text": text}}


def option(text, value="v"):
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def section(text, **extra):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def prefs_card():
    """Return blocks shaped like the bot's consent card."""
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Jane Doe"}},
        section("*+1 555 123 4567*", block_id="phone",
                fields=[{"type": "mrkdwn", "text": "*SMS*\nopted in"}]),
        {"type": "actions", "block_id": "consent",
         "elements": [button("smsprefs:optout", "Opt out", "42"),
                      button("smsprefs:optin", "Opt in", "42")]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Last change by <@U1>"}]},
    ]


def prefs_modal(**overrides):
    return {
        "type": "modal", "callback_id": "smsprefs:edit", "private_metadata": '{"client": 42}',
        "title": {"type": "plain_text", "text": "SMS preferences"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": "channels",
             "label": {"type": "plain_text", "text": "Channels"},
             "element": {"type": "checkboxes", "action_id": "pick",
                         "options": [option("Marketing", "mkt"), option("Service", "svc")]}},
        ],
    } | overrides


# the fake Slack API through the real WebClient


def test_auth_test_answers_as_the_bot_and_records_the_bearer_token(fake, client):
    response = client.auth_test()

    assert response.data == {"ok": True, "url": "https://acme.slack.com/", "team": "Acme",
                             "user": "smsprefs", "team_id": "T0001", "user_id": "UBOT",
                             "bot_id": "BBOT"}
    (call,) = fake.calls
    assert (call.method, call.token) == ("auth.test", "xoxb-test")
    assert call.headers["authorization"] == "Bearer xoxb-test"


def test_post_message_is_recorded_as_json_and_answers_increasing_ts(fake, client):
    first = client.chat_postMessage(channel="C1", text="one", blocks=prefs_card(),
                                    metadata={"event_type": "optout", "event_payload": {"id": 7}})
    second = client.chat_postMessage(channel="C2", text="two")

    assert first["channel"] == "C1" and first["message"]["text"] == "one"
    assert float(first["ts"]) < float(second["ts"])
    assert abs(float(first["ts"]) - time.time()) < 60  # now-ish, as Slack's are
    call = fake.calls_to("chat.postMessage")[0]
    assert call.headers["content-type"].startswith("application/json")
    assert call.body["blocks"] == prefs_card()
    assert [(p.channel, p.text) for p in fake.posted()] == [("C1", "one"), ("C2", "two")]
    assert fake.posted("C1")[0].metadata == {"event_type": "optout", "event_payload": {"id": 7}}


def test_form_encoded_calls_are_parsed_and_usergroups_answer_what_was_set(fake, client):
    fake.set_usergroup("S123", ["U1", "U2"])

    assert client.usergroups_users_list(usergroup="S123")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError) as error:
        client.usergroups_users_list(usergroup="S999")
    assert error.value.response["error"] == "no_such_subteam"
    call = fake.calls_to("usergroups.users.list")[0]
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.body == {"usergroup": "S123"}


def test_chat_update_answers_channel_and_ts_and_edits_history(fake, client):
    ts = client.chat_postMessage(channel="C1", text="before")["ts"]

    response = client.chat_update(channel="C1", ts=ts, text="after", blocks=[section("after")])

    assert (response["ok"], response["channel"], response["ts"]) == (True, "C1", ts)
    (message,) = client.conversations_history(channel="C1")["messages"]
    assert message["text"] == "after" and message["blocks"] == [section("after")]
    assert message["edited"]["ts"] == ts
    assert client.chat_update(channel="C1", ts="1.000001", text="unknown ts")["ok"]


def test_views_open_and_update_answer_id_and_hash(fake, client):
    opened = client.views_open(trigger_id="T.trigger", view=prefs_modal())["view"]
    assert opened["id"].startswith("V") and opened["hash"].startswith("h")
    assert opened["callback_id"] == "smsprefs:edit" and opened["state"] == {"values": {}}

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"],
                                  view=prefs_modal())["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=prefs_modal())
    assert stale.value.response["error"] == "hash_conflict"
    assert fake.calls_to("views.open")[0].body["trigger_id"] == "T.trigger"


def test_history_is_newest_first_with_blocks_metadata_oldest_and_limit(fake, client):
    metadata = {"event_type": "optout_alert", "event_payload": {"client": 42}}
    stamps = [client.chat_postMessage(channel="C1", text=f"m{i}", blocks=[section(f"m{i}")],
                                      metadata=metadata)["ts"] for i in range(3)]
    client.chat_postMessage(channel="C2", text="elsewhere")
    client.chat_postMessage(channel="C1", text="reply", thread_ts=stamps[0])

    history = client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["m2", "m1", "m0"]
    assert history["has_more"] is False
    newest = history["messages"][0]
    assert (newest["ts"], newest["blocks"], newest["metadata"]) == (
        stamps[2], [section("m2")], metadata)
    after_first = client.conversations_history(channel="C1", oldest=stamps[0])
    assert [m["ts"] for m in after_first["messages"]] == [stamps[2], stamps[1]]
    limited = client.conversations_history(channel="C1", limit=1)
    assert [m["text"] for m in limited["messages"]] == ["m2"] and limited["has_more"] is True


def test_other_methods_answer_ok_and_unauthenticated_calls_are_refused(fake, client):
    assert client.users_info(user="U1").data == {"ok": True}
    fake.set_answer("users.info", lambda body: {"ok": True, "user": {"id": body["user"],
                                                                      "is_admin": True}})
    assert client.users_info(user="U1")["user"] == {"id": "U1", "is_admin": True}
    with pytest.raises(SlackApiError) as error:
        WebClient(base_url=fake.api_url).chat_postMessage(channel="C1", text="x")
    assert error.value.response["error"] == "not_authed"
    assert fake.posted() == []


def test_a_failure_inside_the_fake_is_an_http_500_naming_it(fake, client):
    fake.set_answer("users.info", lambda body: 1 / 0)

    with pytest.raises(SlackApiError) as error:
        client.users_info(user="U1")

    assert error.value.response.status_code == 500
    assert "ZeroDivisionError" in error.value.response["error"]
    with pytest.raises(SlackApiError, match="invalid_ts_oldest"):
        client.conversations_history(channel="C1", oldest="yesterday")


def test_posts_slack_would_refuse_are_refused(fake, client):
    for kwargs, error in [({"text": "no channel", "channel": ""}, "channel_not_found"),
                          ({"channel": "C1", "text": "x", "blocks": [section("x" * 3001)]},
                           "invalid_blocks")]:
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(**kwargs)
        assert refused.value.response["error"] == error
    with pytest.warns(UserWarning, match="text"), pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="")
    assert refused.value.response["error"] == "no_text"
    invalid = fake.calls_to("chat.postMessage")[1].answer
    assert invalid["errors"] == ["blocks[0] (section): section text has 3001 characters (max 3000)"]
    assert fake.posted() == []

    with FakeSlack(validate_blocks=False) as lenient:
        WebClient(token="t", base_url=lenient.api_url).chat_postMessage(
            channel="C1", text="x", blocks=[section("x" * 3001)])
        assert len(lenient.posted()) == 1


# scripted failures, as slack_sdk surfaces them


def test_status_is_an_http_error_raised_as_slack_api_error(fake, client):
    fake.script("chat.postMessage", [Status(500)])

    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="x")

    assert error.value.response.status_code == 500
    assert "non-JSON" in error.value.response["error"]
    assert fake.posted() == []


def test_ratelimited_is_http_429_with_retry_after_and_is_not_retried(fake, client):
    fake.script("chat.postMessage", [SlackError("ratelimited", retry_after=7)])

    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="x")

    response = error.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "7"
    assert len(fake.calls) == 1 and fake.posted() == []


def test_other_slack_errors_are_http_200_ok_false(fake, client):
    fake.script("chat.postMessage", [SlackError("not_in_channel")])

    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="x")

    assert (error.value.response.status_code, error.value.response["error"]) == (
        200, "not_in_channel")


def test_timeout_raises_timeout_error_but_the_message_was_posted(fake):
    fake.script("chat.postMessage", [Timeout(seconds=3)])
    impatient = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=1)

    started = time.monotonic()
    # a read timeout comes out of urllib as a bare TimeoutError (socket.timeout), not a URLError,
    # so slack_sdk's default ConnectionErrorRetryHandler does not resend it
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C1", text="did it go?")

    assert time.monotonic() - started < 2.5
    assert [p.text for p in fake.posted()] == ["did it go?"]
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_script_runs_in_order_per_method_then_answers_normally(fake, client):
    fake.script("chat.postMessage", [Status(503), SlackError("ratelimited", retry_after=1), Ok()])
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append(client.chat_postMessage(channel="C1", text="x")["ok"])
        except SlackApiError as e:
            outcomes.append(e.response.status_code)
        client.chat_update(channel="C1", ts="1.2", text="unaffected by the script")

    assert outcomes == [503, 429, True, True]
    assert [c.behaviour for c in fake.calls_to("chat.postMessage")] == [
        Status(503), SlackError("ratelimited", retry_after=1), Ok(), Ok()]
    assert len(fake.posted()) == 2


# response URLs, polling, lifecycle


def test_webhook_client_posts_to_response_url_are_recorded(fake):
    response = WebhookClient(fake.response_url("x")).send(text="hi", replace_original=True)

    assert (response.status_code, response.body) == (200, "ok")
    (posted,) = fake.responses("x")
    assert posted.method == "/respond/x"
    assert posted.body == {"text": "hi", "replace_original": True}
    assert fake.responses("other") == [] and fake.responses() == [posted]


def test_response_urls_can_be_scripted_too(fake):
    fake.script("/respond/gone", [Status(404, "expired_url")])

    response = WebhookClient(fake.response_url("gone")).send(text="late")

    assert (response.status_code, response.body) == (404, "expired_url")


def test_wait_for_sees_calls_from_other_threads_and_times_out_otherwise(fake, client):
    threading.Timer(0.2, client.chat_postMessage, kwargs={"channel": "C1", "text": "x"}).start()

    (call,) = fake.wait_for("chat.postMessage", timeout=3)
    assert call.body["text"] == "x"
    with pytest.raises(TimeoutError, match=r"chat\.update not called 1 times"):
        fake.wait_for("chat.update", timeout=0.1)
    with pytest.raises(TimeoutError):
        fake.wait_for_responses(timeout=0.1)


def test_concurrent_posts_all_get_distinct_ts(fake, client):
    threads = [threading.Thread(target=client.chat_postMessage,
                                kwargs={"channel": "C1", "text": str(i)}) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stamps = [p.ts for p in fake.posted()]
    assert len(set(stamps)) == 20 and stamps == sorted(stamps)


def test_stop_leaves_no_threads_and_frees_the_port():
    before = set(threading.enumerate())
    fake = FakeSlack().start()
    fake.script("chat.postMessage", [Timeout(30)])
    port = fake.port
    waiting = threading.Thread(target=_post_ignoring_errors, args=(fake.api_url,))
    waiting.start()
    fake.wait_for("chat.postMessage")

    started = time.monotonic()
    fake.stop()
    waiting.join(5)

    assert time.monotonic() - started < 2
    assert set(threading.enumerate()) == before
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass


def _post_ignoring_errors(api_url):
    with contextlib.suppress(Exception):
        WebClient(token="t", base_url=api_url, timeout=10,
                  retry_handlers=[]).chat_postMessage(channel="C1", text="x")


# signing and payloads

SLACK_DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIG"
    "lgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)


def test_signer_matches_slack_documented_vector():
    headers = signed_headers(SLACK_DOC_SECRET, SLACK_DOC_BODY, timestamp=1531420618)

    assert headers == {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def test_signature_verifier_accepts_our_headers_only_with_the_right_secret_and_time():
    body = command_body("+15551234567", response_url="http://127.0.0.1:1/respond/x")

    assert SignatureVerifier(SECRET).is_valid_request(body, signed_headers(SECRET, body))
    assert not SignatureVerifier("other").is_valid_request(body, signed_headers(SECRET, body))
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 301)
    assert not SignatureVerifier(SECRET).is_valid_request(body, stale)


def test_command_body_has_every_standard_slash_command_field():
    body = parse_qs(command_body("find jane", response_url="http://x/respond/c", user_id="U9"))

    assert {key: values[0] for key, values in body.items()} == {
        "token": "verification-token-deprecated", "team_id": "T0001", "team_domain": "acme",
        "channel_id": "C0001", "channel_name": "sms-consent", "user_id": "U9",
        "user_name": "staff", "command": "/smsprefs", "text": "find jane",
        "api_app_id": "A0SMSPREFS", "is_enterprise_install": "false",
        "response_url": "http://x/respond/c", "trigger_id": "T.trigger",
    }


def test_block_action_payload_completes_the_action_from_the_message():
    payload = block_action_payload({"action_id": "smsprefs:optout"}, response_url="http://x/r",
                                   message_blocks=prefs_card())

    (action,) = payload["actions"]
    assert action["block_id"] == "consent" and action["value"] == "42"
    assert action["type"] == "button" and action["text"]["text"] == "Opt out"
    assert float(action["action_ts"]) > 0
    assert payload["message"]["blocks"] == prefs_card()
    assert payload["container"]["channel_id"] == payload["channel"]["id"] == "C0001"
    assert (payload["user"]["id"], payload["team"]["id"]) == ("U_STAFF", "T0001")
    assert json.loads(parse_qs(action_body(payload))["payload"][0]) == payload


def test_view_submission_payload_is_a_modal_with_state_values():
    values = {"channels": {"pick": {"type": "checkboxes", "selected_options": []}}}

    payload = view_submission_payload(prefs_modal(), values, user_id="U2")

    view = payload["view"]
    assert payload["type"] == "view_submission" and view["type"] == "modal"
    assert view["callback_id"] == "smsprefs:edit" and view["private_metadata"] == '{"client": 42}'
    assert view["state"] == {"values": values} and view["id"] and view["hash"]
    assert payload["user"]["id"] == "U2"


# a real Bolt app on Flask against the fake


@pytest.fixture
def bolt(fake):
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=fake.api_url),
              token_verification_enabled=False, process_before_response=True)

    @app.command("/smsprefs")
    def smsprefs(ack, respond):
        ack()
        respond("hi")

    @app.action("smsprefs:optout")
    def optout(ack, respond):
        ack()
        respond(replace_original=True, text="opted out")

    @app.view("smsprefs:edit")
    def edit(ack):
        ack(response_action="errors", errors={"channels": "pick one"})

    flask_app = Flask(__name__)
    handler = SlackRequestHandler(app)
    flask_app.add_url_rule("/slack/events", methods=["POST"],
                           view_func=lambda: handler.handle(request))
    return flask_app.test_client()


def post(client, body, secret=SECRET):
    return client.post("/slack/events", data=body, headers=signed_headers(secret, body))


def test_bolt_command_round_trip_responds_through_the_fake(fake, bolt):
    response = post(bolt, command_body("jane", response_url=fake.response_url("cmd")))

    assert response.status_code == 200
    (responded,) = fake.responses("cmd")
    # Bolt's respond() sends no response_type unless given; Slack then defaults to ephemeral
    assert responded.body == {"text": "hi"}
    assert [c.method for c in fake.calls] == ["auth.test", "/respond/cmd"]


def test_bolt_on_its_thread_pool_responds_after_the_http_answer_so_tests_wait(fake):
    executor = ThreadPoolExecutor(max_workers=1)
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=fake.api_url),
              token_verification_enabled=False, listener_executor=executor)

    @app.command("/smsprefs")
    def slow(ack, respond):
        ack()
        time.sleep(0.2)
        respond("later")

    flask_app = Flask(__name__)
    flask_app.post("/slack/events")(lambda: SlackRequestHandler(app).handle(request))
    try:
        response = post(flask_app.test_client(),
                        command_body("x", response_url=fake.response_url("slow")))
        assert response.status_code == 200 and fake.responses("slow") == []
        (responded,) = fake.wait_for_responses(name="slow", timeout=3)
        assert responded.body == {"text": "later"}
    finally:
        executor.shutdown(wait=True)


def test_bolt_refuses_a_wrong_signature(fake, bolt):
    body = command_body("jane", response_url=fake.response_url("cmd"))

    assert post(bolt, body, secret="wrong-secret").status_code == 401
    assert fake.calls == []


def test_bolt_routes_our_block_action_and_view_submission_payloads(fake, bolt):
    click = block_action_payload({"action_id": "smsprefs:optout"}, message_blocks=prefs_card(),
                                 response_url=fake.response_url("card"))
    assert post(bolt, action_body(click)).status_code == 200
    assert fake.responses("card")[0].body == {"text": "opted out", "replace_original": True}

    submission = view_submission_payload(prefs_modal(), {"channels": {"pick": {
        "type": "checkboxes", "selected_options": []}}})
    response = post(bolt, action_body(submission))
    assert response.status_code == 200
    assert response.get_json() == {"response_action": "errors", "errors": {"channels": "pick one"}}


# Block Kit checks


def test_realistic_message_and_modal_pass():
    assert_valid_message("Jane Doe: opted in", prefs_card())
    assert_valid_modal(prefs_modal())


def many_options(n, **extra):
    return [option(f"o{i}", f"v{i}") for i in range(n)]


@pytest.mark.parametrize(("text", "blocks", "expected"), [
    ("x", [{"type": "divider"}] * 51, "51 blocks (max 50)"),
    ("x", [{"type": "actions", "elements": [{
        "type": "static_select", "action_id": "s", "options": [option("o" * 76)],
        "placeholder": {"type": "plain_text", "text": "p"}}]}], "has 76 characters (max 75)"),
    ("x", [{"type": "actions", "elements": [{
        "type": "static_select", "action_id": "s", "options": [option("o", "v" * 151)],
        "placeholder": {"type": "plain_text", "text": "p"}}]}], "has 151 characters (max 150)"),
    ("x", [section("a", block_id="b"), section("c", block_id="b")], "duplicate block_id"),
    ("x", [section("s" * 3001)], "section text has 3001 characters (max 3000)"),
    ("x", [section("s", block_id="b" * 256)], "block_id has 256 characters (max 255)"),
    ("x", [{"type": "actions", "elements": [button("a"), button("a")]}], "duplicate action_id"),
    ("x", [{"type": "actions", "elements": [button("a" * 256)]}], "(max 255)"),
    ("x", [{"type": "actions", "elements": [button("a", value="v" * 2001)]}], "(max 2000)"),
    ("x", [{"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c",
                                             "options": many_options(11)}]}], "11 options"),
    ("x", [{"type": "actions", "elements": [button(f"a{i}") for i in range(26)]}],
     "26 elements (max 25)"),
    ("x", [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
     "11 elements (max 10)"),
    ("x", [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "(max 150)"),
    ("x", [section("s", fields=[{"type": "mrkdwn", "text": "f" * 2001}])], "(max 2000)"),
    ("x", [section("")], "empty mrkdwn text object"),
    ("x", [{"type": "no_such_block"}], "unknown block type"),
    ("", [section("s")], "top-level text is missing"),
    ("t" * 40_001, [], "top-level text has 40001 characters"),
    ("x", [{"type": "section", "text": {"type": "mrkdwn", "text": "s"},
            "accessory": {"type": "overflow", "action_id": "o", "options": many_options(6)}}],
     "slack_sdk model refused it"),
])
def test_message_checks_fire(text, blocks, expected):
    with pytest.raises(AssertionError, match="invalid Block Kit message") as error:
        assert_valid_message(text, blocks)

    assert expected in str(error.value)


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"title": {"type": "plain_text", "text": "t" * 25}}, "must be 1 to 24"),
    ({"submit": {"type": "plain_text", "text": "s" * 25}}, "submit"),
    ({"close": {"type": "plain_text", "text": "c" * 25}}, "close"),
    ({"title": {"type": "mrkdwn", "text": "t"}}, "title must be plain_text"),
    ({"private_metadata": "m" * 3001}, "private_metadata"),
    ({"blocks": [{"type": "divider"}] * 101}, "101 blocks (max 100)"),
    ({"blocks": []}, "blocks is required"),
    ({"submit": None}, "needs a submit button"),
    ({"type": "home"}, "view type must be 'modal'"),
    ({"blocks": [section("s" * 3001)]}, "section text has 3001"),
    ({"blocks": [{"type": "input", "label": {"type": "plain_text", "text": "l"},
                  "element": {"type": "radio_buttons", "action_id": "r",
                              "options": many_options(11)}}]}, "11 options"),
])
def test_modal_checks_fire(overrides, expected):
    with pytest.raises(AssertionError, match="invalid Block Kit modal") as error:
        assert_valid_modal(prefs_modal(**overrides))

    assert expected in str(error.value)


@pytest.mark.parametrize("block", [
    section("s" * 3001),
    {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
    {"type": "divider", "block_id": "b" * 256},
    {"type": "actions", "elements": [button(f"a{i}") for i in range(26)]},
    {"type": "actions", "elements": [button("a", value="v" * 2001)]},  # only via to_dict()
])
def test_slack_sdk_models_enforce_these_limits_themselves(block):
    with pytest.raises(Exception, match="cannot exceed"):
        Block.parse(block).to_dict()


@pytest.mark.parametrize("block", [
    {"type": "actions", "elements": [{"type": "static_select", "action_id": "s",
                                      "placeholder": {"type": "plain_text", "text": "p"},
                                      "options": [option("o" * 76, "v" * 151)]}]},
    {"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c",
                                      "options": many_options(11)}]},
    {"type": "actions", "elements": [button("a"), button("a")]},
    section("s", fields=[{"type": "mrkdwn", "text": "f" * 2001}]),
])
def test_slack_sdk_models_miss_these_so_blockkit_checks_them(block):
    """Documents why blockkit.py has its own checks; if slack_sdk gets stricter, drop the case."""
    Block.parse(block).to_dict()
    with pytest.raises(AssertionError):
        assert_valid_message("x", [block])
