"""The bot's Home tab end to end: a signed app_home_opened event to the real Flask app and
Bolt, views.publish to the fake Slack Web API, and decisions clicked in the tab."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.home_blocks import listed, rate_part
from bot.ids import REVIEW
from bot.permissions import NOT_EDITOR
from store.clock import utcnow
from store.consent.changes import get_state
from store.messaging import OptOutRate
from store.messaging.campaigns import create_campaign
from store.messaging.inbound import receive_text
from store.messaging.outbox import block_at_carrier
from store.models import OutboundMessage, Review
from store.records.clients import upsert_client
from tests.bot.slack_user import EDITOR, GROUP_MEMBER, OUTSIDER, post, trigger_id
from tests.factories import OTHER, PHONE, ZONE, pending_review, staff_sets
from tests.fakes.blockkit import MODAL_BLOCKS_MAX, SECTION_TEXT_MAX, blocks_problems
from tests.fakes.slack_signing import (
    API_APP_ID,
    VERIFICATION_TOKEN,
    action_body,
    block_action_payload,
)

ROOT = Path(__file__).resolve().parents[2]
BLOCKED, LEAVER, SALE = "+12125550102", "+12125550103", "+12125550104"
_EVENTS = itertools.count(1)


def open_home(client, slack, *, user=EDITOR, tab="home") -> dict:
    """Open the app's Home tab as `user`; return the view published for them."""
    before = len(slack.calls_to("views.publish"))
    body = json.dumps({
        "token": VERIFICATION_TOKEN, "team_id": "T0001", "api_app_id": API_APP_ID,
        "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab,
                  "event_ts": f"{time.time():.6f}"},
        "type": "event_callback", "event_id": f"Ev{next(_EVENTS):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": "T0001", "user_id": "UBOT",
                            "is_bot": True, "is_enterprise_install": False}]})
    assert post(client, body, **{"Content-Type": "application/json"}).status_code == 200
    if tab != "home":
        return {}
    return published(slack, before + 1, user)


def published(slack, n: int, user: str) -> dict:
    """Wait for the n-th views.publish; check Slack took it for `user`; return its view."""
    call = slack.wait_for("views.publish", n)[n - 1]
    assert call.answer["ok"], call.answer
    assert call.body["user_id"] == user
    view = call.body["view"]
    return json.loads(view) if isinstance(view, str) else view


def click_in_home(client, view: dict, review_id: int, decision: str, *, user=EDITOR):
    """Click a review's button in the Home tab: a block action with no response_url."""
    block = next(b for b in view["blocks"] if b.get("block_id") == f"review:{review_id}")
    element = next(e for e in block["elements"] if e["action_id"] == f"{REVIEW}{decision}")
    payload = block_action_payload(
        {"action_id": element["action_id"], "block_id": block["block_id"],
         "value": element["value"]}, response_url="unused", user_id=user,
        message_blocks=view["blocks"], trigger_id=trigger_id(),
        container={"type": "view", "view_id": "V0HOME"})
    for key in ("response_url", "message", "channel"):  # a view has none of these
        payload.pop(key)
    payload["view"] = {**view, "id": "V0HOME", "team_id": "T0001", "hash": "h.1",
                       "state": {"values": {}}, "app_id": API_APP_ID, "bot_id": "BBOT"}
    assert post(client, action_body(payload)).status_code == 200


def words(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def headers(view: dict) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def review_ids(view: dict) -> list[int]:
    return [int(b["block_id"].split(":")[1]) for b in view["blocks"]
            if b["type"] == "actions" and b.get("block_id", "").startswith("review:")]


def sent_campaign(name: str, recipients: list[str]) -> None:
    """A campaign whose texts went out an hour ago."""
    noon = utcnow().replace(hour=17, minute=0)
    result = create_campaign(name=name, text="Big sale!", recipients=recipients, actor="crm",
                             include_unknown=True, fallback_zone=ZONE, now=noon)
    (OutboundMessage.update(sent_at=utcnow() - timedelta(hours=1), status="sent")
     .where(OutboundMessage.campaign == result.campaign.id).execute())


def test_opening_the_home_tab_shows_the_four_parts_with_real_data(client, slack):
    upsert_client(OTHER, name="Bob <!channel> & Sons")
    first = pending_review(PHONE, "I'll stop by Friday")
    second = pending_review(OTHER, "stop by <!here> later?")
    Review.update(created_at=utcnow() - timedelta(days=1)).where(
        Review.id == second.id).execute()  # the older one
    block_at_carrier(BLOCKED)  # a carrier block, and its review (the newest)
    sent_campaign("Spring <b>sale</b>", [LEAVER, SALE])
    receive_text(provider_id="leave-1", from_number=LEAVER.lstrip("+"), text="STOP")
    staff_sets("+12125550105", overall="opted_out")

    view = open_home(client, slack)
    assert view["type"] == "home"
    assert blocks_problems(view["blocks"], max_blocks=MODAL_BLOCKS_MAX) == []
    assert headers(view) == ["SMS consent", "Pending reviews (3)", "Carrier blocks (1)",
                             "Opt-outs in the last 7 days (2)",
                             "Opt-out rate of recent campaigns and automations"]
    text = words(view)
    # reviews oldest first, each with the alert's two buttons carrying its id
    carrier_review = Review.get(Review.kind == "carrier")
    assert review_ids(view) == [second.id, first.id, carrier_review.id]
    assert "*Ana Lopez* (…0100) texted on" in text and "I'll stop by Friday" in text
    assert "⛔ The carrier reported *A client* (…0102) opted out at the network" in text
    # escaped for mrkdwn: nobody is notified by a client's name or text
    assert "Bob &lt;!channel&gt; &amp; Sons" in text and "&lt;!here&gt;" in text
    assert "<!channel>" not in text and "<!here>" not in text
    # phones only by their last four digits
    assert not any(p.lstrip("+1") in text for p in (PHONE, OTHER, BLOCKED, LEAVER))
    assert "• *A client* (…0102): blocked since" in text
    assert "• Texted by the client: *1*" in text and "• By staff: *1*" in text
    assert "• *Spring &lt;b&gt;sale&lt;/b&gt;* (campaign): 1 opt-out of 2 sent, *50.0%*" in text


def test_a_decision_in_the_home_tab_applies_and_republishes(client, slack):
    from slack_sdk import WebClient

    from bot.alerts import SlackNotifier, deliver_alerts

    review = pending_review(PHONE, "I'll stop by Friday")
    deliver_alerts(SlackNotifier(WebClient(token="xoxb-test", base_url=slack.api_url),
                                 "C_ALERTS"))
    [alert] = slack.posted("C_ALERTS")
    view = open_home(client, slack, user=GROUP_MEMBER)
    assert review_ids(view) == [review.id]

    click_in_home(client, view, review.id, "opt_out", user=GROUP_MEMBER)
    after = published(slack, 2, GROUP_MEMBER)
    assert Review.get_by_id(review.id).status == "opted_out"
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_out", "staff")
    assert review_ids(after) == [] and "Pending reviews (0)" in headers(after)
    assert f"<@{GROUP_MEMBER}> opted the client out (…0100)." in words(after)
    # the alert in the channel says so too
    update = slack.wait_for("chat.update")[-1].body
    assert update["ts"] == alert.ts and f"Decided by <@{GROUP_MEMBER}>" in json.dumps(
        update["blocks"])

    # a stale tab elsewhere: the second click changes nothing and says who decided
    click_in_home(client, view, review.id, "not_opt_out", user=EDITOR)
    again = published(slack, 3, EDITOR)
    assert f"<@{GROUP_MEMBER}> already decided this one." in words(again)
    assert Review.get_by_id(review.id).status == "opted_out"


def test_someone_who_may_not_edit_is_told_so_in_the_home_tab(client, slack):
    review = pending_review(PHONE, "I'll stop by Friday")
    view = open_home(client, slack, user=OUTSIDER)  # everyone may look
    assert review_ids(view) == [review.id]
    click_in_home(client, view, review.id, "opt_out", user=OUTSIDER)
    refused = published(slack, 2, OUTSIDER)
    assert NOT_EDITOR in words(refused)
    assert review_ids(refused) == [review.id]
    assert Review.get_by_id(review.id).status == "pending"
    assert get_state(PHONE).overall == "unknown"


def test_many_reviews_and_blocks_stay_inside_slacks_limits(client, slack):
    long_name = "Maria-José " * 18  # near the 200 characters a name may have
    for n in range(45):
        e164 = f"+1212555{2000 + n:04d}"
        upsert_client(e164, name=f"{long_name}{n}")
        pending_review(e164, "I'll stop by Friday but " + "please " * 60 + "call first")
    for n in range(70):
        e164 = f"+1212555{3000 + n:04d}"
        upsert_client(e164, name=f"{long_name}{n}")
        block_at_carrier(e164)  # a block, and a review of it

    view = open_home(client, slack)  # the fake refuses a view Slack would refuse
    assert len(view["blocks"]) <= MODAL_BLOCKS_MAX
    assert blocks_problems(view["blocks"], max_blocks=MODAL_BLOCKS_MAX) == []
    assert "Pending reviews (115)" in headers(view) and "Carrier blocks (70)" in headers(view)
    assert len(review_ids(view)) == 20
    text = words(view)
    assert "…and 95 more. Decide the oldest to see the next." in text
    carrier = next(b for b in view["blocks"] if b["type"] == "section"
                   and "blocked since" in b["text"]["text"])
    assert len(carrier["text"]["text"]) <= SECTION_TEXT_MAX
    shown = carrier["text"]["text"].count("blocked since")
    assert 0 < shown < 70 and f"…and {70 - shown} more" in carrier["text"]["text"]


def test_an_empty_home_tab_reads_well(client, slack):
    view = open_home(client, slack)
    assert headers(view) == ["SMS consent", "Pending reviews (0)", "Carrier blocks (0)",
                             "Opt-outs in the last 7 days (0)",
                             "Opt-out rate of recent campaigns and automations"]
    text = words(view)
    for line in ("✅ Nothing waits for a decision.", "No number is blocked by a carrier.",
                 "No opt-outs in the last 7 days.",
                 "No campaign or automation texts in the last 30 days."):
        assert line in text
    assert not any(b["type"] == "actions" for b in view["blocks"])
    assert blocks_problems(view["blocks"], max_blocks=MODAL_BLOCKS_MAX) == []


def test_opening_the_messages_tab_publishes_nothing(client, slack):
    open_home(client, slack, tab="messages")
    time.sleep(0.5)
    assert slack.calls_to("views.publish") == []
    open_home(client, slack)  # the same listener, for the Home tab
    assert len(slack.calls_to("views.publish")) == 1


def test_a_long_list_of_rates_is_cut_with_how_many_more():
    rates = [OptOutRate("campaign", str(n), f"Campaign <{n}> " + "x" * 80, 200, n % 7,
                        (n % 7) / 200) for n in range(300)]
    rates.append(OptOutRate("automation", "price_reduction", "Price Reduction", 0, 0, None))
    header, body, _ = rate_part(rates, rate_alert=0.02)
    assert header["type"] == "header"
    text = body["text"]["text"]
    assert len(text) <= SECTION_TEXT_MAX
    shown = text.count("\n• ") + 1
    assert text.endswith(f"…and {301 - shown} more") and "Campaign &lt;0&gt;" in text
    assert "*3.0%* ⚠️" in text and "*1.0%*\n" in text  # past the alert threshold, or not
    no_texts = rate_part(rates[-1:])[1]["text"]["text"]
    assert no_texts == "• *Price Reduction* (automation): no texts sent yet"


@pytest.mark.parametrize(("lines", "more", "expected"), [
    (["a", "b"], 0, "a\nb"),
    (["a", "b"], 3, "a\nb\n…and 3 more"),
    (["x" * 10, "y" * 10, "z" * 10], 0, "x" * 10 + "\n…and 2 more"),
    (["x" * 12, "y" * 13], 0, "x" * 12 + "\n" + "y" * 13),  # all of it fits: nothing cut
])
def test_a_list_keeps_what_fits_and_counts_the_rest(lines, more, expected):
    assert listed(lines, more=more, limit=26) == expected


def test_the_manifest_subscribes_to_the_event_and_enables_the_home_tab(client, slack):
    manifest = yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    events = manifest["settings"]["event_subscriptions"]
    assert events["bot_events"] == ["app_home_opened"]
    assert events["request_url"] == "https://HOST/slack/events"
    # Slack checks the request URL with a challenge before it sends any event
    body = json.dumps({"token": VERIFICATION_TOKEN, "challenge": "c-123",
                       "type": "url_verification"})
    response = post(client, body, **{"Content-Type": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"challenge": "c-123"}


def test_a_decision_from_the_home_tab_is_the_clickers(client, slack):
    review = pending_review(PHONE, "I'll stop by Friday")
    view = open_home(client, slack)
    click_in_home(client, view, review.id, "not_opt_out", user=EDITOR)
    after = published(slack, 2, EDITOR)
    assert f"<@{EDITOR}> marked it not an opt-out (…0100)." in words(after)
    decided = Review.get_by_id(review.id)
    assert (decided.status, decided.decided_by) == ("dismissed", EDITOR)
    assert get_state(PHONE).overall == "unknown"
