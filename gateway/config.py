"""Configuration (SPEC section 8): read once from the environment, checked, secrets masked."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers


class ConfigError(Exception):
    """A variable is missing or malformed; the message names it in one line."""


@dataclass(frozen=True)
class Secret:
    """A secret value that never shows itself in a repr, a log line or a traceback."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def reveal(self) -> str:
        return self.value


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
SIGNATURE_METHODS = ("md5", "sha1", "sha256", "sha512")  # HMAC; SDK v4 has no plain md5hash
CONFIRMATION_OWNERS = ("app", "vonage", "carrier")
TRANSPORTS = ("vonage", "console")


@dataclass(frozen=True)
class Config:
    database_url: Secret = Secret("sqlite:///smsprefs.db")
    port: int = 5000
    dealership_name: str = "Our dealership"
    dealership_phone: str | None = None
    dealership_timezone: str = "America/New_York"
    default_region: str = "US"
    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_alert_channel: str | None = None
    slack_team_id: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    editors: tuple[str, ...] = ()
    vonage_api_key: str | None = None
    vonage_api_secret: Secret | None = None
    vonage_signature_secret: Secret | None = None
    vonage_signature_method: str = "sha256"
    vonage_from_number: str | None = None
    vonage_rest_host: str = "rest.nexmo.com"
    vonage_api_host: str = "api.nexmo.com"
    vonage_max_rps: float = 30.0
    webhook_token: Secret | None = None
    allow_unsigned_webhooks: bool = False
    api_token: Secret | None = None
    confirmation_owner: str = "app"
    scoped_stop_widens_to_all: bool = False
    sms_transport: str = "console"
    # a campaign's or automation's opt-out rate over its last 500 recipients above this is
    # told to the alert channel (SPEC section 11); 1 never is
    opt_out_rate_alert: float = 0.02

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Config:
        """Build the configuration from `environ` (default: os.environ plus `.env`)."""
        if environ is None:
            if dotenv:
                from dotenv import dotenv_values

                environ = {**dotenv_values(".env"), **os.environ}
            else:
                environ = os.environ
        env = _Reader(environ)
        has_vonage = bool(env.text("VONAGE_API_KEY") and env.text("VONAGE_API_SECRET"))
        config = cls(
            database_url=Secret(env.text("DATABASE_URL") or cls.database_url.reveal()),
            port=env.integer("PORT", 5000, low=1, high=65535),
            dealership_name=env.text("DEALERSHIP_NAME") or cls.dealership_name,
            dealership_phone=env.phone("DEALERSHIP_PHONE", env.region("DEFAULT_REGION", "US")),
            dealership_timezone=env.zone("DEALERSHIP_TIMEZONE", cls.dealership_timezone),
            default_region=env.region("DEFAULT_REGION", "US"),
            slack_bot_token=env.secret("SLACK_BOT_TOKEN"),
            slack_signing_secret=env.secret("SLACK_SIGNING_SECRET"),
            slack_alert_channel=env.text("SLACK_ALERT_CHANNEL"),
            slack_team_id=env.text("SLACK_TEAM_ID"),
            slack_api_url=env.text("SLACK_API_URL") or cls.slack_api_url,
            editors=env.slack_ids("SMSPREFS_EDITORS"),
            vonage_api_key=env.text("VONAGE_API_KEY"),
            vonage_api_secret=env.secret("VONAGE_API_SECRET"),
            vonage_signature_secret=env.secret("VONAGE_SIGNATURE_SECRET"),
            vonage_signature_method=env.choice("VONAGE_SIGNATURE_METHOD", SIGNATURE_METHODS,
                                               "sha256"),
            vonage_from_number=env.text("VONAGE_FROM_NUMBER"),
            vonage_rest_host=env.text("VONAGE_REST_HOST") or cls.vonage_rest_host,
            vonage_api_host=env.text("VONAGE_API_HOST") or cls.vonage_api_host,
            vonage_max_rps=env.number("VONAGE_MAX_RPS", 30.0, high=1000.0),
            webhook_token=env.secret("WEBHOOK_TOKEN"),
            allow_unsigned_webhooks=env.flag("ALLOW_UNSIGNED_WEBHOOKS"),
            api_token=env.secret("SMSPREFS_API_TOKEN"),
            confirmation_owner=env.choice("CONFIRMATION_OWNER", CONFIRMATION_OWNERS, "app"),
            scoped_stop_widens_to_all=env.flag("SCOPED_STOP_WIDENS_TO_ALL"),
            sms_transport=env.choice("SMS_TRANSPORT", TRANSPORTS,
                                     "vonage" if has_vonage else "console"),
            opt_out_rate_alert=env.number("OPT_OUT_RATE_ALERT", 0.02, high=1.0),
        )
        if bool(config.slack_bot_token) != bool(config.slack_signing_secret):
            missing = "SLACK_SIGNING_SECRET" if config.slack_bot_token else "SLACK_BOT_TOKEN"
            raise ConfigError(f"{missing} is required with the other Slack variable "
                              "(set both, or neither to turn the bot off)")
        if config.sms_transport == "vonage":
            for name in ("VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_FROM_NUMBER"):
                if not env.text(name):
                    raise ConfigError(f"{name} is required to send texts through Vonage "
                                      "(or set SMS_TRANSPORT=console)")
        return config


class _Reader:
    """Typed reads of environment variables; each failure names its variable."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def text(self, name: str) -> str | None:
        value = (self.environ.get(name) or "").strip()
        return value or None

    def secret(self, name: str) -> Secret | None:
        value = self.text(name)
        return Secret(value) if value else None

    def flag(self, name: str) -> bool:
        value = (self.text(name) or "").lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ConfigError(f"{name} must be true or false, not {value!r}")

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        value = self.text(name)
        try:
            number = int(value) if value else default
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
        if not low <= number <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, not {number}")
        return number

    def number(self, name: str, default: float, *, high: float) -> float:
        value = self.text(name)
        try:
            number = float(value) if value else default
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {value!r}") from None
        if not math.isfinite(number) or not 0 < number <= high:
            raise ConfigError(f"{name} must be a number greater than 0 and at most {high:g}, "
                              f"not {value!r}")
        return number

    def slack_ids(self, name: str) -> tuple[str, ...]:
        ids = tuple(e.strip() for e in (self.text(name) or "").split(",") if e.strip())
        for value in ids:
            if not re.fullmatch(r"[UWS][A-Z0-9]{2,}", value):
                raise ConfigError(f"{name} takes Slack user ids (U…, W…) and user group ids "
                                  f"(S…), comma-separated, not {value!r}")
        return ids

    def phone(self, name: str, region: str) -> str | None:
        value = self.text(name)
        if value and not phonenumbers.is_valid_number(_parse_or_none(value, region)):
            raise ConfigError(f"{name} must be a phone number, not {value!r}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = (self.text(name) or default).lower()
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def zone(self, name: str, default: str) -> str:
        value = self.text(name) or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{name} must be an IANA time zone such as America/New_York, "
                              f"not {value!r}") from None
        return value

    def region(self, name: str, default: str) -> str:
        value = (self.text(name) or default).upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(f"{name} must be a two-letter region such as US, not {value!r}")
        return value


def _parse_or_none(value: str, region: str):
    try:
        return phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return phonenumbers.PhoneNumber()
