"""What a Slack user does to the real app, as Slack sends it: type /smsprefs, click, submit.

Each request is signed like Slack's and carries a fresh trigger_id, as every real one does:
two identical signed requests are one request replayed, which the app ignores.
"""

from __future__ import annotations

import itertools

from bot.ids import SWITCHES
from tests.fakes.slack_signing import (
    action_body,
    block_action_payload,
    command_body,
    signed_headers,
    view_submission_payload,
)

SECRET = "slack-signing-secret-for-tests"
EDITOR, GROUP_MEMBER, OUTSIDER = "U0EDITOR", "U0MANAGER", "U0SALES"
_TRIGGERS = itertools.count(1)


def trigger_id() -> str:
    """Return a trigger_id no other request of this run carries."""
    return f"{next(_TRIGGERS)}.trigger"


def post(client, body: str, **headers):
    return client.post("/slack/events", data=body,
                       headers={**signed_headers(SECRET, body), **headers})


def command(client, slack, text: str, *, user=EDITOR, team="T0001", name="cmd") -> dict:
    before = len(slack.responses(name))
    response = post(client, command_body(text, user_id=user, team_id=team,
                                         trigger_id=trigger_id(),
                                         response_url=slack.response_url(name)))
    assert response.status_code == 200
    return slack.wait_for_responses(before + 1, name=name)[-1].body


def click(client, slack, action: dict, card: dict, *, user=EDITOR, name="click",
          answered: bool = True) -> dict | None:
    before = len(slack.responses(name))
    payload = block_action_payload(action, user_id=user, message_blocks=card["blocks"],
                                   trigger_id=trigger_id(),
                                   response_url=slack.response_url(name))
    assert post(client, action_body(payload)).status_code == 200
    if not answered:  # the click opens a modal instead of answering
        return None
    return slack.wait_for_responses(before + 1, name=name)[-1].body


def submit(client, view: dict, note: str, *, user=EDITOR):
    """Submit a modal with `note` typed in its one input (the evidence, or what was meant)."""
    block = next(b for b in view["blocks"] if b["type"] == "input")
    values = {block["block_id"]: {block["element"]["action_id"]: {
        "type": "plain_text_input", "value": note}}}
    payload = view_submission_payload(view, values, user_id=user, trigger_id=trigger_id())
    return post(client, action_body(payload))


def button(card: dict, action_id: str) -> dict:
    for block in card["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return {"action_id": action_id, "block_id": block.get("block_id"),
                        "value": element.get("value"), "type": element["type"]}
    raise AssertionError(f"no {action_id} on the card")


def untick(card: dict, *names: str) -> dict:
    block = next(b for b in card["blocks"]
                 if b.get("accessory", {}).get("action_id") == SWITCHES)
    chosen = [o for o in block["accessory"].get("initial_options", [])
              if o["value"] not in names]
    return {"action_id": SWITCHES, "block_id": block["block_id"], "type": "checkboxes",
            "selected_options": chosen}
