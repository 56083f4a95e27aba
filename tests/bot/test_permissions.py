"""SPEC section 6, permissions: only SMSPREFS_EDITORS change preferences, on every surface that
changes them; everyone in the workspace may look up."""

from __future__ import annotations

import pytest

from bot.ids import HISTORY, OVERALL, REVIEW
from bot.permissions import Permissions
from store.consent.changes import get_state
from store.messaging.inbound import receive_text
from store.models import ConsentEvent, Review
from store.records.clients import upsert_client
from tests.bot.slack_user import OUTSIDER, button, click, command, submit, untick
from tests.factories import PHONE, staff_sets

REFUSED = "limited to the people listed in SMSPREFS_EDITORS"


@pytest.mark.parametrize("text", [f"optin {PHONE} signed the form", f"off {PHONE} price drop",
                                  f"on {PHONE} price drop", f"OPTOUT {PHONE}"])
def test_an_outsider_cannot_change_consent_by_command(client, slack, text):
    staff_sets(PHONE, overall="opted_out", note="asked at the desk")
    before = ConsentEvent.select().count()
    assert REFUSED in command(client, slack, text, user=OUTSIDER)["text"]
    assert ConsentEvent.select().count() == before


def test_an_outsider_cannot_tick_a_switch_or_decide_a_review(client, slack):
    card = command(client, slack, PHONE, user=OUTSIDER)
    answer = click(client, slack, untick(card, "price_reduction"), card, user=OUTSIDER)
    assert REFUSED in answer["text"] and answer["replace_original"] is False
    assert get_state(PHONE).switch("price_reduction").state == "on"
    receive_text(provider_id="p1", from_number=PHONE.lstrip("+"), text="I'll stop by Friday")
    review = Review.get()
    alert = {"blocks": [{"type": "actions", "block_id": f"review:{review.id}", "elements": [
        {"type": "button", "action_id": f"{REVIEW}opt_out", "value": str(review.id)}]}]}
    answer = click(client, slack, button(alert, f"{REVIEW}opt_out"), alert, user=OUTSIDER)
    assert REFUSED in answer["text"]
    assert Review.get().status == "pending"


def test_an_outsider_cannot_submit_the_opt_in_modal(client, slack):
    staff_sets(PHONE, overall="opted_out", note="asked at the desk")
    card = command(client, slack, PHONE)  # an editor opened the modal, an outsider submits it
    click(client, slack, button(card, f"{OVERALL}opted_in"), card, answered=False)
    view = slack.wait_for("views.open")[-1].body["view"]
    refused = submit(client, view, "signed the form", user=OUTSIDER)
    assert REFUSED in refused.get_json()["errors"]["evidence"]
    assert get_state(PHONE).overall == "opted_out"


def test_an_outsider_may_look_up_read_the_history_and_pick(client, slack):
    staff_sets(PHONE, overall="opted_in", note="signed the form")
    assert "signed the form" in str(command(client, slack, f"history {PHONE}",
                                            user=OUTSIDER)["blocks"])
    card = command(client, slack, "Ana", user=OUTSIDER)
    history = click(client, slack, button(card, HISTORY), card, user=OUTSIDER)
    assert "signed the form" in str(history["blocks"])
    upsert_client("+12125550101", name="Ana Smith")
    picks = command(client, slack, "Ana", user=OUTSIDER)
    opened = click(client, slack, button(picks, "smsprefs:pick:0"), picks, user=OUTSIDER)
    assert opened["replace_original"] is True and "SMS preferences of" in opened["text"]


def test_with_no_editors_everyone_may_edit_and_an_unreadable_group_refuses(slack):
    from slack_sdk import WebClient

    from tests.fakes.slack_server import Status

    assert Permissions(editors=(), team_id=None, client=None).may_edit(OUTSIDER)
    client = WebClient(token="xoxb-test", base_url=slack.api_url, timeout=1)
    slack.script("usergroups.users.list", [Status(500)])
    assert not Permissions(editors=("S0MANAGERS",), team_id=None,
                           client=client).may_edit("U0MANAGER")
