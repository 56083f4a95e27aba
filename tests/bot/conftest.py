"""Fixtures for the bot: the real gateway with Slack configured, and a fake Slack Web API."""

from __future__ import annotations

import pytest

from gateway.app import create_app
from store.records.clients import upsert_client
from tests.bot.slack_user import EDITOR, GROUP_MEMBER, SECRET
from tests.factories import PHONE
from tests.fakes.slack_server import FakeSlack
from tests.gateway.conftest import make_config


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        fake.set_usergroup("S0MANAGERS", [GROUP_MEMBER])
        yield fake


@pytest.fixture
def client(database, tmp_path, monkeypatch, slack):
    monkeypatch.chdir(tmp_path)
    app = create_app(make_config(
        database, tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url, SLACK_TEAM_ID="T0001", SLACK_ALERT_CHANNEL="C_ALERTS",
        SMSPREFS_EDITORS=f"{EDITOR},S0MANAGERS"))
    upsert_client(PHONE, name="Ana Lopez", crm_id="C1")
    return app.test_client()
