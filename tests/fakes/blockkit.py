"""Check Block Kit messages and modals against Slack's limits before Slack would refuse them.

slack_sdk's models (``Block.parse(...).to_dict()``, ``View(**view).to_dict()``) check some limits,
but only ``to_dict()`` reaches nested elements (``validate_json()`` checks the block itself), and
they miss others: options of a ``static_select`` are never checked (it keeps them as plain dicts),
neither is the number of checkboxes or radio buttons, field length, ``block_id`` uniqueness, the
``action_id`` uniqueness within a block, empty text objects, the blocks-per-message limit, or a
modal with inputs but no submit button. This module checks those itself, checks every limit of
docs/slack.md §3.3 explicitly, and runs the models as a second net.

``message_problems`` / ``modal_problems`` return the violations as readable lines; the
``assert_valid_*`` helpers raise one AssertionError listing all of them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000  # Slack truncates top-level text beyond this
ID_MAX = 255  # block_id, action_id, callback_id
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
CHOICE_OPTIONS_MAX = 10  # checkboxes, radio_buttons
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
MODAL_TEXT_MAX = 24  # title, submit, close
PRIVATE_METADATA_MAX = 3000

TEXT_TYPES = ("plain_text", "mrkdwn")


def assert_valid_message(text: str | None, blocks: list[dict] | None) -> None:
    """Raise AssertionError listing every way this message breaks Slack's limits."""
    _raise(message_problems(text, blocks), "message")


def assert_valid_modal(view: dict) -> None:
    """Raise AssertionError listing every way this modal view breaks Slack's limits."""
    _raise(modal_problems(view), "modal")


def message_problems(text: str | None, blocks: list[dict] | None) -> list[str]:
    """Return what is wrong with a chat.postMessage/chat.update/respond body (empty if nothing)."""
    problems = []
    if not isinstance(text, str) or not text.strip():
        problems.append("top-level text is missing: Slack needs it for notifications and "
                        "screen readers whenever blocks are sent")
    elif len(text) > MESSAGE_TEXT_MAX:
        problems.append(f"top-level text has {len(text)} characters (Slack truncates beyond "
                        f"{MESSAGE_TEXT_MAX})")
    return problems + blocks_problems(blocks or [], max_blocks=MESSAGE_BLOCKS_MAX)


def modal_problems(view: dict) -> list[str]:
    """Return what is wrong with a view for views.open/update/push (empty if nothing)."""
    if not isinstance(view, dict):
        return [f"view must be a dict, got {type(view).__name__}"]
    problems = []
    if view.get("type") != "modal":
        problems.append(f"view type must be 'modal', got {view.get('type')!r}")
    if view.get("title") is None:
        problems.append("title is required")
    for key in ("title", "submit", "close"):
        if view.get(key) is not None:
            problems += _label_problems(key, view[key])
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        problems.append("blocks is required and must not be empty")
        blocks = []
    if view.get("submit") is None and any(_type(b) == "input" for b in blocks):
        problems.append("a modal with input blocks needs a submit button")
    metadata = view.get("private_metadata")
    too_long = isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_MAX
    if metadata is not None and (not isinstance(metadata, str) or too_long):
        problems.append(f"private_metadata must be a string of at most {PRIVATE_METADATA_MAX} "
                        f"characters, got {_size(metadata)}")
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key) or "")) > ID_MAX:
            problems.append(f"{key} has {len(view[key])} characters (max {ID_MAX})")
    problems += blocks_problems(blocks, max_blocks=MODAL_BLOCKS_MAX)
    if not problems:  # the model as a second net; its first failure only, so only if ours pass
        problems += _model_problems("view", lambda: View(**copy.deepcopy(view)).to_dict())
    return problems


def blocks_problems(blocks: list[dict], *, max_blocks: int) -> list[str]:
    """Return what is wrong with a list of blocks (limits, ids, models)."""
    if not isinstance(blocks, list):
        return [f"blocks must be a list, got {type(blocks).__name__}"]
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (max {max_blocks})")
    try:
        json.dumps(blocks)
    except (TypeError, ValueError) as e:
        problems.append(f"blocks are not JSON-serializable: {e}")
        return problems
    seen_block_ids: dict[str, int] = {}
    for index, block in enumerate(blocks):
        where = _where(index, block)
        if not isinstance(block, dict):
            problems.append(f"{where}: must be a dict")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_block_ids:
                first = seen_block_ids[block_id]
                problems.append(f"{where}: duplicate block_id (also blocks[{first}])")
            seen_block_ids.setdefault(block_id, index)
        own = [f"{where}: {p}" for p in _block_problems(block)]
        problems += own
        if not own:
            problems += _model_problems(where, lambda block=block: _parse(block).to_dict())
    return problems


def _block_problems(block: dict) -> list[str]:
    kind = block.get("type")
    problems = []
    if len(str(block.get("block_id") or "")) > ID_MAX:
        problems.append(f"block_id has {len(block['block_id'])} characters (max {ID_MAX})")
    elements = block.get("elements") or []
    if kind == "actions" and len(elements) > ACTIONS_ELEMENTS_MAX:
        problems.append(f"{len(elements)} elements (max {ACTIONS_ELEMENTS_MAX})")
    if kind == "context" and len(elements) > CONTEXT_ELEMENTS_MAX:
        problems.append(f"{len(elements)} elements (max {CONTEXT_ELEMENTS_MAX})")
    if kind == "header":
        problems += _text_problems("header text", block.get("text"), HEADER_TEXT_MAX,
                                   plain_only=True)
    if kind == "section":
        if block.get("text") is not None:
            problems += _text_problems("section text", block["text"], SECTION_TEXT_MAX)
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS_MAX:
            problems.append(f"{len(fields)} fields (max {SECTION_FIELDS_MAX})")
        for i, field in enumerate(fields):
            problems += _text_problems(f"fields[{i}]", field, FIELD_TEXT_MAX)
    action_ids: set[str] = set()
    for element in _dicts(block):
        problems += _element_problems(element, action_ids)
    return problems


def _element_problems(element: dict, action_ids: set[str]) -> list[str]:
    kind = element.get("type")
    problems = []
    if kind in TEXT_TYPES and "text" in element and not str(element["text"]).strip():
        problems.append(f"empty {kind} text object (Slack needs at least 1 character)")
    action_id = element.get("action_id")
    if action_id is not None:
        if len(str(action_id)) > ID_MAX:
            problems.append(f"action_id {str(action_id)[:20]!r}… has {len(action_id)} "
                            f"characters (max {ID_MAX})")
        if action_id in action_ids:
            problems.append(f"duplicate action_id {action_id!r} within the block")
        action_ids.add(action_id)
    if kind == "button" and len(str(element.get("value") or "")) > BUTTON_VALUE_MAX:
        problems.append(f"button {action_id!r} value has {len(element['value'])} characters "
                        f"(max {BUTTON_VALUE_MAX})")
    options = element.get("options")
    if kind in ("checkboxes", "radio_buttons") and len(options or []) > CHOICE_OPTIONS_MAX:
        problems.append(f"{kind} {action_id!r} has {len(options)} options "
                        f"(max {CHOICE_OPTIONS_MAX})")
    if kind is not None:  # an element; option groups are reached through their element
        for option in _options(element):
            problems += _option_problems(option)
    return problems


def _option_problems(option: Any) -> list[str]:
    if not isinstance(option, dict):
        return [f"option must be a dict, got {option!r}"]
    problems = []
    text = option.get("text")
    text = text.get("text") if isinstance(text, dict) else text
    if text is None or len(str(text)) > OPTION_TEXT_MAX:
        problems.append(f"option text {str(text)[:20]!r}… has {_size(text)} characters "
                        f"(max {OPTION_TEXT_MAX})")
    value = option.get("value")
    if value is not None and len(str(value)) > OPTION_VALUE_MAX:
        problems.append(f"option value {str(value)[:20]!r}… has {len(str(value))} characters "
                        f"(max {OPTION_VALUE_MAX})")
    return problems


def _label_problems(key: str, label: Any) -> list[str]:
    text = label.get("text") if isinstance(label, dict) else label
    problems = []
    if isinstance(label, dict) and label.get("type") != "plain_text":
        problems.append(f"{key} must be plain_text, got {label.get('type')!r}")
    if not isinstance(text, str) or not 1 <= len(text) <= MODAL_TEXT_MAX:
        problems.append(f"{key} {text!r} has {_size(text)} characters "
                        f"(must be 1 to {MODAL_TEXT_MAX})")
    return problems


def _text_problems(what: str, text: Any, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(text, dict) or not isinstance(text.get("text"), str):
        return [f"{what} must be a text object, got {text!r}"]
    problems = []
    if plain_only and text.get("type") != "plain_text":
        problems.append(f"{what} must be plain_text, got {text.get('type')!r}")
    if len(text["text"]) > limit:
        problems.append(f"{what} has {len(text['text'])} characters (max {limit})")
    return problems


def _options(element: dict) -> Iterator[Any]:
    """Yield every option of an element: options, option_groups and initial selections."""
    for key in ("options", "initial_options"):
        yield from element.get(key) or []
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            yield from group.get("options") or []
    if isinstance(element.get("initial_option"), dict):
        yield element["initial_option"]


def _dicts(value: Any) -> Iterator[dict]:
    """Yield every dict nested in a block, the block itself excluded."""
    children = value.values() if isinstance(value, dict) else value
    for child in children:
        if isinstance(child, dict):
            yield child
        if isinstance(child, dict | list):
            yield from _dicts(child)


def _parse(block: dict) -> Block:
    parsed = Block.parse(copy.deepcopy(block))
    if parsed is None:
        raise ValueError(f"unknown block type {block.get('type')!r}")
    return parsed


def _model_problems(where: str, check: Any) -> list[str]:
    try:
        check()
    except Exception as e:  # SlackObjectFormationError, or TypeError for a malformed block
        return [f"{where}: slack_sdk model refused it: {type(e).__name__}: {e}"]
    return []


def _where(index: int, block: Any) -> str:
    if not isinstance(block, dict):
        return f"blocks[{index}]"
    block_id = f", block_id={block['block_id']!r}" if block.get("block_id") else ""
    return f"blocks[{index}] ({block.get('type')}{block_id})"


def _type(block: Any) -> Any:
    return block.get("type") if isinstance(block, dict) else None


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _raise(problems: list[str], what: str) -> None:
    if problems:
        raise AssertionError(f"invalid Block Kit {what}:\n  - " + "\n  - ".join(problems))
