"""Bodies Slack never sends, generated: unsigned, /slack/events answers 4xx, never 5xx, and
changes nothing; signed, a click or a modal of any shape gets an answer, never a 5xx or a
listener's failure.

Bolt reads a request's body and its ids (team, user, enterprise, authorizations, event,
channel) before it checks the signature, and raised on a body that is not a form or a JSON
object, or on ids of other shapes: a 500 for anyone who could reach the URL, unsigned.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote_from_bytes, urlencode

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.ids import HISTORY, MISREAD, MISREAD_MODAL, OPT_IN_MODAL, OVERALL, PICK, REVIEW, SWITCHES
from tests.bot.slack_user import EDITOR, post, trigger_id
from tests.fakes.slack_signing import action_body
from tests.gateway.hostile import (
    HOSTILE,
    INVALID_UTF8,
    assert_unchanged,
    describe,
    json_junk,
    snapshot,
)

# the keys Bolt reads ids from before the signature, and a few it reads after
KEYS = ["team", "user", "enterprise", "authorizations", "event", "channel", "container",
        "view", "actions", "type", "is_enterprise_install", "team_id", "user_id",
        "enterprise_id", "api_app_id", "command", "function_data", "bot_access_token"]
objects = st.dictionaries(st.sampled_from(KEYS), json_junk, max_size=4)
JSON, FORM = "application/json", "application/x-www-form-urlencoded"


@st.composite
def bodies(draw) -> tuple[bytes, str | None]:
    """A body and its content type: JSON of any shape, a form whose payload is, or bytes."""
    value = draw(st.one_of(objects, json_junk), label="value")
    text = json.dumps(value)
    how = draw(st.sampled_from(["json", "form", "raw"]), label="how")
    if how == "json":
        return text.encode(), draw(st.sampled_from([JSON, None]), label="content type")
    if how == "form":
        return urlencode({"payload": text}).encode(), FORM
    junk = draw(st.sampled_from([*INVALID_UTF8, b"not json", b"{", b"payload=%7B"]))
    return b"payload=" + quote_from_bytes(junk).encode() if draw(st.booleans()) else junk, \
        draw(st.sampled_from([JSON, FORM, None]), label="content type")


@settings(HOSTILE)
@given(body=bodies(), query=st.sampled_from([b"", b"a=%ff", b"\xff"]))
def test_a_body_slack_never_sends_is_a_4xx_and_changes_nothing(client, slack, body, query):
    data, content_type = body
    before, calls = snapshot(), len(slack.calls)
    response = client.open("/slack/events", method="POST", data=data,
                           headers={"Content-Type": content_type} if content_type else {},
                           environ_overrides={"QUERY_STRING": query.decode("latin-1")})
    assert 400 <= response.status_code < 500, describe(response)
    assert_unchanged(before, snapshot(), response)
    assert len(slack.calls) == calls  # no listener ran


# a click or a modal of Slack's kind whose every part may be of another shape
ADDRESSES = [f"{OVERALL}opted_out", HISTORY, f"{PICK}0", f"{REVIEW}opt_out", MISREAD, SWITCHES,
             OPT_IN_MODAL, MISREAD_MODAL, "smsprefs:switches:+12125550100:1x"]
parts = st.one_of(json_junk, st.sampled_from(ADDRESSES))


def objects_or_not(keys: list[str], values) -> st.SearchStrategy:
    """An object of some of `keys`, each of `values`, or any other JSON value."""
    return st.one_of(parts, st.dictionaries(st.sampled_from(keys), values, max_size=4))


actions = st.one_of(parts, st.lists(objects_or_not(
    ["action_id", "value", "block_id", "selected_options", "type"], parts), max_size=2))
typed_in = objects_or_not(["note"], objects_or_not(["value", "type"], parts))
state = objects_or_not(["values"], objects_or_not(["evidence", "misread"], typed_in))
views = objects_or_not(["callback_id", "private_metadata", "state", "blocks", "type"],
                       st.one_of(parts, state))


@settings(HOSTILE)
@given(kind=st.sampled_from(["block_actions", "view_submission"]), actions=actions,
       view=views)
# a click no listener takes, whose view is not an object: Bolt's log of an unhandled
# request read view.get() (a 500 found by CI's draw)
@example(kind="block_actions", actions=[{"action_id": "smsprefs:optin"}],
         view="smsprefs:overall:opted_out")
def test_a_signed_click_or_modal_of_any_shape_is_answered_never_a_failure(
        client, slack, caplog, kind, actions, view):
    payload = {"type": kind, "user": {"id": EDITOR, "team_id": "T0001"},
               "team": {"id": "T0001"}, "api_app_id": "A0SMSPREFS", "trigger_id": trigger_id(),
               "response_url": slack.response_url("any"), "actions": actions, "view": view}
    response = post(client, action_body(payload))
    assert response.status_code < 500, describe(response)
    failures = [r.getMessage() for r in caplog.records
                if r.levelno >= logging.ERROR and r.name.startswith("slack_bolt")]
    assert not failures
