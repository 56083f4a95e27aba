"""GET /api/v1/reports/opt-outs and a campaign's opt-outs (SPEC section 11).

Every answer is checked against the OpenAPI document by the gateway's test client.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gateway.api_reports import DEFAULT_SPAN
from store.clock import utcnow
from store.messaging.inbound import receive_text
from store.models import OutboundMessage
from tests.gateway.conftest import API_TOKEN

pytestmark = pytest.mark.usefixtures("database")
RECIPIENTS = [f"+1212555{1000 + i:04d}" for i in range(4)]


def sent_campaign(api, name: str = "Black Friday", ago: timedelta = timedelta(hours=2)) -> int:
    response = api("POST", "/campaigns", json={"name": name, "text": "Deals!",
                                               "recipients": RECIPIENTS, "actor": "crm",
                                               "include_unknown": True})
    campaign_id = response.get_json()["id"]
    (OutboundMessage.update(sent_at=utcnow() - ago, status="sent")
     .where(OutboundMessage.campaign == campaign_id).execute())
    return campaign_id


def stop(phone: str) -> None:
    receive_text(provider_id=f"in-{phone}", from_number=phone.lstrip("+"), text="STOP")


def test_a_campaign_reports_its_opt_outs_and_rate(api):
    campaign_id = sent_campaign(api)
    before = api("GET", f"/campaigns/{campaign_id}").get_json()
    assert (before["opt_outs"], before["opt_out_rate"]) == (0, 0.0)
    stop(RECIPIENTS[0])
    after = api("GET", f"/campaigns/{campaign_id}").get_json()
    assert (after["opt_outs"], after["opt_out_rate"]) == (1, 0.25)


def test_a_campaign_that_sent_nothing_yet_has_a_null_rate(api):
    response = api("POST", "/campaigns", json={"name": "Later", "text": "Deals!",
                                               "recipients": RECIPIENTS[:1], "actor": "crm",
                                               "include_unknown": True})
    details = api("GET", f"/campaigns/{response.get_json()['id']}").get_json()
    assert (details["opt_outs"], details["opt_out_rate"]) == (0, None)


def test_the_report_gives_each_campaign_automation_and_kind(api):
    campaign_id = sent_campaign(api)
    stop(RECIPIENTS[1])
    stop("+12125559999")  # answers no text: only in by_source
    response = api("GET", "/reports/opt-outs")
    assert response.status_code == 200
    body = response.get_json()
    assert body["campaigns"] == [{"id": campaign_id, "name": "Black Friday", "sent": 4,
                                  "opt_outs": 1, "opt_out_rate": 0.25}]
    assert [a["automation"] for a in body["automations"]] == ["price_reduction",
                                                              "new_vehicle_arrival"]
    assert body["automations"][0] == {"automation": "price_reduction",
                                      "label": "Price Reduction Notifications", "sent": 0,
                                      "opt_outs": 0, "opt_out_rate": None}
    kinds = {k["kind"]: (k["sent"], k["opt_outs"]) for k in body["kinds"]}
    assert kinds == {"manual": (0, 0), "work_plan": (0, 0), "lead_autoresponder": (0, 0),
                     "campaign": (4, 1), "automation": (0, 0)}
    assert body["by_source"] == {"client_keyword": 2}


def test_since_defaults_to_30_days_and_narrows_the_report(api):
    sent_campaign(api, "Old", ago=timedelta(days=3))
    body = api("GET", "/reports/opt-outs").get_json()
    assert [c["name"] for c in body["campaigns"]] == ["Old"]
    since = datetime.fromisoformat(body["since"].removesuffix("Z"))
    assert abs(utcnow() - DEFAULT_SPAN - since) < timedelta(minutes=1)
    four_days = (utcnow() - timedelta(days=4)).date().isoformat()
    assert len(api("GET", f"/reports/opt-outs?since={four_days}").get_json()["campaigns"]) == 1
    hour_ago = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    for moment in (hour_ago, f"{hour_ago}Z", f"{hour_ago}.5+00:00"):
        body = api("GET", "/reports/opt-outs", query_string={"since": moment}).get_json()
        assert body["campaigns"] == [], moment
    # an offset is honoured: 02:00 at UTC-05:00 is 07:00 UTC
    body = api("GET", "/reports/opt-outs", query_string={
        "since": f"{four_days}T02:00:00-05:00"}).get_json()
    assert body["since"] == f"{four_days}T07:00:00.000Z"


@pytest.mark.parametrize("since", [
    "yesterday", "2026-13-01", "2026-02-30", "1999-01-01", "9999-12-31", "", "2026-1-1",
    "２０２６-０１-０１", "0001-01-01T00:00:00+01:00", "20261101", "2026-11-01T25:00",
    "2026-11-01T10:00:00+99:00", "1" * 5000, "2026-11-01\x00"])
def test_a_bad_since_is_400_naming_it(api, since):
    response = api("GET", "/reports/opt-outs", query_string={"since": since})
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "bad_request"
    assert "since" in response.get_json()["message"]


def test_since_in_the_future_or_given_twice_is_400(api):
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    response = api("GET", f"/reports/opt-outs?since={tomorrow}")
    assert response.status_code == 400 and "future" in response.get_json()["message"]
    today = utcnow().date().isoformat()
    assert api("GET", f"/reports/opt-outs?since={today}&since={today}").status_code == 400


def test_the_report_needs_the_token(client):
    response = client.get("/api/v1/reports/opt-outs", headers={"Authorization": "Bearer no"})
    assert response.status_code == 401 and API_TOKEN not in response.get_data(as_text=True)
