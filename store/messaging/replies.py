"""What the gateway texts back: opt-out and opt-in confirmations and the HELP reply.

Each is one statement with no marketing (FCC 64.1200(a)(12), CTIA): the dealership's name,
what changed, how to stop, and for opt-ins how to get help and the rates line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from store.automations import get_automation
from store.clock import utcnow
from store.consent.changes import get_state, state_from_rows
from store.consent.rules import ConsentState
from store.db import db
from store.messaging.sending import block_reason
from store.models import InboundMessage, OutboundMessage, Phone
from store.rows import get_by, insert_returning
from store.vocabulary import ALL, CONFIRMATION, MESSAGE_BLOCKED, QUEUED, SYSTEM_KINDS

CONFIRM_WITHIN = timedelta(minutes=5)  # FCC: a confirmation later than this is not presumed ok
REPEAT_WINDOW = timedelta(hours=24)

RATES = "Msg&data rates may apply."


@dataclass(frozen=True)
class ReplySettings:
    """What replies need to know about the dealership and who confirms a STOP."""

    dealership_name: str = "Our dealership"
    dealership_phone: str | None = None
    confirmation_owner: str = "app"  # app | vonage | carrier
    widen_scoped_stop: bool = False


def opt_out_confirmation(settings: ReplySettings, scope: str) -> str:
    """Return the one confirmation of an opt-out (all, or one automation)."""
    name = settings.dealership_name
    if scope == ALL:
        return f"{name}: you're unsubscribed and will get no more texts. Reply START to rejoin."
    alerts = get_automation(scope).alerts_name
    return f"{name}: {alerts} are off. Other texts continue. Reply STOP to end all texts."


def opt_in_confirmation(settings: ReplySettings, scope: str) -> str:
    """Return the confirmation of an opt-in: program, help, how to stop, and the rates line."""
    name = settings.dealership_name
    if scope == ALL:
        return (f"{name}: you're subscribed to texts about your vehicle and offers. "
                f"Reply HELP for help, STOP to end. {RATES}")
    automation = get_automation(scope)
    return (f"{name}: {automation.alerts_name} are on. Reply HELP for help, "
            f"STOP {automation.keyphrase} to turn them off, STOP to end all texts. {RATES}")


def help_reply(settings: ReplySettings) -> str:
    """Return the HELP answer: who we are, how to reach us, how to stop, the rates line."""
    contact = f" Call {settings.dealership_phone}." if settings.dealership_phone else ""
    return (f"{settings.dealership_name}: texts about your vehicle and offers.{contact} "
            f"Reply STOP to end texts. {RATES}")


def queue_reply(message: InboundMessage, e164: str, kind: str, text: str,
                received_at: datetime, *, state: ConsentState | None = None,
                ) -> OutboundMessage | None:
    """Queue the one reply to `message`; it expires 5 minutes after the text arrived.

    `state`: the phone's consent as the caller's transaction holds it locked (after a
    keyword's change), which saves reading it again.
    """
    if state is None and kind in SYSTEM_KINDS:
        # consent stops a reply to the client's own text only at a carrier block, which is
        # on the phone's row (block_reason): one read, switches not needed
        state = state_from_rows(get_by(Phone, Phone.e164, e164), [])
    elif state is None:
        state = get_state(e164)
    reason = block_reason(state, kind=kind)
    now = utcnow()
    # the unique reply_to makes a second reply to one text impossible (None)
    return insert_returning(OutboundMessage, {
        "phone": message.phone_id, "to": e164, "text": text, "kind": kind,
        "reply_to": message.id, "status": MESSAGE_BLOCKED if reason else QUEUED,
        "reason": reason, "actor": "smsprefs", "send_at": now,
        "expires_at": received_at + CONFIRM_WITHIN, "created_at": now, "updated_at": now,
    }, conflict=OutboundMessage.reply_to)


def confirmed_recently(phone_id: int, now: datetime) -> bool:
    """Return whether the phone was sent a confirmation within the last 24 hours."""
    p = db.obj.param  # plain SQL: peewee built this query anew at each (repeated) STOP
    sql = (f'SELECT 1 FROM "outbound_message" WHERE "phone_id" = {p} AND "kind" = {p} '
           f'AND "created_at" >= {p} LIMIT 1')
    since = OutboundMessage.created_at.db_value(now - REPEAT_WINDOW)
    return db.execute_sql(sql, [phone_id, CONFIRMATION, since]).fetchone() is not None
