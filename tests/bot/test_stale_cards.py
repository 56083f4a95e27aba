"""Clicks and modals carrying what no card of ours holds, and Slack failing us mid-click:
each gets an answer and changes nothing it should not, on both databases.

Slack echoes the values we drew (bot.ids), so a value of another shape is a card we did
not draw: a phone not in E.164 once saved a phone row "(212) 555-0100" opted out while the
card showed the real number unknown. Found by red-teaming the listeners.
"""

from __future__ import annotations

import logging
import time

import pytest

from bot.ids import HISTORY, MISREAD, MISREAD_MODAL, OPT_IN_MODAL, OVERALL, PICK, REVIEW
from bot.middleware import STALE
from store.consent.changes import change_consent, get_state
from store.consent.rules import Actor
from store.errors import InvalidPhone
from store.models import Phone
from tests.bot.slack_user import EDITOR, button, click, command, post, submit, trigger_id
from tests.factories import PHONE
from tests.fakes.slack_server import SlackError
from tests.fakes.slack_signing import action_body, block_action_payload, view_submission_payload
from tests.gateway.hostile import assert_unchanged, snapshot

NOT_PHONES = ["(212) 555-0100", "2125550100", "garbage", "", "+12125550100\x00", "\ud800",
              "+1212555010012345678", "+0123", 12125550100, None]
NOT_IDS = ["abc", "", "1.5", "0", "-1", "9223372036854775808", "9" * 5000, "\ud800", None]
FOREIGN = ([(f"{OVERALL}opted_out", {"value": v}) for v in NOT_PHONES]
           + [(HISTORY, {"value": v}) for v in NOT_PHONES[:4]]
           + [(f"{PICK}0", {"value": v}) for v in NOT_PHONES[:4]]
           + [(f"{REVIEW}opt_out", {"value": v}) for v in NOT_IDS]
           + [(MISREAD, {"value": v}) for v in NOT_IDS[:6]]
           + [("smsprefs:switches", {"block_id": b, "selected_options": []}) for b in
              ("smsprefs:switches:2125550100:1111", "smsprefs:switches:+12125550100:1x1",
               "smsprefs:switches:", "other")])


def bolt_errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.ERROR and r.name.startswith("slack_bolt")]


@pytest.mark.parametrize(("action_id", "fields"), FOREIGN)
def test_a_click_carrying_what_no_card_holds_is_an_out_of_date_card(
        client, slack, caplog, action_id, fields):
    before = snapshot()
    action = {"action_id": action_id, "type": "button", "block_id": "b", **fields}
    payload = block_action_payload(action, user_id=EDITOR, trigger_id=trigger_id(),
                                   response_url=slack.response_url("stale"))
    assert post(client, action_body(payload)).status_code == 200
    answer = slack.wait_for_responses(1, name="stale")[-1].body
    assert answer == {"text": STALE, "replace_original": False}
    assert_unchanged(before, snapshot(), None)
    assert not Phone.select().where(Phone.e164 != PHONE).exists()
    assert not bolt_errors(caplog)


@pytest.mark.parametrize("action", [
    {"action_id": f"{OVERALL}opted_out", "value": "+999999999999999"},
    {"action_id": HISTORY, "value": "+999999999999999"},
    {"action_id": f"{PICK}0", "value": "+19995550100"},
    {"action_id": "smsprefs:switches", "block_id": "smsprefs:switches:+19995550100:11",
     "selected_options": []},
])
def test_a_number_of_e164_shape_never_stored_and_not_valid_is_answered_not_stored(
        client, slack, caplog, action):
    payload = block_action_payload({"type": "button", "block_id": "b", **action},
                                   user_id=EDITOR, trigger_id=trigger_id(),
                                   response_url=slack.response_url("invalid"))
    assert post(client, action_body(payload)).status_code == 200
    assert isinstance(slack.wait_for_responses(1, name="invalid")[-1].body.get("text"), str)
    assert not Phone.select().where(Phone.e164 != PHONE).exists()
    assert not bolt_errors(caplog)


MODAL = {"type": "modal", "blocks": [{"type": "input", "block_id": "evidence", "element": {
    "type": "plain_text_input", "action_id": "note"}}]}


@pytest.mark.parametrize(("callback_id", "metadata"), [
    (OPT_IN_MODAL, ""), (OPT_IN_MODAL, "not json"), (OPT_IN_MODAL, "[]"),
    (OPT_IN_MODAL, "null"), (OPT_IN_MODAL, '{"phone": null}'),
    (OPT_IN_MODAL, '{"phone": "garbage"}'), (OPT_IN_MODAL, '{"phone": "2125550100"}'),
    (MISREAD_MODAL, '{"phone": "+12125550100", "event_id": 9223372036854775808}'),
    (MISREAD_MODAL, '{"phone": "+12125550100", "event_id": true}'),
    (MISREAD_MODAL, '{"phone": "+12125550100", "event_id": "x"}'),
    (MISREAD_MODAL, '{"phone": "\\u0000", "event_id": 1}'),
    (OPT_IN_MODAL, 5), (OPT_IN_MODAL, "[" * 1500 + "]" * 1500),
])
def test_a_modal_carrying_what_no_modal_of_ours_holds_is_refused_under_its_input(
        client, slack, caplog, callback_id, metadata):
    before = snapshot()
    view = {**MODAL, "callback_id": callback_id, "private_metadata": metadata}
    values = {"evidence": {"note": {"type": "plain_text_input", "value": "Signed the form"}}}
    response = post(client, action_body(view_submission_payload(
        view, values, user_id=EDITOR, trigger_id=trigger_id())))
    assert response.status_code == 200
    assert response.get_json() == {"response_action": "errors", "errors": {"evidence": STALE}}
    assert_unchanged(before, snapshot(), response)
    assert not bolt_errors(caplog)


def test_slack_not_opening_the_form_in_time_is_said(client, slack, caplog):
    card = command(client, slack, "2125550100")
    card = click(client, slack, button(card, f"{OVERALL}opted_out"), card)
    slack.script("views.open", [SlackError("expired_trigger_id")])
    click(client, slack, button(card, f"{OVERALL}opted_in"), card, name="reopen",
          answered=False)
    said = slack.wait_for_responses(1, name="reopen")[-1].body
    assert said["text"].startswith("Slack did not open the form in time")
    assert get_state(PHONE).overall == "opted_out"
    assert not bolt_errors(caplog)


def test_a_review_no_longer_there_is_said(client, slack, caplog):
    action = {"action_id": f"{REVIEW}opt_out", "type": "button", "block_id": "b",
              "value": "99999"}
    payload = block_action_payload(action, user_id=EDITOR, trigger_id=trigger_id(),
                                   response_url=slack.response_url("gone"))
    assert post(client, action_body(payload)).status_code == 200
    assert slack.wait_for_responses(1, name="gone")[-1].body["text"].startswith("Not changed:")
    assert not bolt_errors(caplog)


def test_an_opt_in_stands_when_its_card_cannot_be_redrawn(client, slack, caplog):
    card = command(client, slack, "2125550100")
    card = click(client, slack, button(card, f"{OVERALL}opted_out"), card)
    click(client, slack, button(card, f"{OVERALL}opted_in"), card, name="reopen",
          answered=False)
    view = slack.wait_for("views.open")[-1].body["view"]
    # the card's response_url points at a port nothing listens on: the echo cannot go
    view["private_metadata"] = view["private_metadata"].replace(
        slack.response_url("reopen"), "http://127.0.0.1:9/respond/closed")
    assert submit(client, view, "Signed the consent form").status_code == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
            "could not redraw" in r.getMessage() for r in caplog.records):
        time.sleep(0.05)
    assert get_state(PHONE).overall == "opted_in"
    assert any("could not redraw" in r.getMessage() for r in caplog.records)
    assert not bolt_errors(caplog)


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize("written", ["(212) 555-0100", "2125550100", "garbage", "+1 212 555 0100"])
def test_the_store_never_makes_a_phone_of_anything_but_e164(written):
    staff = Actor(source="staff", actor="U0EDITOR", channel="slack")
    with pytest.raises(InvalidPhone):
        change_consent(written, actor=staff, overall="opted_out")
    assert Phone.select().count() == 0
