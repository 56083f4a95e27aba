"""End to end: the real app under gunicorn (two workers), the real send worker, the real
Vonage SDK talking TLS to a fake Vonage on 127.0.0.1, webhooks signed as Vonage signs them."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from store.models import Alert, ConsentEvent, InboundMessage, OutboundMessage
from tests.fakes.gunicorn import run_gunicorn
from tests.fakes.signing import sign_sms_params

SECRET = "e2e-signature-secret-0123456789abcdef"
TOKEN = "e2e-api-token"
CLIENT = "12125550100"
_ids = iter(range(10**6))


@pytest.fixture
def fake(fake_vonage):
    return fake_vonage


@pytest.fixture
def slack(fake_slack):
    return fake_slack


@pytest.fixture
def env(database, fake, slack):
    return {"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": "e2e-slack-secret",
            "SLACK_API_URL": slack.api_url, "SLACK_ALERT_CHANNEL": "C_ALERTS",
            "DATABASE_URL": database.url, "SMSPREFS_API_TOKEN": TOKEN,
            "VONAGE_API_KEY": "abcd1234", "VONAGE_API_SECRET": "vonage-secret",
            "VONAGE_SIGNATURE_SECRET": SECRET, "VONAGE_FROM_NUMBER": "12125550199",
            "VONAGE_REST_HOST": fake.host, "VONAGE_API_HOST": fake.host,
            "REQUESTS_CA_BUNDLE": str(fake.ca_path), "DEALERSHIP_NAME": "Acme Motors",
            "DEALERSHIP_TIMEZONE": "America/New_York"}


@pytest.fixture
def gateway(env, tmp_path):
    with run_gunicorn(env, workers=2, log_dir=tmp_path) as server:
        yield server


@pytest.fixture
def worker(env, tmp_path):
    import os

    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "smsprefs"), "worker"], env={**os.environ, **env},
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    yield process
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def text_in(gateway, text: str, message_id: str | None = None) -> int:
    params = sign_sms_params({"msisdn": CLIENT, "to": "12125550199", "text": text,
                              "messageId": message_id or f"e2e-{next(_ids)}", "type": "text"},
                             SECRET)
    return requests.post(f"{gateway.url}/webhooks/vonage/inbound", data=params,
                         timeout=10).status_code


def send(gateway, kind: str, automation: str | None = None) -> requests.Response:
    body = {"to": "(212) 555-0100", "text": f"a {kind} text", "kind": kind, "actor": "crm"}
    if automation:
        body["automation"] = automation
    return requests.post(f"{gateway.url}/api/v1/messages", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {TOKEN}"})


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_scoped_stop_and_start_then_stop_all(gateway, worker, fake):
    assert text_in(gateway, "STOP PRICE DROP") == 204
    fake.wait_for_sent(1, timeout=20)
    assert fake.texts_to(CLIENT) == ["Acme Motors: price drop alerts are off. Other texts "
                                     "continue. Reply STOP to end all texts."]
    refused = send(gateway, "automation", "price_reduction")
    assert (refused.status_code, refused.json()["reason"]) == (409, "automation_off")
    assert send(gateway, "automation", "new_vehicle_arrival").status_code == 202

    assert text_in(gateway, "START PRICE DROP") == 204
    assert send(gateway, "automation", "price_reduction").status_code == 202

    assert text_in(gateway, "Stop") == 204
    for kind in ("manual", "work_plan", "lead_autoresponder", "campaign"):
        response = send(gateway, kind)
        assert (response.status_code, response.json()["reason"]) == (409, "opted_out")
    response = send(gateway, "automation", "price_reduction")
    assert (response.status_code, response.json()["reason"]) == (409, "opted_out")
    card = requests.get(f"{gateway.url}/api/v1/clients/{CLIENT}", timeout=10,
                        headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert card["overall"] == "opted_out" and card["locked"] is True
    assert {a["state"] for a in card["automations"].values()} == {"off"}
    wait_for(lambda: any("unsubscribed" in t for t in fake.texts_to(CLIENT)))
    time.sleep(2)  # room for a duplicate to show up, if there were one
    confirmations = [t for t in fake.texts_to(CLIENT) if "unsubscribed" in t]
    assert len(confirmations) == 1


def test_ten_concurrent_deliveries_of_one_message_id_act_once(gateway, worker, fake, slack):
    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda _: text_in(gateway, "STOP", message_id="same"), range(10)))
    assert codes == [204] * 10
    assert InboundMessage.select().count() == 1
    assert ConsentEvent.select().where(ConsentEvent.scope == "overall").count() == 1
    assert OutboundMessage.select().where(OutboundMessage.kind == "confirmation").count() == 1
    assert Alert.select().count() == 1
    fake.wait_for_sent(1, timeout=20)
    slack.wait_for("chat.postMessage", timeout=20)
    time.sleep(2)
    assert fake.count() == 1
    [alert] = slack.posted("C_ALERTS")  # one Slack post for the one event
    assert "opted out of all texts" in alert.text and "…0100" in alert.text
