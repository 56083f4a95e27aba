"""SPEC rule 11 in Slack: the opt-out alert's "Not what they meant" button, its modal, and the
alert redrawn with who corrected it; signed requests to the real app, the fake Slack Web API."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient

from bot.alerts import SlackNotifier, deliver_alerts
from bot.ids import MISREAD, MISREAD_MODAL
from store.consent.changes import get_state
from store.consent.history import list_events
from store.consent.misread import NATURAL_LANGUAGE_RULES
from store.messaging.inbound import receive_text
from store.models import ConsentEvent
from tests.bot.slack_user import EDITOR, GROUP_MEMBER, OUTSIDER, button, click, submit
from tests.factories import PHONE, client_texts
from tests.fakes.blockkit import assert_valid_message, assert_valid_modal

NOTE = "Called back: she meant the brochure mailing list, not texts"
_texts = iter(range(1, 10_000))


def texted(text: str) -> None:
    receive_text(provider_id=f"m{next(_texts)}", from_number=PHONE.lstrip("+"), text=text)


def posted_alert(slack, text: str) -> dict:
    """Text `text` from the client, post the alert it raises; return it as Slack shows it."""
    texted(text)
    notifier = SlackNotifier(WebClient(token="xoxb-test", base_url=slack.api_url), "C_ALERTS")
    assert deliver_alerts(notifier)["posted"] == 1
    posted = slack.posted("C_ALERTS")[-1]
    assert_valid_message(posted.text, posted.blocks)
    return {"text": posted.text, "blocks": posted.blocks, "ts": posted.ts}


def has_button(alert: dict) -> bool:
    return MISREAD in json.dumps(alert["blocks"])


def open_modal(client, slack, alert: dict, *, user=EDITOR) -> dict:
    opened = len(slack.calls_to("views.open"))
    click(client, slack, button(alert, MISREAD), alert, user=user, answered=False)
    view = slack.wait_for("views.open", opened + 1)[-1].body["view"]
    assert view["callback_id"] == MISREAD_MODAL
    assert_valid_modal(view)
    return view


def errors_of(response) -> str:
    assert response.status_code == 200
    body = response.get_json()
    assert body["response_action"] == "errors"
    return body["errors"]["misread"]


@pytest.mark.parametrize("text", ["take me off your list", "no more price drop alerts"])
def test_a_natural_language_opt_out_alert_offers_the_button(client, slack, text):
    alert = posted_alert(slack, text)
    assert list_events(PHONE)[-1].rule in NATURAL_LANGUAGE_RULES
    assert has_button(alert)
    assert button(alert, MISREAD)["value"] == str(list_events(PHONE)[-1].id)


@pytest.mark.parametrize("text", ["STOP", "Stop please", "STOPP", "STOP PRICE DROP", "START"])
def test_an_opt_out_word_typo_scoped_stop_or_opt_in_alert_has_no_button(client, slack, text):
    if text == "START":
        client_texts(PHONE, "opt_out")
    alert = posted_alert(slack, text)
    assert not has_button(alert)


def test_an_editor_marks_it_misread_and_the_alert_says_who(client, slack):
    alert = posted_alert(slack, "take me off your list")
    opt_out = list_events(PHONE)[-1]
    view = open_modal(client, slack, alert, user=GROUP_MEMBER)
    assert "take me off your list" in json.dumps(view["blocks"])
    done = submit(client, view, NOTE, user=GROUP_MEMBER)
    assert done.status_code == 200 and not done.data
    state = get_state(PHONE)
    assert (state.overall, state.overall_source, state.locked) == ("unknown", "staff", False)
    assert {(e.actor, e.channel, e.reason, e.note, e.corrects_id) for e in list_events(PHONE)
            if e.id > opt_out.id + 2} == {(GROUP_MEMBER, "slack", "misread", NOTE, opt_out.id)}
    update = slack.wait_for("chat.update")[-1].body
    assert update["ts"] == alert["ts"] and update["channel"] == "C_ALERTS"
    words = json.dumps(update["blocks"], ensure_ascii=False)
    assert f"Marked misread by <@{GROUP_MEMBER}>" in words and NOTE in words
    assert "overall preference opted_out → unknown" in words
    assert MISREAD not in words  # the button is gone
    assert_valid_message(update["text"], update["blocks"])
    assert "(marked misread)" in update["text"]


def test_a_non_editor_is_refused_at_the_button_and_at_the_modal(client, slack):
    alert = posted_alert(slack, "take me off your list")
    answer = click(client, slack, button(alert, MISREAD), alert, user=OUTSIDER)
    assert "SMSPREFS_EDITORS" in answer["text"] and answer["replace_original"] is False
    assert slack.calls_to("views.open") == []
    view = open_modal(client, slack, alert)
    events = ConsentEvent.select().count()
    assert "SMSPREFS_EDITORS" in errors_of(submit(client, view, NOTE, user=OUTSIDER))
    assert ConsentEvent.select().count() == events
    assert get_state(PHONE).locked


def test_a_blank_note_is_refused_in_the_modal(client, slack):
    alert = posted_alert(slack, "take me off your list")
    view = open_modal(client, slack, alert)
    assert "needs a note of what the client meant" in errors_of(submit(client, view, "  \n"))
    assert get_state(PHONE).locked
    assert list_events(PHONE)[0].reason == "note_required"


@pytest.mark.parametrize(("then", "words"), [
    ("STOP", "the client texted an opt-out again after this one"),
    ("START", "changed again since"),
])
def test_a_confirmed_or_since_changed_opt_out_is_refused_in_plain_words(client, slack, then,
                                                                        words):
    alert = posted_alert(slack, "take me off your list")
    view = open_modal(client, slack, alert)
    texted(then)  # while the editor was typing
    before = get_state(PHONE)
    refusal = errors_of(submit(client, view, NOTE))
    assert refusal.startswith("Not changed: ") and words in refusal
    assert get_state(PHONE) == before
    assert list_events(PHONE)[0].outcome == "refused"


def test_a_second_editor_hears_it_was_already_corrected(client, slack):
    alert = posted_alert(slack, "take me off your list")
    first = open_modal(client, slack, alert)
    second = open_modal(client, slack, alert, user=GROUP_MEMBER)
    assert submit(client, first, NOTE).status_code == 200
    assert "already marked misread" in errors_of(submit(client, second, "me too",
                                                        user=GROUP_MEMBER))
    # a click on the stale alert says who did it instead of asking for a note again
    opened = len(slack.calls_to("views.open"))
    answer = click(client, slack, button(alert, MISREAD), alert, user=GROUP_MEMBER)
    assert f"<@{EDITOR}> already marked this opt-out misread" in answer["text"]
    assert len(slack.calls_to("views.open")) == opened


def test_the_misread_modal_and_a_corrected_alert_stay_inside_slacks_limits(client, slack):
    from bot.alert_blocks import alert_message
    from bot.blocks import misread_modal
    from store.consent.history import corrections_of
    from store.messaging.alerts import details
    from store.models import Alert

    assert_valid_modal(misread_modal(PHONE, "Ana " * 200, 1, "take me off\n" * 400))
    posted_alert(slack, "take me off your list " + "please " * 300)
    opt_out = list_events(PHONE)[-1]
    from store.consent.changes import correct_misread
    from tests.factories import STAFF

    correct_misread(PHONE, opt_out.id, actor=STAFF, note="n" * 1000)
    text, blocks = alert_message(details(Alert.get()), correction=corrections_of(opt_out.id))
    assert_valid_message(text, blocks)
