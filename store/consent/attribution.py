"""An opt-out's likely cause (SPEC section 11): the last text the dealership sent the phone.

Every applied opt-out, of everything or of one automation, by whatever source (a cascade
is the consequence of another opt-out, not one of its own), records the last text sent to
that phone within the 7 days before it: its message id, kind, campaign and automation.
System replies (confirmations, HELP) are left out: they answer the client, they are not
what the client was answering. Set-based, so an import's batch costs one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from store.bulk import select_in
from store.models import OutboundMessage
from store.vocabulary import (
    APPLIED,
    CARRIER,
    CASCADE,
    OFF,
    OPTED_OUT,
    REVIEW_SCOPE,
    SYSTEM_KINDS,
)

WINDOW = timedelta(days=7)
NO_CAUSE = (None, None, None, None)
_SENT = ('SELECT "to", "sent_at", "id", "kind", "campaign_id", "automation" '
         'FROM "outbound_message" WHERE "sent_at" IS NOT NULL AND "kind" NOT IN ({}) AND'
         .format(", ".join(f"'{k}'" for k in SYSTEM_KINDS)))


@dataclass(frozen=True)
class Cause:
    """The text an opt-out most likely answered."""

    message_id: int
    kind: str
    campaign_id: int | None
    automation: str | None

    def columns(self) -> tuple:
        return (self.message_id, self.kind, self.campaign_id, self.automation)


def is_opt_out(change, outcome: str = APPLIED) -> bool:
    """Return whether an event's change is an opt-out that gets a cause."""
    return (outcome == APPLIED and change.scope not in (CARRIER, REVIEW_SCOPE)
            and change.new_state in (OPTED_OUT, OFF) and change.source != CASCADE
            and change.old_state != change.new_state)


def likely_causes(wanted: dict[str, datetime]) -> dict[str, Cause]:
    """Return, for each phone (E.164) in `wanted`, the last text sent to it in the 7 days up
    to its moment (naive UTC); phones with none are left out.

    Read by the number the text went to, not the phone row: a text to a number never seen
    before is stored before the number has a row.
    """
    if not wanted:
        return {}
    earliest = min(wanted.values()) - WINDOW
    causes: dict[str, tuple[datetime, Cause]] = {}
    for phone, sent_at, message_id, kind, campaign_id, automation in select_in(
            _SENT, '"to"', sorted(wanted), tail=' AND "sent_at" >= {param}',
            tail_params=[OutboundMessage.sent_at.db_value(earliest)]):
        sent_at = OutboundMessage.sent_at.python_value(sent_at)
        moment = wanted[phone]
        if not moment - WINDOW <= sent_at <= moment:
            continue
        best = causes.get(phone)
        if best is None or (sent_at, message_id) > (best[0], best[1].message_id):
            causes[phone] = (sent_at, Cause(message_id, kind, campaign_id, automation))
    return {phone: cause for phone, (_, cause) in causes.items()}


