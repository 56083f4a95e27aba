"""What every Slack request goes through before its listener: the replay guard, the settings
in Bolt's context, the check of what a person typed, and a database connection on the
thread that runs the listener.

Bolt runs middleware on the request's thread and, once ack() is called, the listener on its
own thread pool; peewee's connections belong to a thread. So no middleware can hold a
connection for a listener: Bolt's listener start and completion handlers, which run on the
listener's thread just before and just after it, open and close it instead.

Replays (SPEC section 6): Bolt checks that a request is signed and at most five minutes old;
within those five minutes a captured request would verify again. The guard runs right after
that check (Bolt's `before_authorize` slot), for every kind of request: slash commands, block
actions, view submissions, events. It records the request's timestamp and signature with one
INSERT … ON CONFLICT DO NOTHING, so of two identical requests, even simultaneous ones, only
the first reaches a listener. Old signatures go with the other webhook nonces in the sweep.
Slack's own retries of an event (`X-Slack-Retry-Num`) are sent anew and signed anew, so they
pass like any first delivery.

Cards: a click or a modal whose values are not what bot.ids writes (a phone not in E.164,
an id out of range) is answered as an out-of-date card before any listener reads it.

Typed text: what a person types (a slash command's text, a modal's inputs) is checked
before any listener reads it, as prose (store/controls.py, as the API's notes): a control
character is answered with what to fix, and nothing is looked up or changed.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from slack_bolt import BoltResponse
from slack_bolt.listener.listener_completion_handler import ListenerCompletionHandler
from slack_bolt.listener.listener_start_handler import ListenerStartHandler
from slack_bolt.middleware import Middleware

import bot.ids as ids
from store.controls import PROSE, refusal
from store.db import DatabaseError, close_connection, open_connection, wait_for_locks
from store.leases import accept_nonce

log = logging.getLogger("smsprefs.bot")


class Settings(Middleware):
    """Put the configuration and the permissions in every request's context (global)."""

    def __init__(self, config, permissions):
        self.config, self.permissions = config, permissions

    def process(self, *, req, resp, next):
        req.context["config"] = self.config
        req.context["permissions"] = self.permissions
        return next()


@contextlib.contextmanager
def connected():
    """Hold this thread's database connection for the block; close it after if opened here."""
    opened = open_connection()
    try:
        yield
    finally:
        if opened:
            close_connection()


_listener = threading.local()  # whether the start handler opened this thread's connection


class OpenConnection(ListenerStartHandler):
    """Open the database connection of the thread about to run a listener."""

    def handle(self, request, response) -> None:
        _listener.opened = open_connection()
        if _listener.opened:
            wait_for_locks(True)  # a listener may wait for an import; Slack is not waiting


class CloseConnection(ListenerCompletionHandler):
    """Close it when the listener has returned or raised, unless it was open before."""

    def handle(self, request, response) -> None:
        if getattr(_listener, "opened", False):
            _listener.opened = False
            with contextlib.suppress(DatabaseError):  # a dead connection is dropped anyway
                wait_for_locks(False)  # the pool's bound, for the web request that takes it
            close_connection()


def give_listeners_connections(app) -> None:
    """Give each of `app`'s listeners a connection of its own thread, for as long as it runs.

    Bolt's Django adapter sets the same two handlers for Django's per-thread connections. A
    failure to connect is a listener's failure: Bolt logs it and answers 500.
    """
    app.listener_runner.listener_start_handler = OpenConnection()
    app.listener_runner.listener_completion_handler = CloseConnection()


def slack_nonce(timestamp: str, signature: str) -> str:
    """Return the nonce under which a Slack request's signature is remembered."""
    return f"slack:{timestamp}:{signature}"


def refuse_replays(request, next):
    """Pass a request on the first time its signature is seen; answer a replay with nothing."""
    signature = _header(request, "x-slack-signature")
    if not signature:  # only Socket Mode requests come unsigned past Bolt's check
        return next()
    # Recorded on its own, not in the listener's transaction: Slack never re-sends a command
    # or a click under the same signature, so a listener's failure needs no second chance.
    with connected():  # the request's thread: Flask's request hooks have usually opened it
        first = accept_nonce(slack_nonce(_header(request, "x-slack-request-timestamp"),
                                         signature))
    if first:
        return next()
    log.warning("ignored a replayed Slack request (its signature was seen before)")
    return BoltResponse(status=200, body="")


def _header(request, name: str) -> str:
    values = request.headers.get(name) or [""]
    return values[0] or ""


def refuse_untypable_text(body, next):
    """Answer a slash command or a modal submission whose typed text holds a control
    character with what to fix, before any listener reads it (global middleware)."""
    if body.get("command"):
        problem = _untypable(body.get("text"))
        if problem:  # shown to the person who typed it, as a listener's respond() would be
            return BoltResponse(status=200, body={"response_type": "ephemeral",
                                                  "text": f"Nothing done: {problem}."})
    elif body.get("type") == "view_submission":  # its shape checked by refuse_foreign_addresses
        values = body["view"].get("state", {}).get("values", {})
        errors = {block: f"Not changed: {problem}." for block, inputs in values.items()
                  if (problem := _first_untypable(inputs))}
        if errors:  # the modal stays open, the reason under the input
            return BoltResponse(status=200, body={"response_action": "errors",
                                                  "errors": errors})
    return next()


def _first_untypable(inputs: dict) -> str | None:
    for typed in inputs.values():
        problem = _untypable(typed.get("value"))
        if problem:
            return problem
    return None


def _untypable(text) -> str | None:
    """Return what is wrong with typed `text` (prose, store/controls.py), or None."""
    problem = refusal(text, PROSE) if isinstance(text, str) else None
    return f"what you typed {problem}" if problem else None


STALE = "This card is out of date. Look the client up again with `/smsprefs`."


def refuse_foreign_addresses(body, ack, respond, next):
    """Answer a click or a modal carrying values no card of ours holds as an out-of-date
    card, and change nothing (global middleware)."""
    try:
        ids.check_addresses(body)
    except ids.NotOurs as exc:
        log.warning("refused a Slack %s: %s", body.get("type"), exc)
        if body.get("type") == "view_submission":
            block = ids.first_input(body["view"])
            return ack(response_action="errors", errors={block: STALE}) if block else ack()
        if body.get("response_url"):
            with contextlib.suppress(OSError):  # Slack unreachable: the ack still goes
                respond(text=STALE, replace_original=False)
        return ack()
    return next()
