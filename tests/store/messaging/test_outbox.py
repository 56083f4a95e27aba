"""The outbox: accepted or blocked, claimed under a lease, checked again, sent, receipted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from store.clock import utcnow
from store.consent.changes import get_state, set_carrier_block
from store.errors import InvalidRequest, NotFound
from store.messaging.campaigns import create_campaign
from store.messaging.inbound import receive_text
from store.messaging.outbox import (
    DEFERRED,
    claim_due,
    get_message,
    mark_failed,
    mark_sent,
    public_status,
    queue_message,
    recheck,
    record_receipt,
    retry_later,
)
from store.models import Alert, OutboundMessage, Phone, Review
from tests.factories import OTHER, PHONE, ZONE, client_texts, staff_sets
from tests.store.test_concurrency import race

pytestmark = pytest.mark.usefixtures("database")
NOON_NY = datetime(2026, 11, 26, 17, 0)  # 12:00 in New York (EST), naive UTC
THREE_AM_NY = datetime(2026, 11, 26, 8, 0)
EIGHT_AM_NY = datetime(2026, 11, 26, 13, 0)


def stored(message: OutboundMessage) -> OutboundMessage:
    return OutboundMessage.get_by_id(message.id)


def claimed(text: str = "Your car is ready", **kw) -> OutboundMessage:
    """Queue a manual text and claim it, as the send worker does before handing it over."""
    message = queue_message(to=PHONE, text=text, kind=kw.pop("kind", "manual"),
                            **{"fallback_zone": ZONE, **kw})
    [claim] = [m for m in claim_due(limit=100) if m.id == message.id]
    return claim


def sent(vonage_id: str = "v-1", to: str = PHONE) -> OutboundMessage:
    message = queue_message(to=to, text="Your car is ready", kind="manual", fallback_zone=ZONE)
    mark_sent(message.id, vonage_message_id=vonage_id)
    return message


# --- queue_message ----------------------------------------------------------------------------

def test_an_allowed_text_is_queued_to_the_parsed_number_now():
    staff_sets(PHONE, overall="opted_in", note="signed the form")
    message = queue_message(to="(212) 555-0100", text="Your car is ready", kind="manual",
                            actor="U_SALES", now=NOON_NY, fallback_zone=ZONE)
    row = stored(message)
    assert (row.status, row.reason, row.to, row.phone.e164) == ("queued", None, PHONE, PHONE)
    assert (row.send_at, row.actor, row.attempts) == (NOON_NY, "U_SALES", 0)


@pytest.mark.parametrize(("setup", "kind", "automation", "reason"), [
    (lambda: client_texts(PHONE, "opt_out"), "manual", None, "opted_out"),
    (lambda: staff_sets(PHONE, overall="opted_out"), "lead_autoresponder", None, "opted_out"),
    (lambda: client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP"),
     "automation", "price_reduction", "automation_off"),
    (lambda: None, "campaign", None, "unknown_excluded"),
    (lambda: set_carrier_block(PHONE, blocked=True), "manual", None, "carrier_blocked"),
])
def test_a_text_consent_refuses_is_recorded_blocked_with_its_reason(setup, kind, automation,
                                                                     reason):
    setup()
    message = queue_message(to=PHONE, text="Deals!", kind=kind, automation=automation,
                            now=NOON_NY, fallback_zone=ZONE)
    assert (stored(message).status, stored(message).reason) == ("blocked", reason)
    assert claim_due(now=NOON_NY + timedelta(days=1)) == []  # never handed to a worker


def test_a_text_to_an_invalid_number_is_blocked_and_keeps_what_was_given():
    message = queue_message(to="not-a-phone", text="hi", kind="manual", fallback_zone=ZONE)
    row = stored(message)
    assert (row.status, row.reason, row.to, row.phone_id) == (
        "blocked", "invalid_number", "not-a-phone", None)


def test_a_quiet_hours_kind_outside_the_texting_day_is_scheduled_for_8_am_local():
    message = queue_message(to=PHONE, text="Sale", kind="work_plan", now=THREE_AM_NY,
                            fallback_zone=ZONE)
    assert (stored(message).status, stored(message).send_at) == ("scheduled", EIGHT_AM_NY)
    assert claim_due(now=EIGHT_AM_NY - timedelta(seconds=1)) == []
    assert [m.id for m in claim_due(now=EIGHT_AM_NY)] == [message.id]


def test_a_manual_text_at_night_is_not_deferred():
    message = queue_message(to=PHONE, text="Your car is ready", kind="manual", now=THREE_AM_NY,
                            fallback_zone=ZONE)
    assert (stored(message).status, stored(message).send_at) == ("queued", THREE_AM_NY)


@pytest.mark.parametrize(("kind", "automation"), [
    ("confirmation", None), ("help", None), ("newsletter", None), ("automation", None),
    ("manual", "price_reduction"),
])
def test_only_kinds_callers_may_send_are_accepted(kind, automation):
    with pytest.raises(InvalidRequest):
        queue_message(to=PHONE, text="hi", kind=kind, automation=automation, fallback_zone=ZONE)
    assert OutboundMessage.select().count() == 0


# --- claim_due --------------------------------------------------------------------------------

def test_a_claim_leases_the_message_and_counts_the_attempt():
    message = queue_message(to=PHONE, text="hi", kind="manual", now=NOON_NY, fallback_zone=ZONE)
    [claim] = claim_due(lease=timedelta(minutes=2), now=NOON_NY)
    row = stored(message)
    assert claim.id == message.id
    assert (row.status, row.lease_until, row.attempts) == (
        "sending", NOON_NY + timedelta(minutes=2), 1)
    assert public_status(row.status) == "queued"


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends():
    message = queue_message(to=PHONE, text="hi", kind="manual", now=NOON_NY, fallback_zone=ZONE)
    claim_due(lease=timedelta(minutes=2), now=NOON_NY)
    assert claim_due(now=NOON_NY + timedelta(minutes=1)) == []
    [again] = claim_due(now=NOON_NY + timedelta(minutes=3))  # its worker died mid-send
    assert again.id == message.id and stored(message).attempts == 2


def test_claim_due_takes_replies_that_expire_before_an_older_backlog():
    backlog = [queue_message(to=f"+1212555{n:04d}", text="hi", kind="manual",
                             now=utcnow() - timedelta(minutes=5), fallback_zone=ZONE)
               for n in range(3)]
    reply = receive_text(provider_id="stop", from_number=OTHER.lstrip("+"), text="STOP").reply
    assert [m.id for m in claim_due(limit=2)] == [reply.id, backlog[0].id]


def test_claim_due_respects_its_limit_in_send_order():
    ids = [queue_message(to=f"+1212555{n:04d}", text="hi", kind="manual", now=NOON_NY,
                         fallback_zone=ZONE).id
           for n in range(5)]
    assert [m.id for m in claim_due(limit=3, now=NOON_NY)] == ids[:3]
    assert [m.id for m in claim_due(limit=3, now=NOON_NY)] == ids[3:]


def claim_at_once(workers: int, *, limit: int) -> list[list[int]]:
    """Let `workers` send workers claim at the same moment; return what each one got."""
    claims: list[list[int]] = [[] for _ in range(workers)]
    race(*(lambda got=got: got.extend(m.id for m in claim_due(limit=limit)) for got in claims))
    return claims


def test_two_workers_claiming_at_once_never_get_the_same_message():
    for round_ in range(5):
        ids = {queue_message(to=f"+1212556{round_}{n:03d}", text="hi", kind="manual",
                             fallback_zone=ZONE).id
               for n in range(12)}
        everything = [i for got in claim_at_once(3, limit=8) for i in got]
        assert len(everything) == len(set(everything))  # nobody shares a message
        assert set(everything) | {m.id for m in claim_due(limit=100)} == ids  # none lost


# --- recheck ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "automation", "meanwhile", "reason"), [
    ("manual", None, lambda: client_texts(PHONE, "opt_out"), "opted_out"),
    ("manual", None, lambda: staff_sets(PHONE, overall="opted_out"), "opted_out"),
    ("automation", "price_reduction",
     lambda: client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP"),
     "automation_off"),
    ("manual", None, lambda: set_carrier_block(PHONE, blocked=True), "carrier_blocked"),
])
def test_consent_changed_after_queueing_cancels_the_text_before_it_is_sent(kind, automation,
                                                                          meanwhile, reason):
    message = claimed(kind=kind, automation=automation, now=NOON_NY)
    meanwhile()
    assert recheck(message, now=NOON_NY, fallback_zone=ZONE) == reason
    row = stored(message)
    assert (row.status, row.reason, row.lease_until) == ("cancelled", reason, None)
    assert claim_due(now=NOON_NY + timedelta(days=1)) == []


def test_recheck_lets_a_text_consent_still_allows_go():
    message = claimed(now=NOON_NY)
    staff_sets(PHONE, automations={"price_reduction": "off"})  # not what this text is
    assert recheck(message, now=NOON_NY, fallback_zone=ZONE) is None
    assert stored(message).status == "sending"


def test_recheck_honours_the_campaigns_include_unknown():
    result = create_campaign(name="Open house", text="Open house Saturday!", recipients=[PHONE],
                             actor="U_MANAGER", include_unknown=True, now=NOON_NY,
                             fallback_zone=ZONE)
    [message] = claim_due(now=NOON_NY)
    assert message.campaign_id == result.campaign.id
    assert recheck(message, now=NOON_NY, fallback_zone=ZONE) is None
    client_texts(PHONE, "opt_out")
    assert recheck(message, now=NOON_NY, fallback_zone=ZONE) == "opted_out"


def test_a_confirmation_that_could_not_leave_within_5_minutes_is_dropped():
    reply = receive_text(provider_id="stop", from_number=PHONE.lstrip("+"), text="STOP").reply
    [claim] = claim_due()
    assert recheck(claim, now=reply.expires_at, fallback_zone=ZONE) is None
    assert recheck(claim, now=reply.expires_at + timedelta(seconds=1),
                   fallback_zone=ZONE) == "expired"
    assert (stored(reply).status, stored(reply).reason) == ("cancelled", "expired")


def test_a_quiet_hours_text_claimed_late_is_deferred_to_the_next_texting_day():
    message = claimed(kind="work_plan", now=NOON_NY)
    late = THREE_AM_NY + timedelta(days=1)
    assert recheck(message, now=late, fallback_zone=ZONE) == DEFERRED
    row = stored(message)
    assert (row.status, row.send_at, row.lease_until) == (
        "scheduled", EIGHT_AM_NY + timedelta(days=1), None)


# --- mark_sent, mark_failed, retry_later ------------------------------------------------------

def test_mark_sent_records_vonages_id_and_ends_the_claim():
    message = claimed()
    mark_sent(message.id, vonage_message_id="v-42")
    row = stored(message)
    assert (row.status, row.vonage_message_id, row.lease_until) == ("sent", "v-42", None)
    assert row.sent_at is not None and public_status(row.status) == "sent"
    assert claim_due(now=utcnow() + timedelta(hours=1)) == []


def test_a_sent_text_asking_for_yes_makes_the_next_yes_an_opt_in():
    message = claimed(text="Acme Motors: want price alerts by text? Reply YES to join.")
    assert Phone.get_or_none(Phone.e164 == PHONE) is None  # never texted us, never asked
    mark_sent(message.id, vonage_message_id="v-yes")
    assert Phone.get(Phone.e164 == PHONE).opt_in_requested_at is not None
    receive_text(provider_id="yes", from_number=PHONE.lstrip("+"), text="Yes")
    assert get_state(PHONE).overall == "opted_in"


def test_mark_failed_is_final_with_a_short_reason():
    message = claimed()
    mark_failed(message.id, reason="vonage:" + "x" * 100)
    row = stored(message)
    assert (row.status, row.lease_until) == ("failed", None)
    assert row.reason == ("vonage:" + "x" * 100)[:40]
    assert claim_due(now=utcnow() + timedelta(hours=1)) == []


def test_retry_later_puts_a_claimed_message_back_after_the_delay():
    message = claimed()
    retry_later(message.id, delay=timedelta(seconds=30), reason="throttled")
    row = stored(message)
    assert (row.status, row.reason, row.lease_until) == ("queued", "throttled", None)
    assert claim_due(now=row.send_at - timedelta(seconds=1)) == []
    [again] = claim_due(now=row.send_at)
    assert again.id == message.id and again.attempts == 2


def test_retry_later_leaves_a_message_no_longer_claimed_alone():
    message = claimed()
    client_texts(PHONE, "opt_out")
    recheck(message, fallback_zone=ZONE)  # cancelled
    retry_later(message.id, delay=timedelta(seconds=30), reason="throttled")
    assert (stored(message).status, stored(message).reason) == ("cancelled", "opted_out")


# --- record_receipt ---------------------------------------------------------------------------

def test_a_receipt_for_an_unknown_message_is_refused_and_changes_nothing():
    message = sent("v-1")
    assert record_receipt(vonage_message_id="v-other", status="failed", err_code="9") is False
    assert stored(message).status == "sent"
    assert get_state(PHONE).carrier_blocked is False
    assert Review.select().count() == 0 and Alert.select().count() == 0


def test_a_delivered_receipt_marks_the_text_delivered_for_good():
    message = sent("v-1")
    assert record_receipt(vonage_message_id="v-1", status="delivered") is True
    assert stored(message).status == "delivered"
    record_receipt(vonage_message_id="v-1", status="failed", err_code="5")  # late, out of order
    assert stored(message).status == "delivered"


def test_a_late_failure_receipt_leaves_a_delivered_text_as_it_was():
    message = sent("v-1")
    record_receipt(vonage_message_id="v-1", status="delivered")
    record_receipt(vonage_message_id="v-1", status="failed", err_code="5")
    assert (stored(message).status, stored(message).reason) == ("delivered", None)


def test_a_failed_receipt_marks_the_text_failed_with_the_code():
    message = sent("v-1")
    assert record_receipt(vonage_message_id="v-1", status="failed", err_code="5") is True
    assert (stored(message).status, stored(message).reason) == ("failed", "receipt:failed:5")
    assert get_state(PHONE).carrier_blocked is False and Review.select().count() == 0


def test_an_intermediate_receipt_keeps_the_status():
    message = sent("v-1")
    assert record_receipt(vonage_message_id="v-1", status="accepted") is True
    assert (stored(message).status, stored(message).reason) == ("sent", None)


def test_err_code_9_blocks_the_phone_at_the_carrier_with_a_review_and_an_alert():
    message = sent("v-1")
    assert record_receipt(vonage_message_id="v-1", status="failed", err_code="9") is True
    assert stored(message).status == "failed"
    state = get_state(PHONE)
    assert state.carrier_blocked is True and state.overall == "unknown"
    [review] = Review.select()
    assert (review.kind, review.status, review.phone.e164) == ("carrier", "pending", PHONE)
    [alert] = Alert.select()
    assert (alert.kind, alert.review_id) == ("carrier_block", review.id)
    assert alert.event.scope == "carrier" and alert.event.new_state == "blocked"
    later = queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    assert (stored(later).status, stored(later).reason) == ("blocked", "carrier_blocked")


def test_a_second_carrier_opt_out_raises_no_second_review():
    sent("v-1")
    sent("v-2")
    record_receipt(vonage_message_id="v-1", status="failed", err_code="9")
    record_receipt(vonage_message_id="v-2", status="rejected", err_code="9")
    assert Review.select().count() == 1 and Alert.select().count() == 1


# --- get_message and public_status ------------------------------------------------------------

def test_get_message_returns_the_row_or_raises_not_found():
    message = queue_message(to=PHONE, text="hi", kind="manual", fallback_zone=ZONE)
    assert get_message(message.id).text == "hi"
    with pytest.raises(NotFound):
        get_message(message.id + 1000)


@pytest.mark.parametrize(("status", "told"), [
    ("sending", "queued"), ("queued", "queued"), ("scheduled", "scheduled"), ("sent", "sent"),
    ("delivered", "delivered"), ("failed", "failed"), ("blocked", "blocked"),
    ("cancelled", "cancelled"),
])
def test_public_status_hides_only_the_workers_claim(status, told):
    assert public_status(status) == told
