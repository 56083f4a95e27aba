"""SPEC section 3: who may be texted, one named test per row of the table, and quiet hours."""

from __future__ import annotations

from datetime import datetime

import pytest

from store.consent.changes import get_state, set_carrier_block
from store.errors import InvalidRequest, UnknownAutomation
from store.messaging.sending import decide, next_send_time
from tests.factories import PHONE, ZONE, can_send, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")

NOON_NY = datetime(2026, 11, 26, 17, 0)  # 12:00 in New York, UTC stored naive


def put_in(overall: str) -> None:
    if overall == "opted_in":
        staff_sets(PHONE, overall="opted_in", note="signed the texting consent form")
    elif overall == "opted_out":
        client_texts(PHONE, "opt_out")


def reason(kind: str, **kw) -> str | None:
    return can_send(PHONE, kind=kind, now=NOON_NY, **kw).reason


TABLE = {  # overall -> expected block reason (None: may be texted)
    "unknown": None, "opted_in": None, "opted_out": "opted_out"}


@pytest.mark.parametrize("overall", list(TABLE))
def test_manual_texts_follow_the_overall_state(overall):
    put_in(overall)
    assert reason("manual") == TABLE[overall]


@pytest.mark.parametrize("overall", list(TABLE))
def test_work_plan_texts_follow_the_overall_state(overall):
    put_in(overall)
    assert reason("work_plan") == TABLE[overall]


@pytest.mark.parametrize("overall", list(TABLE))
def test_lead_autoresponder_texts_follow_the_overall_state(overall):
    put_in(overall)
    assert reason("lead_autoresponder") == TABLE[overall]


@pytest.mark.parametrize(("overall", "include_unknown", "expected"), [
    ("unknown", False, "unknown_excluded"),
    ("unknown", True, None),
    ("opted_in", False, None),
    ("opted_in", True, None),
    ("opted_out", False, "opted_out"),
    ("opted_out", True, "opted_out"),
])
def test_campaign_reaches_unknown_only_when_included(overall, include_unknown, expected):
    put_in(overall)
    assert reason("campaign", include_unknown=include_unknown) == expected


@pytest.mark.parametrize("overall", ["unknown", "opted_in"])
@pytest.mark.parametrize("switch", ["on", "off"])
def test_automation_follows_its_switch_unless_opted_out(overall, switch):
    put_in(overall)
    if switch == "off":
        staff_sets(PHONE, automations={"price_reduction": "off"})
    expected = None if switch == "on" else "automation_off"
    assert reason("automation", automation="price_reduction") == expected
    assert reason("automation", automation="new_vehicle_arrival") is None


def test_automation_to_an_opted_out_phone_is_refused_as_opted_out():
    put_in("opted_out")
    assert reason("automation", automation="price_reduction") == "opted_out"


@pytest.mark.parametrize("kind", ["confirmation", "help"])
@pytest.mark.parametrize("overall", list(TABLE))
def test_system_replies_are_exempt_from_consent(kind, overall):
    put_in(overall)
    decision = decide(get_state(PHONE), kind=kind, now=datetime(2026, 11, 26, 7, 0),
                      fallback_zone=ZONE)  # 2 AM
    assert decision.allowed
    assert decision.send_at == datetime(2026, 11, 26, 7, 0)  # and from quiet hours


@pytest.mark.parametrize("kind", ["confirmation", "help"])
def test_nobody_but_the_gateway_may_ask_for_a_system_reply(kind):
    put_in("opted_out")
    with pytest.raises(InvalidRequest, match="sent only by smsprefs itself"):
        can_send(PHONE, kind=kind)


@pytest.mark.parametrize("kind", ["manual", "campaign", "help"])
def test_carrier_blocked_phone_is_refused_everything(kind):
    put_in("opted_in")
    set_carrier_block(PHONE, blocked=True)
    assert decide(get_state(PHONE), kind=kind, fallback_zone=ZONE).reason == "carrier_blocked"


@pytest.mark.parametrize("to", ["12345", "not a phone", "+1 212 555", ""])
def test_invalid_number_is_refused(to):
    assert can_send(to, kind="manual").reason == "invalid_number"


def test_bad_kind_or_automation_is_a_clear_error():
    with pytest.raises(InvalidRequest, match="kind must be one of"):
        can_send(PHONE, kind="spam")
    with pytest.raises(InvalidRequest, match="must name its automation"):
        can_send(PHONE, kind="automation")
    with pytest.raises(UnknownAutomation):
        can_send(PHONE, kind="automation", automation="deals")
    with pytest.raises(InvalidRequest, match="only kind 'automation'"):
        can_send(PHONE, kind="manual", automation="price_reduction")


@pytest.mark.parametrize("kind", ["campaign", "automation", "work_plan"])
def test_quiet_hours_defer_bulk_and_automated_texts(kind):
    night = datetime(2026, 11, 27, 3, 0)  # 22:00 in New York
    automation = "price_reduction" if kind == "automation" else None
    decision = can_send(PHONE, kind=kind, automation=automation, include_unknown=True, now=night)
    assert decision.allowed
    assert decision.send_at == datetime(2026, 11, 27, 13, 0)  # 08:00 in New York


@pytest.mark.parametrize("kind", ["manual", "lead_autoresponder"])
def test_quiet_hours_do_not_hold_manual_and_lead_texts(kind):
    night = datetime(2026, 11, 27, 3, 0)
    assert can_send(PHONE, kind=kind, now=night).send_at == night


@pytest.mark.parametrize(("phone", "state"), [
    ("+13055550100", "Florida"), ("+14055550100", "Oklahoma"), ("+14105550100", "Maryland")])
def test_florida_oklahoma_and_maryland_texting_day_ends_at_8_pm(phone, state):
    at_8_30_pm = datetime(2026, 11, 27, 1, 30) if state != "Oklahoma" else \
        datetime(2026, 11, 27, 2, 30)
    next_day_8_am = datetime(2026, 11, 27, 13, 0) if state != "Oklahoma" else \
        datetime(2026, 11, 27, 14, 0)
    assert next_send_time(phone, at_8_30_pm, "America/New_York") == next_day_8_am
    assert next_send_time("+12125550100", datetime(2026, 11, 27, 1, 30),
                          "America/New_York") == datetime(2026, 11, 27, 1, 30)


def test_quiet_hours_use_the_number_time_zone():
    phoenix_6_am = datetime(2026, 11, 26, 13, 0)
    assert next_send_time("+16025550100", phoenix_6_am, "America/New_York") == \
        datetime(2026, 11, 26, 15, 0)


def test_quiet_hours_fall_back_to_the_dealership_zone_for_numbers_without_one():
    # +800 is a worldwide freephone: phonenumbers knows no zone for it
    moment = datetime(2026, 11, 26, 6, 0)  # 07:00 in Paris, 22:00 in Los Angeles
    assert next_send_time("+80012345678", moment, "Europe/Paris") == datetime(2026, 11, 26, 7, 0)
    assert next_send_time("+80012345678", moment, "America/Los_Angeles") == \
        datetime(2026, 11, 26, 16, 0)
