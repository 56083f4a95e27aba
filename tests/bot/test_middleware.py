"""What every Slack request goes through (bot.middleware): a signed request seen before does
nothing (SPEC section 6), whatever its kind; the settings in context; a connection per listener."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest

from bot.ids import OVERALL
from store.consent.changes import get_state
from store.db import db
from store.leases import forget_old_nonces
from store.models import ConsentEvent, WebhookNonce
from tests.bot.slack_user import (
    EDITOR,
    SECRET,
    button,
    command,
    post,
    trigger_id,
)
from tests.factories import PHONE, staff_sets
from tests.fakes.slack_signing import (
    action_body,
    block_action_payload,
    command_body,
    signed_headers,
    view_submission_payload,
)

QUIET = 1.0  # how long a replay gets to show it ran; listeners answer within ~0.1 s here


def signed(body: str, *, timestamp: int | None = None) -> dict:
    """Return the request Slack sent (body and headers), to send again as it was."""
    return {"data": body, "headers": signed_headers(SECRET, body, timestamp=timestamp)}


def assert_no_answer(slack, name: str, already: int) -> None:
    with pytest.raises(TimeoutError):
        slack.wait_for_responses(already + 1, name=name, timeout=QUIET)


def test_a_replayed_optout_command_after_an_optin_changes_nothing(client, slack):
    optout = signed(command_body(f"optout {PHONE}", user_id=EDITOR, trigger_id=trigger_id(),
                                 response_url=slack.response_url("optout")))
    assert client.post("/slack/events", **optout).status_code == 200
    slack.wait_for_responses(1, name="optout")
    command(client, slack, f"optin {PHONE} signed the consent form at the desk")
    assert get_state(PHONE).overall == "opted_in"
    events = ConsentEvent.select().count()

    replay = client.post("/slack/events", **optout)

    assert (replay.status_code, replay.data) == (200, b"")
    assert_no_answer(slack, "optout", already=1)
    assert get_state(PHONE).overall == "opted_in"
    assert ConsentEvent.select().count() == events


def test_the_same_body_signed_again_is_a_new_request(client, slack):
    body = command_body(f"optout {PHONE}", user_id=EDITOR, trigger_id=trigger_id(),
                        response_url=slack.response_url("optout"))
    now = int(time.time())
    assert client.post("/slack/events", **signed(body, timestamp=now)).status_code == 200
    slack.wait_for_responses(1, name="optout")
    staff_sets(PHONE, overall="opted_in", note="signed the consent form")
    assert client.post("/slack/events", **signed(body, timestamp=now - 1)).status_code == 200
    slack.wait_for_responses(2, name="optout")
    assert get_state(PHONE).overall == "opted_out"


def test_a_replayed_click_changes_nothing(client, slack):
    card = command(client, slack, PHONE)
    payload = block_action_payload(button(card, f"{OVERALL}opted_out"), user_id=EDITOR,
                                   message_blocks=card["blocks"], trigger_id=trigger_id(),
                                   response_url=slack.response_url("click"))
    click = signed(action_body(payload))
    assert client.post("/slack/events", **click).status_code == 200
    slack.wait_for_responses(1, name="click")
    assert get_state(PHONE).overall == "opted_out"
    staff_sets(PHONE, overall="opted_in", note="signed the consent form")

    replay = client.post("/slack/events", **click)

    assert (replay.status_code, replay.data) == (200, b"")
    assert_no_answer(slack, "click", already=1)
    assert get_state(PHONE).overall == "opted_in"


def test_a_replayed_modal_submission_changes_nothing(client, slack):
    staff_sets(PHONE, overall="opted_out")
    card = command(client, slack, PHONE)
    post(client, action_body(block_action_payload(
        button(card, f"{OVERALL}opted_in"), user_id=EDITOR, message_blocks=card["blocks"],
        trigger_id=trigger_id(), response_url=slack.response_url("card"))))
    view = slack.wait_for("views.open")[-1].body["view"]
    values = {"evidence": {"note": {"type": "plain_text_input",
                                    "value": "Client signed the consent form"}}}
    submission = signed(action_body(view_submission_payload(view, values, user_id=EDITOR,
                                                            trigger_id=trigger_id())))
    assert client.post("/slack/events", **submission).status_code == 200
    assert get_state(PHONE).overall == "opted_in"
    slack.wait_for_responses(1, name="card")  # the card redrawn as opted in
    staff_sets(PHONE, overall="opted_out")
    events = ConsentEvent.select().count()

    replay = client.post("/slack/events", **submission)

    assert (replay.status_code, replay.data) == (200, b"")
    assert_no_answer(slack, "card", already=1)
    assert get_state(PHONE).overall == "opted_out"
    assert ConsentEvent.select().count() == events


def test_an_unverified_request_cannot_use_up_a_signature(client, slack):
    body = command_body(f"optout {PHONE}", user_id=EDITOR, trigger_id=trigger_id(),
                        response_url=slack.response_url("optout"))
    genuine = signed(body)
    tampered = body.replace("optout", "history")
    forged = client.post("/slack/events", data=tampered, headers=genuine["headers"])
    assert forged.status_code == 401
    assert WebhookNonce.select().count() == 0
    assert client.post("/slack/events", **genuine).status_code == 200
    slack.wait_for_responses(1, name="optout")
    assert get_state(PHONE).overall == "opted_out"


class Inline(Executor):
    """Run each listener at once, on the request's thread."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@pytest.fixture
def bolt(database, tmp_path, slack):
    """Return the bot's Bolt app, running its listeners inline."""
    from bot import build_bolt_app
    from gateway.config import Config
    from tests.gateway.conftest import make_config

    config = Config.from_env(make_config(
        database, tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url, SLACK_TEAM_ID="T0001"), dotenv=False)
    return build_bolt_app(config, executor=Inline())


def home_published_for(slack) -> list[str]:
    """Return whom the App Home listener (bot.home) published a Home tab for, in order."""
    return [call.body["user_id"] for call in slack.calls_to("views.publish")]


def event_body(user: str = EDITOR) -> str:
    return json.dumps({
        "token": "x", "team_id": "T0001", "api_app_id": "A0SMSPREFS", "type": "event_callback",
        "event_id": "Ev01", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": user, "channel": "D01", "tab": "home",
                  "event_ts": "1700000000.000100"}})


def dispatch(bolt, body: str, headers: dict):
    from slack_bolt import BoltRequest

    return bolt.dispatch(BoltRequest(body=body, headers={**headers,
                                                        "Content-Type": "application/json"}))


def test_a_replayed_event_is_ignored_and_slacks_own_retry_is_not_a_replay(bolt, slack):
    body, now = event_body(), int(time.time())
    first = signed_headers(SECRET, body, timestamp=now - 2)
    assert dispatch(bolt, body, first).status == 200
    assert dispatch(bolt, body, first).status == 200  # the replay
    assert home_published_for(slack) == [EDITOR]
    # Slack retries an event it thinks was lost with a new timestamp, so a new signature
    retry = {**signed_headers(SECRET, body, timestamp=now), "X-Slack-Retry-Num": "1",
             "X-Slack-Retry-Reason": "http_timeout"}
    assert dispatch(bolt, body, retry).status == 200
    assert home_published_for(slack) == [EDITOR, EDITOR]


def test_remembered_signatures_are_swept_with_the_webhook_nonces(client, slack):
    from datetime import timedelta

    from store.clock import utcnow

    command(client, slack, "help")
    assert WebhookNonce.select().where(WebhookNonce.nonce.startswith("slack:")).count() == 1
    WebhookNonce.update(seen_at=utcnow() - timedelta(hours=2)).execute()
    assert forget_old_nonces() == 1


@pytest.mark.parametrize("fails", [False, True], ids=["returns", "raises"])
def test_a_listener_runs_on_bolts_pool_with_a_connection_closed_after_it(database, tmp_path,
                                                                         slack, fails):
    from bot import build_bolt_app
    from gateway.config import Config
    from tests.gateway.conftest import make_config

    config = Config.from_env(make_config(
        database, tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url, DEALERSHIP_TIMEZONE="America/Chicago"), dotenv=False)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="listener")
    app = build_bolt_app(config, executor=pool)
    seen = []

    def probe(ack, context):
        ack()
        seen.append((threading.current_thread().name.startswith("listener"), db.is_closed(),
                     context["config"].dealership_timezone))
        if fails:
            raise RuntimeError("the listener failed after ack()")

    app.command("/probe")(probe)
    body = command_body("x", command="/probe", user_id=EDITOR, trigger_id=trigger_id(),
                        response_url=slack.response_url("probe"))
    from slack_bolt import BoltRequest

    headers = {**signed_headers(SECRET, body),
               "Content-Type": "application/x-www-form-urlencoded"}
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    # (a listener raising right after ack() may lose Bolt its answer: Bolt's own race)
    assert response.status == 200 or fails
    # the pool's one thread runs this after the listener and Bolt's completion handler
    assert pool.submit(db.is_closed).result(timeout=5) is True
    assert seen == [(True, False, "America/Chicago")]
    assert not db.is_closed()  # the request's own connection is left to whoever opened it
    pool.shutdown()


def test_a_listener_waits_for_locks_and_gives_the_web_its_bound_back(database):
    """The web's PostgreSQL connections give up on a lock after WEB_LOCK_WAIT (Vonage sends
    a webhook again); a listener's staff change waits for an import, as the CLI does."""
    from store.db import is_postgres, open_database

    if not is_postgres():
        pytest.skip("PostgreSQL's lock_timeout")
    from bot.middleware import CloseConnection, OpenConnection
    from store.db import close_connection, open_connection

    web = open_database(database.url, lock_timeout=0.2)
    seen = []

    def listener_thread():
        OpenConnection().handle(None, None)
        seen.append(db.execute_sql("SHOW lock_timeout").fetchone()[0])
        CloseConnection().handle(None, None)
        open_connection()  # the next request on this thread takes the same pooled connection
        seen.append(db.execute_sql("SHOW lock_timeout").fetchone()[0])
        close_connection()

    db.initialize(web)
    try:
        thread = threading.Thread(target=listener_thread)
        thread.start()
        thread.join(10)
    finally:
        db.initialize(database)
        web.close_all()
    assert seen == ["0", "200ms"]
