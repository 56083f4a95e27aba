"""What the gateway texts back: opt-out and opt-in confirmations and the HELP reply.

Each is one statement with no marketing (FCC 64.1200(a)(12), CTIA): the dealership's name,
what changed, how to stop, and for opt-ins how to get help and the rates line.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.automations import get_automation
from store.vocabulary import ALL

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
