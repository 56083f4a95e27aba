"""Whatever a person types in Slack, generated, not listed: a slash command's text and a
modal's note are either answered or refused with what to fix, never a failure.

Properties, on both databases:
1. a command or note holding a control character (NUL, which PostgreSQL cannot store, an
   escape, a C1 control; in a modal also a lone surrogate a JSON escape carries) is answered
   at once with the character named, and nothing is looked up or changed;
2. any other text typed after a subcommand or as a lookup gets an answer through
   response_url: the listener ran to its end (a failure in it posts nothing).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ids import OVERALL
from store.consent.changes import get_state
from tests.bot.slack_user import button, click, command, post, submit, trigger_id
from tests.factories import PHONE
from tests.fakes.slack_signing import command_body
from tests.gateway.hostile import HOSTILE, assert_unchanged, snapshot

CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85",
            "\x9f"]
SUBCOMMANDS = ["", "ana ", "history (212) 555-0100 ", "optout (212) 555-0100 ",
               "optin 2125550100 ", "off +12125550100 price ", "on (212) 555-0100 ",
               "help ", "+1212555"]
# what can be typed: no control character but tab, line feed and carriage return
typable = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r"),
                  max_size=40)


def with_control(controls: list[str]):
    return st.tuples(st.sampled_from(SUBCOMMANDS), typable, st.sampled_from(controls),
                     typable).map("".join)


@settings(HOSTILE)
@given(text=with_control(CONTROLS))
def test_a_command_holding_a_control_character_is_refused_and_changes_nothing(
        client, slack, text):
    before, posted = snapshot(), len(slack.responses())
    response = post(client, command_body(text, user_id="U0EDITOR", team_id="T0001",
                                         trigger_id=trigger_id(),
                                         response_url=slack.response_url("cmd")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("Nothing done: ") and "U+00" in body["text"], body
    assert_unchanged(before, snapshot(), response)
    assert len(slack.responses()) == posted  # no listener ran


@settings(HOSTILE)
@given(text=st.tuples(st.sampled_from(SUBCOMMANDS), typable).map("".join))
def test_any_other_command_text_gets_an_answer(client, slack, text):
    answer = command(client, slack, text)  # waits for the listener's post to response_url
    assert isinstance(answer.get("text"), str) and answer["text"]


@settings(HOSTILE, max_examples=25)
@given(note=with_control([*CONTROLS, "\ud800", "\udfff"]))
def test_a_modal_note_holding_a_control_character_is_refused_under_the_note(
        client, slack, note):
    card = command(client, slack, "2125550100")
    if get_state(PHONE).overall != "opted_out":
        card = click(client, slack, button(card, f"{OVERALL}opted_out"), card)
    views = len(slack.calls_to("views.open"))
    click(client, slack, button(card, f"{OVERALL}opted_in"), card, name="reopen",
          answered=False)
    view = slack.wait_for("views.open", views + 1)[-1].body["view"]
    before = snapshot()
    refused = submit(client, view, note)
    assert refused.status_code == 200
    errors = refused.get_json()["errors"]
    assert list(errors) == ["evidence"] and "U+" in errors["evidence"], errors
    assert_unchanged(before, snapshot(), refused)
    assert get_state(PHONE).overall == "opted_out"
