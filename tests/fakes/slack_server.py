"""A fake Slack Web API on http://127.0.0.1:PORT that the real slack_sdk and Bolt can be pointed at.

``WebClient(token=..., base_url=fake.api_url)`` (or the app's ``SLACK_API_URL``) sends every API
call to ``POST /api/<method>``; payloads built with ``response_url=fake.response_url("name")`` make
Bolt's ``respond()`` post to ``/respond/<name>``. Every request is recorded as a ``Call`` before it
is answered. Each method (or response path) takes the next scripted behaviour, ``Ok`` once its
script runs out:

- ``Ok()``: the normal answer (see ``_Answers``): ``auth.test`` as the bot, ``chat.postMessage``
  stores the message with a fresh increasing ``ts``, ``conversations.history`` lists the stored
  messages, ``views.*`` echo the view with an id and hash, ``usergroups.users.list`` answers what
  ``set_usergroup`` configured, and anything else ``{"ok": true}``.
- ``Status(code)``: that HTTP status with a plain-text body. Nothing is stored.
- ``Timeout(seconds)``: store and record at once, then wait before answering normally. A client
  with a shorter timeout gives up although the message WAS posted: the duplicate-post risk.
- ``SlackError(error, retry_after=None)``: ``{"ok": false, "error": error}``, HTTP 429 with
  ``Retry-After`` for ``"ratelimited"``, HTTP 200 otherwise. Nothing is stored.

Like Slack, the fake answers ``not_authed`` without a token, ``channel_not_found`` / ``no_text`` for
a post without channel / text and blocks, and ``invalid_blocks`` for blocks that break the limits
of ``tests/fakes/blockkit.py`` (pass ``validate_blocks=False`` to accept them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import http
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakes.blockkit import (
    MESSAGE_BLOCKS_MAX,
    MODAL_BLOCKS_MAX,
    blocks_problems,
    modal_problems,
)
from tests.fakes.local_server import LocalHandler, LocalHTTPServer, LocalServer, parse_body

API_PREFIX = "/api/"
RESPOND_PREFIX = "/respond/"
BOT = {"user_id": "UBOT", "bot_id": "BBOT", "app_id": "A0SMSPREFS", "team_id": "T0001"}
AUTH_TEST = {
    "ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "smsprefs",
    "team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT",
}
FIRST_TS_MICROS = 1_700_000_000_000_000  # ts values are now-ish and strictly increasing


@dataclass(frozen=True)
class Ok:
    """Answer normally."""


@dataclass(frozen=True)
class Status:
    """Answer this HTTP status with a plain-text body (or ``body``); nothing is stored."""

    status: int
    body: str | None = None


@dataclass(frozen=True)
class Timeout:
    """Store the call at once, wait ``seconds``, then answer normally (if still running)."""

    seconds: float


@dataclass(frozen=True)
class SlackError:
    """Answer ``{"ok": false, "error": error}``: HTTP 429 + Retry-After if ratelimited, else 200."""

    error: str
    retry_after: int | None = None


Behaviour = Ok | Status | Timeout | SlackError
Answer = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request as the fake received it."""

    method: str  # "chat.postMessage", or the path "/respond/<name>" for response_url posts
    body: dict[str, Any]  # JSON object, or form fields (last value wins) plus the query string
    headers: dict[str, str]  # names lower-cased
    at: float  # time.time() on receipt
    behaviour: Behaviour | None = None  # None for paths the fake does not serve
    answer: dict[str, Any] | None = None  # the JSON answered (or due, for Timeout)

    @property
    def token(self) -> str | None:
        """Return the bearer token (or the ``token`` field) the call was made with."""
        authorization = self.headers.get("authorization", "")
        if authorization.startswith("Bearer "):
            return authorization.removeprefix("Bearer ")
        return self.body.get("token")


@dataclass
class Posted:
    """A message chat.postMessage accepted (updated in place by chat.update)."""

    channel: str
    ts: str
    text: str | None
    blocks: list[dict] | None
    metadata: dict | None
    thread_ts: str | None
    body: dict[str, Any]  # the chat.postMessage body as received
    edited: bool = False

    @property
    def in_history(self) -> bool:
        """Return whether conversations.history lists it (thread replies only if broadcast)."""
        return self.thread_ts is None or _truthy(self.body.get("reply_broadcast"))

    def as_message(self) -> dict[str, Any]:
        """Return the message as conversations.history and chat.postMessage show it."""
        message = {"type": "message", "user": BOT["user_id"], "bot_id": BOT["bot_id"],
                   "app_id": BOT["app_id"], "team": BOT["team_id"], "ts": self.ts,
                   "text": self.text or "", "blocks": self.blocks or []}
        if self.metadata is not None:
            message["metadata"] = self.metadata
        if self.thread_ts is not None:
            message["thread_ts"] = self.thread_ts
        if self.edited:
            message["edited"] = {"user": BOT["user_id"], "ts": self.ts}
        return message


class FakeSlack(LocalServer[Call]):
    """Serve a fake Slack Web API and response URLs on http://127.0.0.1:PORT until stopped."""

    name = "fake-slack"

    def __init__(self, *, validate_blocks: bool = True) -> None:
        super().__init__()
        self.validate_blocks = validate_blocks
        self._scripts: dict[str, deque[Behaviour]] = defaultdict(deque)
        self._answers: dict[str, Answer] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._posted: list[Posted] = []
        self._view_hashes: dict[str, str] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)

    # lifecycle (start, stop, port and the context manager come from LocalServer)

    def _make_server(self) -> _Server:
        return _Server(self, _Handler)

    @property
    def api_url(self) -> str:
        """Return the ``base_url`` for ``WebClient`` (the trailing slash matters)."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    def response_url(self, name: str) -> str:
        """Return a response_url to put in payloads; posts to it are ``responses(name)``."""
        return f"http://127.0.0.1:{self.port}{RESPOND_PREFIX}{name}"

    # configuration

    def script(self, method: str, behaviours: Iterable[Behaviour]) -> None:
        """Answer the next calls to ``method`` (or "/respond/<name>") with these, in order."""
        with self._changed:
            self._scripts[method] = deque(behaviours)

    def set_usergroup(self, usergroup_id: str, user_ids: Iterable[str]) -> None:
        """Make ``usergroups.users.list`` answer these members for this group."""
        with self._changed:
            self._usergroups[usergroup_id] = list(user_ids)

    def set_answer(self, method: str, answer: Answer) -> None:
        """Answer ``method`` with this JSON, or with ``answer(body)``, instead of the default."""
        with self._changed:
            self._answers[method] = answer

    # what was received

    @property
    def calls(self) -> list[Call]:
        return self._recorded()

    def calls_to(self, method: str) -> list[Call]:
        """Return the calls to an API method (or a "/respond/<name>" path), in order."""
        return [call for call in self.calls if call.method == method]

    def responses(self, name: str | None = None) -> list[Call]:
        """Return the posts to response URLs (to ``response_url(name)`` only, if given)."""
        wanted = None if name is None else RESPOND_PREFIX + name
        return [call for call in self.calls
                if call.method.startswith(RESPOND_PREFIX) and wanted in (None, call.method)]

    def posted(self, channel: str | None = None) -> list[Posted]:
        """Return the messages chat.postMessage accepted (Timeout ones too), in order."""
        with self._changed:
            return [dataclasses.replace(p) for p in self._posted
                    if channel is None or p.channel == channel]

    def wait_for(self, method: str, n: int = 1, *, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called ``n`` times; return its calls or raise TimeoutError."""
        return self._wait(lambda: self.calls_to(method), n, timeout,
                          _not_called(method, n, timeout))

    def wait_for_responses(self, n: int = 1, *, name: str | None = None,
                           timeout: float = 5.0) -> list[Call]:
        """Wait until ``n`` posts reached the response URL(s); return them or raise TimeoutError."""
        return self._wait(lambda: self.responses(name), n, timeout,
                          _not_called(f"response_url {name or '*'}", n, timeout))

    # serving (called from handler threads)

    def _next_behaviour(self, method: str) -> Behaviour:
        with self._changed:
            script = self._scripts.get(method)
            return script.popleft() if script else Ok()

    def _answer(self, method: str, body: dict[str, Any], headers: dict[str, str]) -> dict:
        """Return the normal JSON answer to an API call, storing what it posts."""
        with self._changed:
            if not _has_token(body, headers):
                return {"ok": False, "error": "not_authed"}
            custom = self._answers.get(method)
            if custom is not None:
                return custom(body) if callable(custom) else dict(custom)
            respond = _ANSWERS.get(method)
            return respond(self, body) if respond else {"ok": True}

    # default answers (called with the lock held)

    def _next_ts(self) -> str:
        # the current time, as Slack's ts is (history's `oldest` filters by it), kept unique
        micros = max(int(time.time() * 1_000_000), FIRST_TS_MICROS) + 100 * next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _block_error(self, problems: list[str]) -> dict | None:
        if self.validate_blocks and problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        return None

    def _post_message(self, body: dict) -> dict:
        body = _decode_json_fields(body)
        channel = body.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks") and not body.get("attachments"):
            return {"ok": False, "error": "no_text"}
        error = self._block_error(blocks_problems(body.get("blocks") or [],
                                                  max_blocks=MESSAGE_BLOCKS_MAX))
        if error:
            return error
        posted = Posted(channel=channel, ts=self._next_ts(), text=body.get("text"),
                        blocks=body.get("blocks"), metadata=body.get("metadata"),
                        thread_ts=body.get("thread_ts"), body=body)
        self._posted.append(posted)
        return {"ok": True, "channel": channel, "ts": posted.ts, "message": posted.as_message()}

    def _update_message(self, body: dict) -> dict:
        body = _decode_json_fields(body)
        channel, ts = body.get("channel"), body.get("ts")
        error = self._block_error(blocks_problems(body.get("blocks") or [],
                                                  max_blocks=MESSAGE_BLOCKS_MAX))
        if error:
            return error
        # messages the fake did not post (ts made up in a test payload) are "updated" too
        for posted in self._posted:
            if (posted.channel, posted.ts) == (channel, ts):
                for key in ("text", "blocks", "metadata"):
                    if key in body:
                        setattr(posted, key, body[key])
                posted.edited = True
        return {"ok": True, "channel": channel, "ts": ts, "text": body.get("text", "")}

    def _history(self, body: dict) -> dict:
        channel = body.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        inclusive = _truthy(body.get("inclusive"))
        try:
            oldest, latest = _ts_or(body.get("oldest"), "0"), _ts_or(body.get("latest"), "1e12")
        except ArithmeticError:  # decimal.InvalidOperation
            return {"ok": False, "error": "invalid_ts_oldest"}
        limit = int(body.get("limit") or 100)
        messages = [
            p.as_message() for p in reversed(self._posted)
            if p.channel == channel and p.in_history
            and (oldest <= Decimal(p.ts) <= latest if inclusive
                 else oldest < Decimal(p.ts) < latest)
        ]
        return {"ok": True, "messages": messages[:limit], "has_more": len(messages) > limit,
                "pin_count": 0, "response_metadata": {"next_cursor": ""}}

    def _usergroup_users(self, body: dict) -> dict:
        users = self._usergroups.get(body.get("usergroup"))
        if users is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(users)}

    def _view(self, body: dict, *, update: bool = False) -> dict:
        body = _decode_json_fields(body)
        view = body.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        error = self._block_error(modal_problems(view) if view.get("type") == "modal" else
                                  blocks_problems(view.get("blocks") or [],
                                                  max_blocks=MODAL_BLOCKS_MAX))
        if error:
            return error
        view_id = body.get("view_id") if update else None
        known_hash = self._view_hashes.get(view_id)
        if known_hash is not None and body.get("hash") not in (None, known_hash):
            return {"ok": False, "error": "hash_conflict"}
        number = next(self._ids)
        view_id = view_id or f"V{number:08d}"
        self._view_hashes[view_id] = f"h{number:08d}.{int(time.time())}"
        return {"ok": True, "view": {
            "state": {"values": {}}, "private_metadata": "", "callback_id": "",
            "external_id": "", "clear_on_close": False, "notify_on_close": False,
            **view, "id": view_id, "hash": self._view_hashes[view_id],
            "team_id": BOT["team_id"], "app_id": BOT["app_id"], "bot_id": BOT["bot_id"],
            "app_installed_team_id": BOT["team_id"], "root_view_id": view_id,
            "previous_view_id": None,
        }}


_ANSWERS: dict[str, Callable[[FakeSlack, dict], dict]] = {
    "auth.test": lambda fake, body: dict(AUTH_TEST),
    "chat.postMessage": FakeSlack._post_message,
    "chat.update": FakeSlack._update_message,
    "conversations.history": FakeSlack._history,
    "usergroups.users.list": FakeSlack._usergroup_users,
    "views.open": FakeSlack._view,
    "views.push": FakeSlack._view,
    "views.publish": FakeSlack._view,
    "views.update": lambda fake, body: fake._view(body, update=True),
}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """Yield a running FakeSlack (register via ``pytest_plugins``)."""
    with FakeSlack() as fake:
        yield fake


class _Server(LocalHTTPServer):
    fake: FakeSlack
    request_queue_size = 128  # the default 5 makes bursts of clients wait 1 s for a SYN retry


@dataclass
class _Reply:
    status: int = 200
    payload: Any = field(default_factory=lambda: {"ok": True})  # dict as JSON, str as text
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(LocalHandler):
    server: _Server

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        raw = self.read_body()
        url = urlsplit(self.path)
        body = dict(parse_qsl(url.query, keep_blank_values=True)) | _parse_body(
            self.headers.get_content_type(), raw)
        headers = self.lower_headers()
        fake = self.server.fake
        if url.path.startswith(API_PREFIX):
            key = url.path.removeprefix(API_PREFIX)
        elif url.path.startswith(RESPOND_PREFIX):
            key = url.path
        else:
            fake._record(Call(url.path, body, headers, time.time()))
            self._send(_Reply(404, "Not Found"))
            return
        behaviour = fake._next_behaviour(key)
        try:
            reply = self._reply(key, behaviour, body, headers)
        except Exception as e:  # a bug in the fake, or input it cannot parse: say so, loudly
            reply = _Reply(500, f"fake Slack failed on {key}: {type(e).__name__}: {e}")
        answer = reply.payload if isinstance(reply.payload, dict) else None
        fake._record(Call(key, body, headers, time.time(), behaviour, answer))
        if isinstance(behaviour, Timeout) and self.wait_unless_stopped(behaviour.seconds):
            return
        self._send(reply)

    def _reply(self, key: str, behaviour: Behaviour, body: dict, headers: dict) -> _Reply:
        if isinstance(behaviour, Status):
            text = _phrase(behaviour.status) if behaviour.body is None else behaviour.body
            return _Reply(behaviour.status, text)
        if isinstance(behaviour, SlackError):
            retry_after = behaviour.retry_after
            if behaviour.error == "ratelimited" and retry_after is None:
                retry_after = 1  # Slack always says when to come back
            status = 429 if behaviour.error == "ratelimited" else 200
            extra = {} if retry_after is None else {"Retry-After": str(retry_after)}
            return _Reply(status, {"ok": False, "error": behaviour.error}, extra)
        if key.startswith(RESPOND_PREFIX):
            return _Reply(200, "ok")
        return _Reply(200, self.server.fake._answer(key, body, headers))

    def _send(self, reply: _Reply) -> None:
        if isinstance(reply.payload, dict):
            data, content_type = json.dumps(reply.payload).encode(), "application/json"
        else:
            data, content_type = str(reply.payload).encode(), "text/plain"
        self.send_body(reply.status, data, f"{content_type}; charset=utf-8", reply.headers)


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    parsed = parse_body(content_type, raw, default={})
    return parsed if isinstance(parsed, dict) else {"_json": parsed}


def _not_called(what: str, n: int, timeout: float) -> Callable[[list[Call]], str]:
    """Return the TimeoutError message maker for a wait for ``n`` calls of ``what``."""

    def failure(calls: list[Call]) -> str:
        seen = [call.method for call in calls]
        return f"{what} not called {n} times within {timeout}s; calls: {seen}"
    return failure


def _decode_json_fields(body: dict) -> dict:
    """Return the body with form-encoded JSON fields (blocks, metadata, view) decoded."""
    decoded = dict(body)
    for key in ("blocks", "metadata", "view", "attachments"):
        if isinstance(decoded.get(key), str):
            with contextlib.suppress(ValueError):
                decoded[key] = json.loads(decoded[key])
    return decoded


def _has_token(body: dict, headers: dict[str, str]) -> bool:
    return headers.get("authorization", "").startswith("Bearer ") or bool(body.get("token"))


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _ts_or(value: Any, default: str) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(default)


def _phrase(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)
