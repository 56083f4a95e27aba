"""Configuration: read once, clear one-line errors, secrets never shown."""

from __future__ import annotations

import logging
import time

import pytest

from gateway.app import create_app
from gateway.config import Config, ConfigError
from gateway.delivery import Pacer


def test_defaults_run_on_sqlite_with_the_console_transport():
    config = Config.from_env({})
    assert config.database_url.reveal() == "sqlite:///smsprefs.db"
    assert (config.sms_transport, config.slack_enabled, config.confirmation_owner) == (
        "console", False, "app")
    assert config.vonage_max_rps == 30.0


def test_vonage_keys_switch_the_transport_to_vonage():
    config = Config.from_env({"VONAGE_API_KEY": "k", "VONAGE_API_SECRET": "s",
                              "VONAGE_FROM_NUMBER": "12125550199"})
    assert config.sms_transport == "vonage"


def test_sending_through_vonage_without_a_from_number_stops_at_start():
    with pytest.raises(ConfigError, match=r"^VONAGE_FROM_NUMBER is required"):
        Config.from_env({"VONAGE_API_KEY": "k", "VONAGE_API_SECRET": "s"})


@pytest.mark.parametrize(("env", "names"), [
    ({"PORT": "eighty"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"ALLOW_UNSIGNED_WEBHOOKS": "maybe"}, "ALLOW_UNSIGNED_WEBHOOKS"),
    ({"CONFIRMATION_OWNER": "nobody"}, "CONFIRMATION_OWNER"),
    ({"VONAGE_SIGNATURE_METHOD": "md5hash"}, "VONAGE_SIGNATURE_METHOD"),
    ({"VONAGE_MAX_RPS": "0"}, "VONAGE_MAX_RPS"),
    ({"SMS_TRANSPORT": "pigeon"}, "SMS_TRANSPORT"),
    ({"DEFAULT_REGION": "ZZ"}, "DEFAULT_REGION"),
    ({"VONAGE_MAX_RPS": "nan"}, "VONAGE_MAX_RPS"),
    ({"VONAGE_MAX_RPS": "inf"}, "VONAGE_MAX_RPS"),
    ({"VONAGE_MAX_RPS": "1e9"}, "VONAGE_MAX_RPS"),
    ({"PORT": "0"}, "PORT"),
    ({"PORT": "-1"}, "PORT"),
    ({"SMSPREFS_EDITORS": "U123,@alice"}, "SMSPREFS_EDITORS"),
    ({"DEALERSHIP_PHONE": "call us"}, "DEALERSHIP_PHONE"),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
])
def test_a_malformed_variable_is_one_clear_line_naming_it(env, names):
    with pytest.raises(ConfigError) as error:
        Config.from_env(env)
    message = str(error.value)
    assert message.startswith(names) and "\n" not in message


def test_secrets_never_show_in_a_repr():
    config = Config.from_env({"DATABASE_URL": "postgres://u:hunter2@db/x",
                              "VONAGE_API_SECRET": "vsecret", "SLACK_BOT_TOKEN": "xoxb-1",
                              "SLACK_SIGNING_SECRET": "slacksigning",
                              "VONAGE_FROM_NUMBER": "12125550199",
                              "SMSPREFS_API_TOKEN": "apitoken", "WEBHOOK_TOKEN": "whtoken"})
    shown = repr(config) + str(config)
    for secret in ("hunter2", "vsecret", "xoxb-1", "slacksigning", "apitoken", "whtoken"):
        assert secret not in shown


def test_the_start_line_names_database_transport_and_slack_without_secrets(
        database, tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING, logger="smsprefs"):
        create_app({"DATABASE_URL": database.url, "SMSPREFS_API_TOKEN": "sekrit-token",
                    "WEBHOOK_TOKEN": "sekrit-webhook"})
    start = [r.getMessage() for r in caplog.records if "smsprefs gateway" in r.getMessage()]
    assert len(start) == 1
    assert "SMS transport console" in start[0] and "Slack off" in start[0]
    assert "sekrit" not in caplog.text
    if "postgres" in database.url:
        assert "database PostgreSQL" in start[0] and database.url not in caplog.text


def test_the_pacer_spaces_sends_to_the_rate():
    pacer = Pacer(20)  # 20 a second: 6 sends take at least 5 intervals
    started = time.monotonic()
    for _ in range(6):
        pacer.wait()
    assert time.monotonic() - started >= 5 / 20 - 0.01
