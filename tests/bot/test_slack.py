"""/smsprefs end to end: signed Slack requests to the real Flask app and Bolt, the real
slack_sdk talking to a fake Slack Web API on 127.0.0.1."""

from __future__ import annotations

import json
import time

from bot.ids import OPT_IN_MODAL, OVERALL, REVIEW
from store.consent.changes import get_state
from store.consent.history import list_events
from store.models import ConsentEvent, Review
from store.records.clients import upsert_client
from tests.bot.slack_user import (
    EDITOR,
    GROUP_MEMBER,
    OUTSIDER,
    SECRET,
    button,
    click,
    command,
    post,
    submit,
    untick,
)
from tests.factories import PHONE, can_send, client_texts, staff_sets
from tests.fakes.blockkit import assert_valid_message, assert_valid_modal
from tests.fakes.slack_signing import command_body, signed_headers


def test_help_and_a_lookup_by_phone_or_name(client, slack):
    usage = command(client, slack, "")
    assert "/smsprefs <phone or name>" in str(usage["blocks"])
    card = command(client, slack, "(212) 555-0100")
    assert_valid_message(card["text"], card["blocks"])
    assert card["blocks"][0]["text"]["text"] == "Ana Lopez"
    assert command(client, slack, "ana")["blocks"] == card["blocks"]
    upsert_client("+12125550101", name="Ana Smith")
    picks = command(client, slack, "ana")
    assert "2 clients match" in picks["text"]
    assert_valid_message(picks["text"], picks["blocks"])
    assert "No client matches" in command(client, slack, "zelda")["text"]


def test_scenario_1_staff_switch_price_reduction_off(client, slack):
    card = command(client, slack, "Ana Lopez")
    redrawn = click(client, slack, untick(card, "price_reduction"), card)
    assert redrawn["replace_original"] is True
    assert_valid_message(redrawn["text"], redrawn["blocks"])
    switch = get_state(PHONE).switch("price_reduction")
    assert (switch.state, switch.source) == ("off", "staff")
    assert can_send(PHONE, kind="automation", automation="price_reduction").reason == \
        "automation_off"
    assert can_send(PHONE, kind="automation", automation="new_vehicle_arrival").allowed
    assert list_events(PHONE)[0].actor == EDITOR


def test_scenario_2_staff_opt_out_turns_everything_off_and_back_with_a_note(client, slack):
    card = command(client, slack, "2125550100")
    redrawn = click(client, slack, button(card, f"{OVERALL}opted_out"), card)
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_out", "staff")
    assert {state.switch(n).state for n in state.switches} == {"off"}
    for kind in ("manual", "work_plan", "lead_autoresponder", "campaign"):
        assert can_send(PHONE, kind=kind).reason == "opted_out"
    # staff may undo a staff opt-out: the modal asks for the evidence first
    click(client, slack, button(redrawn, f"{OVERALL}opted_in"), redrawn, name="reopen",
          answered=False)
    view = slack.wait_for("views.open")[-1].body["view"]
    assert_valid_modal(view)
    empty = submit(client, view, "")
    assert empty.status_code == 200 and empty.get_json()["response_action"] == "errors"
    assert get_state(PHONE).overall == "opted_out"
    done = submit(client, view, "Client signed the consent form again on Nov 26")
    assert done.status_code == 200 and not done.data
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_in", "staff")
    opt_ins = [(e.outcome, e.reason, e.note) for e in list_events(PHONE)
               if e.new_state == "opted_in"]
    assert opt_ins == [("applied", None, "Client signed the consent form again on Nov 26"),
                       ("refused", "evidence_required", None)]
    redraw = slack.wait_for_responses(1, name="reopen")[-1].body
    assert redraw["replace_original"] is True and "Opted in" in redraw["text"]


def test_a_keyword_opt_out_cannot_be_reversed_by_staff_and_says_why(client, slack):
    client_texts(PHONE, "opt_out")
    card = command(client, slack, "2125550100")
    assert "only the client can opt back in, by texting START" in str(card["blocks"])
    click(client, slack, button(card, f"{OVERALL}opted_in"), card, answered=False)
    view = slack.wait_for("views.open")[-1].body["view"]
    refused = submit(client, view, "The client said on the phone it was fine")
    errors = refused.get_json()["errors"]["evidence"]
    assert "only the client can turn it back on, by texting START" in errors
    assert get_state(PHONE).overall_source == "client_keyword"
    unknown = click(client, slack, button(card, f"{OVERALL}unknown"), card)
    assert "⛔ Not changed" in str(unknown["blocks"])
    assert get_state(PHONE).overall == "opted_out"


def test_text_subcommands_change_and_refuse_like_the_buttons(client, slack):
    assert "Opted out" in command(client, slack, "optout 212-555-0100 asked at the desk")["text"]
    refused = command(client, slack, "optin 2125550100")
    assert "needs a note" in refused["text"]
    command(client, slack, "optin (212) 555-0100 signed the form today")
    assert get_state(PHONE).overall == "opted_in"
    command(client, slack, "off 2125550100 price drop")
    assert get_state(PHONE).switch("price_reduction").state == "off"
    command(client, slack, "on 2125550100 Price Reduction Notifications")
    assert get_state(PHONE).switch("price_reduction").state == "on"
    assert "is not an automation" in command(client, slack, "off 2125550100 deals")["text"]
    history = command(client, slack, "history 2125550100")
    assert_valid_message(history["text"], history["blocks"])
    assert "signed the form today" in str(history["blocks"])


def test_a_user_group_member_may_edit_and_an_outsider_may_only_look(client, slack):
    assert "Opted out" in command(client, slack, "optout 2125550100", user=GROUP_MEMBER)["text"]
    staff_sets(PHONE, overall="opted_in", note="form")
    before = ConsentEvent.select().count()
    answer = command(client, slack, "optout 2125550100", user=OUTSIDER)
    assert "limited to the people listed in SMSPREFS_EDITORS" in answer["text"]
    card = command(client, slack, "2125550100", user=OUTSIDER)
    assert "Ana Lopez" in card["text"]  # everyone may look up
    answer = click(client, slack, button(card, f"{OVERALL}opted_out"), card, user=OUTSIDER)
    assert "SMSPREFS_EDITORS" in answer["text"] and answer.get("replace_original") is False
    assert ConsentEvent.select().count() == before
    assert get_state(PHONE).overall == "opted_in"


def test_bad_signature_stale_timestamp_and_another_workspace_are_refused(client, slack):
    body = command_body("optout 2125550100", user_id=EDITOR,
                        response_url=slack.response_url("x"))
    forged = {**signed_headers(SECRET, body), "X-Slack-Signature": "v0=" + "0" * 64}
    assert client.post("/slack/events", data=body, headers=forged).status_code == 401
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert client.post("/slack/events", data=body, headers=stale).status_code == 401
    other = command_body("optout 2125550100", user_id=EDITOR, team_id="T_OTHER",
                         response_url=slack.response_url("x"))
    response = post(client, other)
    assert "not connected to this dealership" in response.get_data(as_text=True)
    time.sleep(0.3)
    assert get_state(PHONE).overall == "unknown"
    assert ConsentEvent.select().count() == 0


def test_review_decision_is_an_event_and_updates_the_alert(client, slack):
    from slack_sdk import WebClient

    from bot.alerts import SlackNotifier, deliver_alerts
    from store.messaging.inbound import receive_text

    receive_text(provider_id="r1", from_number=PHONE.lstrip("+"), text="I'll stop by Friday")
    notifier = SlackNotifier(WebClient(token="xoxb-test", base_url=slack.api_url), "C_ALERTS")
    assert deliver_alerts(notifier)["posted"] == 1
    [posted] = slack.posted("C_ALERTS")
    assert_valid_message(posted.text, posted.blocks)
    assert "Ana Lopez" in posted.text and "…0100" in posted.text and PHONE not in str(posted.blocks)
    alert = {"text": posted.text, "blocks": posted.blocks}
    click(client, slack, button(alert, f"{REVIEW}opt_out"), alert, user=GROUP_MEMBER,
          answered=False)
    update = slack.wait_for("chat.update")[-1].body
    assert update["ts"] == posted.ts and f"Decided by <@{GROUP_MEMBER}>" in json.dumps(
        update["blocks"])
    review = Review.get()
    assert (review.status, review.decided_by) == ("opted_out", GROUP_MEMBER)
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_out", "staff")
    decision = [e for e in list_events(PHONE) if e.scope == "review"]
    assert [(e.old_state, e.new_state, e.actor) for e in decision] == [
        ("pending", "opted_out", GROUP_MEMBER)]
    # a second click, by someone else, changes nothing
    again = click(client, slack, button(alert, f"{REVIEW}not_opt_out"), alert, user=EDITOR)
    assert "already decided" in again["text"]
    assert Review.get().status == "opted_out"


def test_opt_in_modal_is_inside_slacks_limits():
    from bot.blocks import opt_in_modal

    view = opt_in_modal(PHONE, "Ana", "https://hooks.slack.com/actions/x")
    assert view["callback_id"] == OPT_IN_MODAL
    assert_valid_modal(view)


def test_a_stale_card_changes_only_the_box_that_was_clicked(client, slack):
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    card = command(client, slack, "2125550100")  # drawn with Price Reduction off
    client_texts(PHONE, "opt_in", "price_reduction", text="START PRICE DROP")
    click(client, slack, untick(card, "new_vehicle_arrival"), card)
    state = get_state(PHONE)
    assert state.switch("new_vehicle_arrival").state == "off"
    assert (state.switch("price_reduction").state,
            state.switch("price_reduction").source) == ("on", "client_keyword")
