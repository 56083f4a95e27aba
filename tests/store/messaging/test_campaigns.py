"""Campaigns: counts by reason, duplicates, invalid numbers, and set-based deciding."""

from __future__ import annotations

from datetime import datetime

import pytest
from playhouse.test_utils import count_queries

from store.consent.changes import ensure_phones, load_states, set_carrier_block
from store.consent.rules import ConsentState
from store.errors import InvalidRequest
from store.messaging.campaigns import create_campaign, recipients_page
from store.messaging.sending import block_reason
from store.models import OutboundMessage
from tests.factories import ZONE, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
NOON_NY = datetime(2026, 11, 26, 17, 0)


def setup_phones():
    staff_sets("+12125550101", overall="opted_in", note="form signed")
    client_texts("+12125550102", "opt_out")
    set_carrier_block("+12125550103", blocked=True)
    return ["+12125550101", "+12125550102", "+12125550103", "(212) 555-0104",
            "212.555.0101", "not-a-phone", "not-a-phone", "+12125550105"]


def campaign(recipients, **kw):
    return create_campaign(name="Black Friday", recipients=recipients, actor="U_MANAGER",
                           now=NOON_NY, **{"text": "Deals all weekend. Reply STOP to opt out.",
                                           "fallback_zone": ZONE, **kw})


def test_campaign_excludes_unknown_by_default_and_counts_every_reason():
    result = campaign(setup_phones())
    assert (result.queued, result.scheduled) == (1, 0)
    assert result.excluded == {"opted_out": 1, "unknown_excluded": 2, "automation_off": 0,
                               "carrier_blocked": 1, "invalid_number": 1, "duplicate": 2}
    assert result.campaign.counts == {"queued": 1, "scheduled": 0, **result.excluded}
    assert result.campaign.include_unknown is False


def test_campaign_with_include_unknown_records_who_asked():
    result = campaign(setup_phones(), include_unknown=True)
    assert result.queued == 3
    assert result.excluded["unknown_excluded"] == 0
    assert (result.campaign.include_unknown, result.campaign.actor) == (True, "U_MANAGER")


def test_campaign_recipients_show_status_and_reason_in_order():
    result = campaign(setup_phones())
    page = recipients_page(result.campaign.id, limit=3)
    assert [(m.to, m.status, m.reason) for m in page] == [
        ("+12125550101", "queued", None), ("+12125550102", "blocked", "opted_out"),
        ("+12125550103", "blocked", "carrier_blocked")]
    rest = recipients_page(result.campaign.id, after=page[-1].id, limit=10)
    assert [(m.to, m.reason) for m in rest] == [
        ("+12125550104", "unknown_excluded"), ("not-a-phone", "invalid_number"),
        ("+12125550105", "unknown_excluded")]


def test_campaign_outside_texting_hours_is_scheduled_for_the_morning():
    staff_sets("+12125550101", overall="opted_in", note="form signed")
    result = create_campaign(name="Late", text="Hi", recipients=["+12125550101"], actor="U1",
                             now=datetime(2026, 11, 27, 3, 0), fallback_zone=ZONE)
    assert (result.queued, result.scheduled) == (0, 1)
    message = OutboundMessage.get(OutboundMessage.campaign == result.campaign)
    assert (message.status, message.send_at) == ("scheduled", datetime(2026, 11, 27, 13, 0))


def test_deciding_a_campaign_is_a_handful_of_queries_whatever_its_size(database):
    recipients = [f"+1212555{n:04d}" for n in range(300)]
    for phone in recipients[:30]:
        staff_sets(phone, overall="opted_in", note="form")
    with count_queries() as counter:
        result = campaign(recipients)
    assert result.queued == 30 and result.excluded["unknown_excluded"] == 270
    assert counter.count <= 10, counter.count  # not one query per recipient


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"text": ""}, "the text is empty"),
    ({"text": "x" * 10_000}, "at most 1600"),
    ({"recipients": []}, "list of recipients"),
    ({"name": " "}, "needs a name"),
])
def test_bad_campaigns_are_refused_and_record_nothing(kwargs, message):
    args = {"name": "A", "text": "Hi", "recipients": ["+12125550101"], "actor": "U1", **kwargs}
    with pytest.raises(InvalidRequest, match=message):
        create_campaign(**args, fallback_zone=ZONE)
    assert OutboundMessage.select().count() == 0


def test_recipients_in_any_format_are_decided_by_their_consent():
    client_texts("+12125550102", "opt_out")
    result = campaign(["(212) 555-0102", "212.555.0102"], include_unknown=True)
    assert (result.queued, result.excluded["opted_out"], result.excluded["duplicate"]) == (0, 1, 1)


def test_a_recipient_too_long_to_be_a_number_is_recorded_cut_as_invalid():
    long = "not a phone number but a whole sentence pasted into the list"
    result = campaign([long, "+12125550103"], include_unknown=True)
    assert result.excluded["invalid_number"] == 1
    [row] = [m for m in recipients_page(result.campaign.id) if m.reason == "invalid_number"]
    assert row.to == long[:40]


def test_every_recipient_is_decided_as_block_reason_decides_its_stored_consent():
    # the campaign reads only overall and the carrier block; any consent shape must agree
    # with block_reason() over the full state load_states() reads
    staff_sets("+12125550101", overall="opted_in", note="form signed")
    staff_sets("+12125550102", overall="opted_in", note="form",
               automations={"price_reduction": "off"})
    client_texts("+12125550103", "opt_out")
    set_carrier_block("+12125550104", blocked=True)
    staff_sets("+12125550105", overall="opted_in", note="form")
    set_carrier_block("+12125550105", blocked=True)
    client_texts("+12125550106", "opt_out", scope="price_reduction")
    ensure_phones(["+12125550107"])  # a stored phone whose consent was never given
    phones = [f"+1212555010{n}" for n in range(1, 9)]  # ...0108 was never stored
    for include_unknown in (False, True):
        result = campaign([*phones, "nope"], include_unknown=include_unknown)
        states = load_states(phones)
        expected = [block_reason(states.get(p) or ConsentState(e164=p), kind="campaign",
                                 include_unknown=include_unknown) for p in phones]
        rows = recipients_page(result.campaign.id)
        assert [(m.to, m.reason) for m in rows] == [*zip(phones, expected, strict=True),
                                                     ("nope", "invalid_number")]
        assert [m.phone_id for m in rows] == [
            *(states[p].phone_id if p in states else None for p in phones), None]


def test_a_campaign_message_is_written_whole_and_its_text_kept_byte_for_byte():
    staff_sets("+12125550101", overall="opted_in", note="form signed")
    text = 'Tab\there, "quotes", back\\slash, \\N, a line\nand a break\r\nend'
    result = campaign(["+12125550101", "+12125550102", "bad"], text=text)
    rows = recipients_page(result.campaign.id)
    assert [(m.to, m.status, m.reason, m.send_at) for m in rows] == [
        ("+12125550101", "queued", None, NOON_NY),
        ("+12125550102", "blocked", "unknown_excluded", NOON_NY),
        ("bad", "blocked", "invalid_number", NOON_NY)]
    for m in rows:
        assert (m.text, m.kind, m.actor, m.campaign_id, m.automation) == (
            text, "campaign", "U_MANAGER", result.campaign.id, None)
        assert (m.created_at, m.updated_at, m.attempts) == (NOON_NY, NOON_NY, 0)
        assert (m.expires_at, m.lease_until, m.sent_at, m.vonage_message_id,
                m.reply_to_id) == (None, None, None, None, None)


def test_a_large_campaign_keeps_its_recipients_in_order():
    recipients = [f"+1212555{n:04d}" for n in range(2500, -1, -1)]
    result = campaign([*recipients, "x", *recipients[:3]], include_unknown=True)
    assert result.queued == len(recipients) and result.excluded["duplicate"] == 3
    rows, after = [], 0
    while page := recipients_page(result.campaign.id, after=after, limit=1000):
        rows += page
        after = page[-1].id
    assert [m.to for m in rows] == [*recipients, "x"]
