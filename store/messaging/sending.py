"""Who may be texted, what, and when (SPEC section 3): the send decision and quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.automations import get_automation
from store.clock import now_or, to_naive_utc
from store.consent.rules import ConsentState
from store.errors import InvalidRequest
from store.phones import time_zones, us_state
from store.vocabulary import (
    AUTOMATION,
    BLOCK_AUTOMATION_OFF,
    BLOCK_CARRIER,
    BLOCK_INVALID_NUMBER,
    BLOCK_OPTED_OUT,
    BLOCK_UNKNOWN_EXCLUDED,
    CAMPAIGN,
    KINDS,
    OFF,
    OPTED_OUT,
    QUIET_HOURS_KINDS,
    SYSTEM_KINDS,
    UNKNOWN,
)

DAY_STARTS = time(8, 0)
DAY_ENDS = time(21, 0)
EARLY_DAY_ENDS = time(20, 0)  # Florida, Oklahoma and Maryland
MAX_TEXT = 1600  # ten concatenated SMS segments: past that carriers drop or split badly


@dataclass(frozen=True)
class SendDecision:
    """Whether a text may go to a phone; if so, the earliest moment it may leave (UTC)."""

    e164: str | None
    reason: str | None = None
    send_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is None


def check_kind(kind: str, automation: str | None) -> None:
    """Raise InvalidRequest unless `kind` (and `automation`, for automations) is valid.

    Confirmations and HELP replies are not among them: they skip consent, so only the
    gateway's own reply path (store.messaging.inbound) creates them.
    """
    if kind in SYSTEM_KINDS:
        raise InvalidRequest(f"{kind} texts are sent only by smsprefs itself, in reply to a "
                             "client's text")
    if kind not in KINDS:
        raise InvalidRequest(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == AUTOMATION:
        if not automation:
            raise InvalidRequest("an automation message must name its automation type")
        get_automation(automation)
    elif automation:
        raise InvalidRequest(f"only kind {AUTOMATION!r} takes an automation type")


def check_text(text: str) -> str:
    """Return `text` if it can be sent as an SMS, or raise InvalidRequest."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest("the text is empty")
    if len(text) > MAX_TEXT:
        raise InvalidRequest(f"the text has {len(text)} characters; at most {MAX_TEXT} can be sent")
    return text


def block_reason(
    state: ConsentState, *, kind: str, automation: str | None = None,
    include_unknown: bool = False,
) -> str | None:
    """Return why consent forbids this text to `state`'s phone, or None when it may go."""
    if state.carrier_blocked:
        return BLOCK_CARRIER
    if kind in SYSTEM_KINDS:
        return None  # confirmations and HELP replies answer the client's own text
    if state.overall == OPTED_OUT:
        return BLOCK_OPTED_OUT
    if kind == AUTOMATION and state.switch(automation).state == OFF:
        return BLOCK_AUTOMATION_OFF
    if kind == CAMPAIGN and state.overall == UNKNOWN and not include_unknown:
        return BLOCK_UNKNOWN_EXCLUDED
    return None


def decide(
    state: ConsentState | None, *, kind: str, automation: str | None = None,
    include_unknown: bool = False, now: datetime | None = None,
    fallback_zone: str,
) -> SendDecision:
    """Decide one text to `state`'s phone; None stands for a number that is not valid."""
    if state is None:
        return SendDecision(None, BLOCK_INVALID_NUMBER)
    reason = block_reason(state, kind=kind, automation=automation,
                          include_unknown=include_unknown)
    if reason:
        return SendDecision(state.e164, reason)
    now = now_or(now)
    if kind not in QUIET_HOURS_KINDS:
        return SendDecision(state.e164, send_at=now)
    return SendDecision(state.e164, send_at=next_send_time(state.e164, now, fallback_zone))


def next_send_time(e164: str, now: datetime, fallback_zone: str) -> datetime:
    """Return the first moment from `now` (naive UTC) inside the recipient's texting day.

    A number whose area spans several time zones must be inside the day in all of them.
    """
    zones = [ZoneInfo(z) for z in (time_zones(e164) or (fallback_zone,))]
    day_ends = EARLY_DAY_ENDS if us_state(e164) else DAY_ENDS
    aware_now = now.replace(tzinfo=ZoneInfo("UTC"))
    candidates = [aware_now]
    for zone in zones:
        local = aware_now.astimezone(zone)
        for days in range(3):
            start = datetime.combine(local.date() + timedelta(days=days), DAY_STARTS, zone)
            if start > aware_now:
                candidates.append(start)
    for moment in sorted(candidates):
        if all(DAY_STARTS <= moment.astimezone(z).time() < day_ends for z in zones):
            return to_naive_utc(moment)
    raise RuntimeError(f"no texting hours within three days for {e164}")  # zones > 11 h apart
