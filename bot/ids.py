"""Action, block and callback ids of the bot's Block Kit surfaces, in one place."""

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
