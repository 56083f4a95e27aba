"""Bodies Slack never sends, from anyone, generated: /slack/events answers 4xx, never 5xx,
and changes nothing.

Bolt reads a request's body and its ids (team, user, enterprise, authorizations, event,
channel) before it checks the signature, and raised on a body that is not a form or a JSON
object, or on ids of other shapes: a 500 for anyone who could reach the URL, unsigned.
"""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

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
