"""The bot's ids carry what the listeners read back exactly as the builders wrote it."""

from __future__ import annotations

import bot.ids as ids
from bot.blocks import misread_modal, opt_in_modal
from tests.factories import PHONE


def submitted(view: dict, typed: str) -> dict:
    block = next(b for b in view["blocks"] if b["type"] == "input")
    return {**view, "state": {"values": {block["block_id"]: {
        block["element"]["action_id"]: {"type": "plain_text_input", "value": typed}}}}}


def test_a_switches_block_id_gives_back_the_phone_and_the_switches_as_drawn():
    assert ids.read_switches_block(ids.switches_block(PHONE, "10")) == (PHONE, "10")


def test_a_prefixed_action_id_is_matched_and_read_after_its_prefix():
    action_id = f"{ids.REVIEW}not_opt_out"
    assert ids.starting(ids.REVIEW).search(action_id)
    assert not ids.starting(ids.OVERALL).search(action_id)
    assert ids.after(ids.REVIEW, action_id) == "not_opt_out"


def test_a_modal_gives_back_its_metadata_what_was_typed_and_where_errors_show():
    view = submitted(opt_in_modal(PHONE, "Ana", "https://hooks.slack.com/x"), "signed")
    assert ids.metadata(view) == {"phone": PHONE, "response_url": "https://hooks.slack.com/x"}
    assert ids.typed(view, ids.EVIDENCE_BLOCK, ids.EVIDENCE_INPUT) == "signed"
    assert ids.first_input(view) == ids.EVIDENCE_BLOCK
    view = submitted(misread_modal(PHONE, "Ana", 7, "take me off"), "")
    assert ids.metadata(view) == {"phone": PHONE, "event_id": 7}
    assert ids.typed(view, ids.MISREAD_BLOCK, ids.MISREAD_INPUT) == ""
    assert ids.first_input(view) == ids.MISREAD_BLOCK
