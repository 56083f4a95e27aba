"""Where outbound texts go: Vonage's SMS API through the real SDK, or the console.

Both are SmsTransport: send() returns the provider's message id, or raises TransientError
(try again later) or PermanentError (this message will never go).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Protocol

import requests

from gateway.config import Config
from store.phones import mask

log = logging.getLogger("smsprefs.transport")


class TransientError(Exception):
    """Vonage could not take the message now (throttled, 5xx, timeout): retry later."""


class PermanentError(Exception):
    """Vonage refused the message for good (barred number, bad sender, bad request)."""


class SmsTransport(Protocol):
    name: str

    def send(self, *, to: str, text: str, client_ref: str) -> str: ...


class ConsoleTransport:
    """Record outbound texts and print them instead of sending (local use, no account)."""

    name = "console"

    def __init__(self):
        self.sent: list[dict] = []
        self._lock = threading.Lock()

    def send(self, *, to: str, text: str, client_ref: str) -> str:
        with self._lock:
            self.sent.append({"to": to, "text": text, "client_ref": client_ref})
            message_id = f"console-{client_ref}"
        print(f"[console SMS to {mask(to)}] {text}", flush=True)
        return message_id


# SMS API status codes worth trying again (vonage.md §1.1): throttled, internal error, and
# the account-wide ones (bad credentials, account barred, out of credit, demo account): every
# message would fail alike until someone fixes the account, so they wait instead of failing.
TRANSIENT_STATUS = {"1", "5"}
ACCOUNT_STATUS = {"4", "8", "9", "29"}


class VonageTransport:
    """Send through the Vonage SDK's SMS API client.

    Its own Auth has only the key and secret: signing outbound requests is broken in the SDK,
    and with pool_maxsize=1 the SDK does not silently re-send a request whose connection
    dropped (vonage.md §1.4).
    """

    name = "vonage"

    def __init__(self, config: Config, *, timeout: float = 10):
        from vonage import Auth, HttpClientOptions, Vonage

        if not (config.vonage_api_key and config.vonage_api_secret and config.vonage_from_number):
            raise ValueError("VONAGE_API_KEY, VONAGE_API_SECRET and VONAGE_FROM_NUMBER are needed")
        options = HttpClientOptions(rest_host=config.vonage_rest_host,
                                    api_host=config.vonage_api_host, timeout=timeout,
                                    max_retries=0, pool_maxsize=1)
        self.client = Vonage(Auth(api_key=config.vonage_api_key,
                                  api_secret=config.vonage_api_secret.reveal()), options)
        self.sender = config.vonage_from_number.lstrip("+")

    def send(self, *, to: str, text: str, client_ref: str) -> str:
        from vonage_http_client import HttpRequestError
        from vonage_sms import PartialFailureError, SmsError, SmsMessage

        encoding = "text" if text.isascii() else "unicode"
        message = SmsMessage(to=to.lstrip("+"), from_=self.sender, text=text,
                             client_ref=client_ref, type=encoding)
        try:
            response = self.client.sms.send(message)
        except PartialFailureError as exc:
            statuses = [str(m.get("status")) for m in (exc.response or {}).get("messages", [])]
            if "0" in statuses:  # some parts left already: sending again would duplicate them
                raise PermanentError(f"partial failure, statuses {statuses}") from exc
            raise TransientError(f"no part accepted, statuses {statuses}") from exc
        except SmsError as exc:
            status = _status_of(str(exc))
            if status in ACCOUNT_STATUS:
                log.error("Vonage refuses the account (status %s): texts wait until it is "
                          "fixed", status)
            transient = status in TRANSIENT_STATUS | ACCOUNT_STATUS
            raise (TransientError if transient else PermanentError)(f"status {status}") from exc
        except HttpRequestError as exc:
            code = exc.response.status_code if exc.response is not None else 0
            if code in (401, 403):
                log.error("Vonage refuses our credentials (HTTP %s): texts wait", code)
            if code in (401, 403, 429) or code >= 500:
                raise TransientError(f"HTTP {code}") from exc
            raise PermanentError(f"HTTP {code}") from exc
        except requests.exceptions.RequestException as exc:
            raise TransientError(type(exc).__name__) from exc
        return response.messages[0].message_id


def _status_of(text: str) -> str:
    found = re.search(r"error code (\d+)", text)
    return found.group(1) if found else "?"


def make_transport(config: Config) -> SmsTransport:
    """Return the transport the configuration names."""
    return VonageTransport(config) if config.sms_transport == "vonage" else ConsoleTransport()
