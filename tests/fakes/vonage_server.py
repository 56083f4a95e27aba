"""A fake Vonage REST server over TLS on 127.0.0.1 that the real SDK can be pointed at.

The SDK always builds ``https://{host}{path}`` (docs/vonage.md §2), so the fake speaks TLS with a
throwaway trustme CA; tests trust it by setting ``REQUESTS_CA_BUNDLE`` to ``fake.ca_path``.

Each POST to ``/sms/json`` or ``/v1/messages`` takes the next scripted behaviour (``Ok`` once the
script runs out) and is recorded in ``received`` before it is answered:

- ``Ok()``: accepted. SMS API: HTTP 200 with the SDK fixture shape; Messages API: HTTP 202.
- ``Http(code)``: that HTTP status with a Vonage-style JSON error body. Not a text sent.
- ``SmsStatus(status, error_text)`` / ``Throttle()``: SMS API answers HTTP 200 with that status in
  the body; Messages API answers HTTP 429 for status "1" (throttled) and 422 otherwise.
- ``Hang(seconds, then=Ok())``: read the request, wait, then answer ``then``. A hung request counts
  as a text sent when ``then`` is ``Ok``, from the moment it is received: real Vonage delivers
  whether or not the client waited for the answer, which is exactly the duplicate-send risk.
- ``Drop()``: read the request, then close the connection without answering. Not a text sent.

Other paths answer 404 and consume nothing from the script.
"""

from __future__ import annotations

import http
import json
import socket
import ssl
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.fakes.local_server import LocalHandler, LocalHTTPServer, LocalServer, parse_body

SMS_PATH = "/sms/json"
MESSAGES_PATH = "/v1/messages"
THROTTLED_TEXT = "Throughput Rate Exceeded - please wait [ 1000 ] and retry"


@dataclass(frozen=True)
class Ok:
    """Accept the text."""


@dataclass(frozen=True)
class Http:
    """Answer this HTTP status with a Vonage-style JSON error body."""

    status: int


@dataclass(frozen=True)
class SmsStatus:
    """Answer HTTP 200 with a non-zero SMS API status (e.g. "7", "Number barred.")."""

    status: str
    error_text: str


@dataclass(frozen=True)
class Throttle(SmsStatus):
    """Answer SMS API status 1, Throttled (HTTP 429 on the Messages API)."""

    status: str = "1"
    error_text: str = THROTTLED_TEXT


@dataclass(frozen=True)
class Hang:
    """Read the request, wait ``seconds``, then answer ``then`` (if the fake is still running)."""

    seconds: float
    then: Ok | Http | SmsStatus = Ok()


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without answering."""


Behaviour = Ok | Http | SmsStatus | Hang | Drop


@dataclass(frozen=True)
class Received:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # form as {name: value} (last value wins), parsed JSON, or None
    raw: bytes
    at: float  # time.time() on receipt
    behaviour: Behaviour | None  # None for paths the fake does not implement
    accepted: bool  # counts as a text sent
    message_id: str | None = None  # "message-id" or "message_uuid" returned (or due) on success

    @property
    def api(self) -> str | None:
        """Return "sms", "messages" or None for other paths."""
        return {SMS_PATH: "sms", MESSAGES_PATH: "messages"}.get(self.path)

    @property
    def to(self) -> str | None:
        return self.body.get("to") if isinstance(self.body, dict) else None

    @property
    def text(self) -> str | None:
        return self.body.get("text") if isinstance(self.body, dict) else None


class FakeVonage(LocalServer[Received]):
    """Serve the SMS and Messages APIs on https://127.0.0.1:PORT until stopped.

    ``stop()`` also removes the CA file (unless ``directory`` was given).
    """

    name = "fake-vonage"

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__()
        self._tmp = None if directory else tempfile.TemporaryDirectory(prefix="fake-vonage-")
        self.directory = Path(directory or self._tmp.name)
        ca = trustme.CA()
        self.ca_path = self.directory / "fake-vonage-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1").configure_cert(self._ssl)

        self._script: deque[Behaviour] = deque()
        self._default: Behaviour = Ok()

    # lifecycle (start, stop, port and the context manager come from LocalServer)

    def _make_server(self) -> _Server:
        return _Server(self, _Handler)

    def _stopped(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    @property
    def host(self) -> str:
        """Return "127.0.0.1:PORT", for ``HttpClientOptions(rest_host=..., api_host=...)``."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    def trust(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make ``requests`` trust this fake's CA for the rest of the test."""
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self.ca_path))

    def client_options(self, **overrides: Any) -> dict[str, Any]:
        """Return ``HttpClientOptions`` fields aimed at this fake: short timeout, no resends."""
        options = {"rest_host": self.host, "api_host": self.host, "timeout": 5,
                   "max_retries": 0, "pool_maxsize": 1}
        return options | overrides

    # scripting

    def script(self, behaviours: Iterable[Behaviour]) -> None:
        """Answer the next requests with these behaviours, in order, then with ``always``'s."""
        with self._changed:
            self._script = deque(behaviours)

    def always(self, behaviour: Behaviour) -> None:
        """Answer with this behaviour once the script is exhausted (initially ``Ok()``)."""
        with self._changed:
            self._default = behaviour

    def _next_behaviour(self) -> Behaviour:
        with self._changed:
            return self._script.popleft() if self._script else self._default

    # what was received

    @property
    def received(self) -> list[Received]:
        return self._recorded()

    @property
    def sent(self) -> list[Received]:
        """Return the texts accepted on either API, in order of receipt."""
        return [r for r in self.received if r.accepted]

    @property
    def sms_sent(self) -> list[Received]:
        return [r for r in self.sent if r.api == "sms"]

    @property
    def messages_sent(self) -> list[Received]:
        return [r for r in self.sent if r.api == "messages"]

    def count(self, to: str | None = None) -> int:
        """Return how many texts were accepted (for ``to``, compared exactly, if given)."""
        return len([r for r in self.sent if to is None or r.to == to])

    def texts_to(self, number: str) -> list[str]:
        """Return the bodies of the texts accepted for ``number``, in order."""
        return [r.text for r in self.sent if r.to == number]

    def wait_for_sent(self, n: int, *, timeout: float = 5.0) -> list[Received]:
        """Wait until at least ``n`` texts were accepted; raise TimeoutError otherwise."""
        return self._wait(lambda: self.sent, n, timeout,
                          lambda received: f"{n} texts not sent within {timeout}s: {received}")


@pytest.fixture
def fake_vonage(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVonage]:
    """Yield a running FakeVonage whose CA ``requests`` trusts (register via ``pytest_plugins``)."""
    with FakeVonage() as fake:
        fake.trust(monkeypatch)
        yield fake


class _Server(LocalHTTPServer):
    fake: FakeVonage

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        # the TLS handshake runs in the handler thread, not in the accept loop
        tls = self.fake._ssl.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return tls, address


class _Handler(LocalHandler):
    server: _Server

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def do_GET(self) -> None:
        self._not_found(self.read_body())

    def do_POST(self) -> None:
        raw = self.read_body()
        if self.path not in (SMS_PATH, MESSAGES_PATH):
            self._not_found(raw)
            return
        fake = self.server.fake
        behaviour = fake._next_behaviour()
        answer = behaviour.then if isinstance(behaviour, Hang) else behaviour
        body = parse_body(self.headers.get_content_type(), raw)
        if isinstance(answer, Drop):
            fake._record(self._received(raw, body, behaviour, accepted=False))
            self.close_connection = True
            return
        status, payload, message_id = _answer(self.path, answer, body)
        accepted = isinstance(answer, Ok)
        fake._record(self._received(raw, body, behaviour, accepted=accepted, message_id=message_id))
        if isinstance(behaviour, Hang) and self.wait_unless_stopped(behaviour.seconds):
            return
        self._send_json(status, payload)

    def _received(self, raw: bytes, body: Any, behaviour: Behaviour | None, *,
                  accepted: bool, message_id: str | None = None) -> Received:
        return Received(
            method=self.command, path=self.path,
            headers=self.lower_headers(),
            body=body, raw=raw, at=time.time(), behaviour=behaviour, accepted=accepted,
            message_id=message_id,
        )

    def _not_found(self, raw: bytes) -> None:
        body = parse_body(self.headers.get_content_type(), raw)
        self.server.fake._record(self._received(raw, body, None, accepted=False))
        self._send_json(404, _error_body(404))

    def _send_json(self, status: int, payload: dict) -> None:
        self.send_body(status, json.dumps(payload).encode(), "application/json")


def _answer(path: str, answer: Ok | Http | SmsStatus, body: Any) -> tuple[int, dict, str | None]:
    """Return (HTTP status, JSON payload, message id if accepted)."""
    if isinstance(answer, Http):
        return answer.status, _error_body(answer.status), None
    to = body.get("to") if isinstance(body, dict) else None
    if path == SMS_PATH:
        if isinstance(answer, SmsStatus):
            message = {"status": answer.status, "error-text": answer.error_text}
            return 200, {"message-count": "1", "messages": [message]}, None
        message_id = str(uuid.uuid4())
        message = {"to": to, "message-id": message_id, "status": "0",
                   "remaining-balance": "38.07", "message-price": "0.04", "network": "23420"}
        return 200, {"message-count": "1", "messages": [message]}, message_id
    if isinstance(answer, SmsStatus):
        status = 429 if answer.status == "1" else 422
        return status, _error_body(status, answer.error_text), None
    message_uuid = str(uuid.uuid4())
    return 202, {"message_uuid": message_uuid}, message_uuid


def _error_body(status: int, detail: str | None = None) -> dict[str, str]:
    """Return the Messages API error shape (type, title, detail, instance)."""
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    slug = title.replace(" ", "")
    return {
        "type": f"https://developer.vonage.com/api-errors#{slug}",
        "title": title,
        "detail": detail or f"The fake Vonage server was scripted to answer {status}.",
        "instance": str(uuid.uuid4()),
    }

