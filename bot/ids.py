"""Action, block and callback ids of the bot's Block Kit surfaces, in one place."""

OVERALL = "smsprefs:overall:"  # + the state the button sets; value: the phone
SWITCHES = "smsprefs:switches"  # checkboxes; the phone rides in the block_id
HISTORY = "smsprefs:history"  # value: the phone
PICK = "smsprefs:pick:"  # + index; value: the phone
REVIEW = "smsprefs:review:"  # + opt_out | not_opt_out; value: the review id
OPT_IN_MODAL = "smsprefs:optin"  # callback_id; private_metadata: {"phone", "response_url"}
EVIDENCE_BLOCK, EVIDENCE_INPUT = "evidence", "note"


def switches_block(e164: str) -> str:
    return f"{SWITCHES}:{e164}"


def phone_of_switches_block(block_id: str) -> str:
    return block_id.removeprefix(f"{SWITCHES}:")
