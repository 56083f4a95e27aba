"""The bot's Block Kit stays inside Slack's limits and says what a salesperson needs."""

from __future__ import annotations

import pytest

from bot import blocks
from bot.alert_blocks import alert_message
from store.consent.changes import set_carrier_block
from store.messaging.alerts import claim_alerts, details
from store.messaging.inbound import receive_text
from store.messaging.outbox import block_at_carrier
from store.records.card import load_card
from store.records.clients import upsert_client
from tests.factories import PHONE, client_texts, staff_sets
from tests.fakes.blockkit import assert_valid_message, assert_valid_modal

pytestmark = pytest.mark.usefixtures("database")
ZONE = "America/New_York"


def card_of(e164=PHONE, **kw):
    card = load_card(e164)
    return blocks.card(card.state, clients=card.clients, events=card.events, zone=ZONE,
                       pending_review=card.pending_review, **kw)


def flat(blocks_: list[dict]) -> str:
    return str(blocks_)


def test_card_of_a_keyword_opt_out_shows_state_source_and_lock():
    upsert_client(PHONE, name="Ana Lopez", crm_id="C1")
    client_texts(PHONE, "opt_out", text="STOP")
    text, body = card_of()
    assert_valid_message(text, body)
    assert body[0]["text"]["text"] == "Ana Lopez"
    words = flat(body)
    assert "❌ Opted out" in words and 'by texting "STOP" on ' in words
    assert "🔒 The client texted an opt-out: only the client can opt back in" in words
    overall = next(b for b in body if b.get("block_id", "").endswith(":overall"))
    assert [e["text"]["text"] for e in overall["elements"]] == [
        "❔ Unknown", "✅ Opted in", "❌ Opted out"]
    assert [e.get("style") for e in overall["elements"]] == [None, None, "primary"]
    switches = next(b for b in body if b.get("accessory", {}).get("type") == "checkboxes")
    assert "initial_options" not in switches["accessory"]  # every switch is off


def test_card_shows_switches_checked_and_banners():
    staff_sets(PHONE, automations={"new_vehicle_arrival": "off"})
    set_carrier_block(PHONE, blocked=True)
    receive_text(provider_id="r1", from_number=PHONE.lstrip("+"), text="I'll stop by Friday")
    text, body = card_of()
    assert_valid_message(text, body)
    accessory = next(b for b in body if b.get("accessory", {}).get("type") == "checkboxes")
    checked = [o["value"] for o in accessory["accessory"]["initial_options"]]
    assert checked == ["price_reduction"]
    words = flat(body)
    assert "⚠️ A text from this client may be an opt-out" in words
    assert "⛔ The carrier reports this number opted out" in words


def test_card_with_the_longest_names_and_notes_stays_inside_limits():
    for n in range(12):
        upsert_client(PHONE, name=f"{'Maximiliana ' * 15}{n}"[:200], crm_id="C" * 100)
    staff_sets(PHONE, overall="opted_in", note="x" * 1000)
    text, body = card_of(notice="n" * 5000)
    assert_valid_message(text, body)


def test_pick_list_history_help_and_modal_stay_inside_limits():
    phones = [f"+1212555{n:04d}" for n in range(10)]
    text, body = blocks.pick_list([(p, "Ana " * 100) for p in phones])
    assert_valid_message(text, body)
    assert len([b for b in body if "accessory" in b]) == 10
    for n in range(40):
        client_texts(PHONE, "opt_out" if n % 2 else "opt_in", text="STOP " * 50)
    from store.consent.history import list_events

    text, body = blocks.history(PHONE, list_events(PHONE, limit=30), ZONE)
    assert_valid_message(text, body)
    assert_valid_message(*blocks.help_message())
    assert_valid_modal(blocks.opt_in_modal(PHONE, "Ana " * 200, "https://hooks.slack.com/x"))


@pytest.mark.parametrize("what", ["opt_out", "scoped", "opt_in", "review", "carrier"])
def test_every_alert_shows_name_last_four_text_and_what_was_done(what):
    upsert_client(PHONE, name="Ana Lopez")
    sent = {"opt_out": "STOP", "scoped": "stop price drop please", "opt_in": "START",
            "review": "I'll stop by on Friday " + "x" * 2000}
    if what == "opt_in":
        client_texts(PHONE, "opt_out")
        claim_alerts()  # not this one
    if what == "carrier":
        block_at_carrier(PHONE)
    else:
        receive_text(provider_id=f"a-{what}", from_number=PHONE.lstrip("+"), text=sent[what])
    from store.models import Alert

    alert = Alert.select().order_by(Alert.id.desc()).first()
    text, body = alert_message(details(alert))
    assert_valid_message(text, body)
    words = flat(body)
    assert "Ana Lopez" in words and "…0100" in words and PHONE not in words
    if what != "carrier":
        assert sent[what][:30] in words.replace("*", "")
        bold = {"opt_out": "*STOP*", "scoped": "*stop price drop please*", "opt_in": "*START*",
                "review": "I'll *stop* by"}
        assert bold[what] in words  # the words that decided, in bold
    if what in ("review", "carrier"):
        assert "Opt out" in words and "Not an opt-out" in words
    else:
        assert "What was done" in words
    if what == "scoped":
        assert "turned off Price Reduction Notifications" in text


def test_an_alert_escapes_what_the_client_wrote():
    # "<!channel>" in a client's text must not notify the channel, nor <@U…> mention anyone
    receive_text(provider_id="esc", from_number=PHONE.lstrip("+"),
                 text="<!channel> & <@U123> stop by friday > now")
    from store.models import Alert

    _, body = alert_message(details(Alert.select().order_by(Alert.id.desc()).first()))
    words = flat(body)
    assert "<!channel>" not in words and "<@U123>" not in words
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt; *stop* by friday &gt; now" in words


def test_history_and_card_escape_what_the_client_and_the_crm_wrote():
    upsert_client(PHONE, name="<!here> Ana")
    receive_text(provider_id="esc2", from_number=PHONE.lstrip("+"), text="STOP <!channel>")
    from store.consent.history import list_events

    _, history = blocks.history(PHONE, list_events(PHONE), ZONE)
    _, card = card_of()
    for body in (history, card):  # mrkdwn: Slack would read <!…> there (plain_text it never)
        marked = " ".join(mrkdwn(body))
        assert "<!channel>" not in marked and "<!here>" not in marked
    assert "&lt;!channel&gt;" in " ".join(mrkdwn(history))
    assert "&lt;!channel&gt;" in " ".join(mrkdwn(card))


def mrkdwn(value) -> list[str]:
    """Return every mrkdwn text in a Block Kit structure."""
    if isinstance(value, dict):
        found = [value["text"]] if value.get("type") == "mrkdwn" else []
        return found + [t for v in value.values() for t in mrkdwn(v)]
    if isinstance(value, list):
        return [t for v in value for t in mrkdwn(v)]
    return []


def test_the_card_names_staff_as_slack_mentions():
    staff_sets(PHONE, overall="opted_out")
    _, body = card_of()
    assert "by <@U_STAFF> in Slack" in flat(body)
    from store.consent.history import list_events

    _, history = blocks.history(PHONE, list_events(PHONE), ZONE)
    assert "by <@U_STAFF>" in flat(history)
