"""Build Slack requests (slash commands, block actions, view submissions) signed as Slack does.

The signature is slack_sdk's own ``SignatureVerifier.generate_signature`` (v0, HMAC-SHA256 over
``v0:{timestamp}:{body}``, docs/slack.md §4), so a body must be posted byte for byte as signed:
pass the returned string as ``data=`` and never re-encode it.

Payloads follow Slack's documented shapes closely enough for Bolt's matchers and context
extraction (a ``view_submission`` without ``view.type`` makes Bolt answer 500, §5.2).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_DOMAIN = "acme"
API_APP_ID = "A0SMSPREFS"
VERIFICATION_TOKEN = "verification-token-deprecated"
MESSAGE_TS = "1700000000.000100"


def signed_headers(secret: str, body: str, *, timestamp: int | str | None = None) -> dict[str, str]:
    """Return the headers Slack sends with ``body``: timestamp, v0 signature, form content type."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(
    text: str,
    *,
    response_url: str,
    user_id: str = "U_STAFF",
    team_id: str = "T0001",
    channel_id: str = "C0001",
    trigger_id: str = "T.trigger",
    command: str = "/smsprefs",
    user_name: str = "staff",
    channel_name: str = "sms-consent",
    enterprise_id: str | None = None,
) -> str:
    """Return a slash command's urlencoded form body with every field Slack sends."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    if enterprise_id is not None:
        fields |= {"enterprise_id": enterprise_id, "enterprise_name": "Acme Enterprise"}
    return urlencode(fields)


def action_body(payload: dict[str, Any]) -> str:
    """Return an interaction's form body: ``payload=<urlencoded JSON>``."""
    return urlencode({"payload": json.dumps(payload)})


def block_action_payload(
    action: dict[str, Any],
    *,
    response_url: str,
    user_id: str = "U_STAFF",
    team_id: str = "T0001",
    message_blocks: list[dict] | None = None,
    message_text: str = "",
    container: dict[str, Any] | None = None,
    trigger_id: str = "T.trigger",
    channel_id: str = "C0001",
    is_ephemeral: bool = False,
) -> dict[str, Any]:
    """Return a ``block_actions`` payload for a click on ``action`` in a message.

    ``action`` needs at least ``action_id``; ``type``, ``block_id`` and ``text`` are taken from
    the element with that ``action_id`` in ``message_blocks`` when it is there, and ``action_ts``
    is added.
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container or {
            "type": "message", "message_ts": MESSAGE_TS, "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "sms-consent"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_complete_action(action, message_blocks or [])],
    }
    if message_blocks is not None:
        payload["message"] = {
            "type": "message", "subtype": "bot_message", "user": "UBOT", "bot_id": "BBOT",
            "app_id": API_APP_ID, "team": team_id, "ts": MESSAGE_TS, "text": message_text,
            "blocks": message_blocks,
        }
    return payload


def view_submission_payload(
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    user_id: str = "U_STAFF",
    team_id: str = "T0001",
    view_id: str = "V0000SUBMIT",
    view_hash: str = "h0000.submit",
    trigger_id: str = "T.trigger",
) -> dict[str, Any]:
    """Return a ``view_submission`` payload for ``view`` (as built for views.open) and its state.

    ``values`` is ``state.values``: ``{block_id: {action_id: {"type": ..., "value": ...}}}``.
    """
    submitted = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "hash": view_hash,
        "title": {"type": "plain_text", "text": "smsprefs"},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "BBOT",
        **view,
    }
    # Slack's own fields win over whatever the built view carried
    submitted |= {"id": view_id, "hash": view_hash, "state": {"values": values}}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def _user(user_id: str, team_id: str) -> dict[str, str]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _complete_action(action: dict[str, Any], blocks: list[dict]) -> dict[str, Any]:
    block_id, element = _find_element(action.get("action_id"), blocks)
    completed = {"type": "button", "block_id": block_id or "block"}
    if element is not None:
        completed |= {key: element[key] for key in ("type", "text", "value", "style")
                      if key in element}
    return completed | action | {"action_ts": action.get("action_ts", f"{time.time():.6f}")}


def _find_element(action_id: str | None, blocks: list[dict]) -> tuple[str | None, dict | None]:
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory"), block.get("element")]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None
