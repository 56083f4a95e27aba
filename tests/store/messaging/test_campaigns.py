"""Campaigns: counts by reason, duplicates, invalid numbers, and set-based deciding."""

from __future__ import annotations

from datetime import datetime

import pytest
from playhouse.test_utils import count_queries

from store.consent.changes import set_carrier_block
from store.errors import InvalidRequest
from store.messaging.campaigns import create_campaign, recipients_page
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
    return create_campaign(name="Black Friday", text="Deals all weekend. Reply STOP to opt out.",
                           recipients=recipients, actor="U_MANAGER", now=NOON_NY,
                           **{"fallback_zone": ZONE, **kw})


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
