"""The addresses of the bot's Block Kit: action, block and callback ids, and what each carries.

The builders (bot.blocks, bot.alert_blocks) write them and the listeners read them back, both
through this module, so the shape of an id, a button's value or a modal's private_metadata is
decided in one place. Before Bolt reads a click or a modal, check_shape() holds it to
Slack's shape, and before any listener reads it, check_addresses() holds each value to ours
(a phone in E.164, an id in range): Slack echoes what we drew, so anything else is not a
card of ours, and no listener need guard against it.
"""

from __future__ import annotations

import json
import re

OVERALL = "smsprefs:overall:"  # + the state the button sets; value: the phone
SWITCHES = "smsprefs:switches"  # checkboxes; the phone rides in the block_id
HISTORY = "smsprefs:history"  # value: the phone
PICK = "smsprefs:pick:"  # + index; value: the phone
REVIEW = "smsprefs:review:"  # + opt_out | not_opt_out; value: the review id
OPT_IN_MODAL = "smsprefs:optin"  # callback_id; private_metadata: {"phone", "response_url"}
EVIDENCE_BLOCK, EVIDENCE_INPUT = "evidence", "note"
MISREAD = "smsprefs:misread"  # an opt-out alert's "Not what they meant"; value: the event id
MISREAD_MODAL = "smsprefs:misread_modal"  # callback_id; private_metadata: {"phone", "event_id"}
MISREAD_BLOCK, MISREAD_INPUT = "misread", "note"


def starting(prefix: str) -> re.Pattern:
    """Return the pattern Bolt matches every action id that starts with `prefix` by."""
    return re.compile(f"^{re.escape(prefix)}")


def after(prefix: str, action_id: str) -> str:
    """Return what an action id carries after `prefix`: a state, a decision, an index."""
    return action_id.removeprefix(prefix)


def switches_block(e164: str, drawn: str) -> str:
    """Return the checkboxes' block id: the phone, and each switch as drawn ("1" on, "0" off).

    Slack sends every box that is ticked, not which one was clicked; comparing with the card
    as it was drawn tells which the person changed, so a stale card cannot undo a newer change.
    """
    return f"{SWITCHES}:{e164}:{drawn}"


def read_switches_block(block_id: str) -> tuple[str, str]:
    """Return (phone, switches as drawn) from a checkboxes block id."""
    e164, _, drawn = block_id.removeprefix(f"{SWITCHES}:").partition(":")
    return e164, drawn


def opt_in_metadata(e164: str, response_url: str | None) -> str:
    """Return the opt-in modal's private_metadata: the phone, and where its card was drawn."""
    return json.dumps({"phone": e164, "response_url": response_url})[:3000]


def misread_metadata(e164: str, event_id: int) -> str:
    """Return the misread modal's private_metadata: the phone and the opt-out event."""
    return json.dumps({"phone": e164, "event_id": event_id})


def metadata(view: dict) -> dict:
    """Return what a submitted modal carried in its private_metadata ({} when not ours)."""
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, TypeError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def typed(view: dict, block: str, element: str) -> str:
    """Return what the person typed in a submitted modal's input, or "" when nothing."""
    values = view["state"]["values"]
    return values.get(block, {}).get(element, {}).get("value") or ""


def first_input(view: dict) -> str | None:
    """Return the block id of a submitted modal's first input, where an error shows (the
    view of Slack's shape, check_shape(); its blocks are not checked there)."""
    blocks = view.get("blocks")
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input":
            return block.get("block_id")
    return next(iter(view.get("state", {}).get("values") or {}), None)


MAX_ID = 2**63 - 1  # the largest id a database column holds
# The shape of a phone as the builders write it (the store keeps E.164). Only the shape: a
# number stored while valid stays addressable if a phonenumbers release withdraws its range.
E164 = re.compile(r"\+[1-9][0-9]{1,14}")


class NotOurs(ValueError):
    """A value read back from a card, an alert or a modal that no builder here wrote."""


def check_shape(body: dict) -> None:
    """Raise NotOurs when a click or a submitted modal in `body` is not of Slack's shape: the
    actions not a list of objects each with an action_id, a view (a click's too: one inside
    a modal or the Home tab carries it) not an object, a submitted view without a type, or
    its state's values not objects. Bolt reads these before any middleware runs, and when it
    logs a request no listener takes."""
    if "view" in body:
        _object(body["view"], "the view")
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            raise NotOurs("the actions are not a list of objects")
        for action in actions:
            if not isinstance(_object(action, "an action").get("action_id"), str):
                raise NotOurs("an action has no action_id")
    elif body.get("type") == "view_submission":
        view = _object(body.get("view"), "the view")
        if not isinstance(view.get("type"), str):
            raise NotOurs("the view has no type")
        values = _object(_object(view.get("state", {}), "the state").get("values", {}),
                         "the state's values")
        for inputs in values.values():
            for typed_in in _object(inputs, "a block's inputs").values():
                _object(typed_in, "an input")


def check_addresses(body: dict) -> None:
    """Raise NotOurs when a click or a submitted modal in `body` (of Slack's shape: see
    check_shape) carries a value the builders could not have written: a phone not in
    E.164, an id out of range, private_metadata that is not our JSON."""
    if body.get("type") == "block_actions":
        for action in body["actions"]:
            _check_action(action)
    elif body.get("type") == "view_submission":
        view = body["view"]
        if view.get("callback_id") in (OPT_IN_MODAL, MISREAD_MODAL):
            carried = metadata(view)
            if not carried:
                raise NotOurs("the private_metadata is not ours")
            phone_of(carried.get("phone"))
            if view.get("callback_id") == MISREAD_MODAL:
                id_of(carried.get("event_id"))


def _check_action(action: dict) -> None:
    action_id = action["action_id"]
    if action_id.startswith((OVERALL, PICK)) or action_id == HISTORY:
        phone_of(action.get("value"))
    elif action_id.startswith(REVIEW) or action_id == MISREAD:
        id_of(action.get("value"))
    elif action_id == SWITCHES:
        block_id = action.get("block_id")
        e164, drawn = read_switches_block(block_id if isinstance(block_id, str) else "")
        phone_of(e164)
        if not re.fullmatch("[01]*", drawn):
            raise NotOurs("the switches as drawn are not 0s and 1s")


def _object(value, what: str) -> dict:
    if isinstance(value, dict):
        return value
    raise NotOurs(f"{what} is not an object")


def phone_of(value) -> str:
    """Return `value` when it is a phone as the builders write it (E.164), else raise."""
    if isinstance(value, str) and E164.fullmatch(value):
        return value
    raise NotOurs("not a phone in E.164")


def id_of(value) -> int:
    """Return `value` as a row id (digits, or a JSON number) in range, else raise."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if type(value) is int and 1 <= value <= MAX_ID:
        return value
    raise NotOurs("not a row id")
