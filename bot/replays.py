"""Refusing replayed Slack requests (SPEC section 6): each signature is acted on once.

Bolt checks that a request is signed and at most five minutes old; within those five minutes a
captured request would verify again. The guard runs right after that check (Bolt's
`before_authorize` slot), for every kind of request: slash commands, block actions, view
submissions, events. It records the request's timestamp and signature with one
INSERT … ON CONFLICT DO NOTHING, so of two identical requests, even simultaneous ones, only
the first reaches a listener. Old signatures go with the other webhook nonces in the sweep.

Slack's own retries of an event (`X-Slack-Retry-Num`) are sent anew and signed anew, so they
pass like any first delivery.
"""

from __future__ import annotations

import logging

from bot import with_db
from store.leases import accept_nonce

log = logging.getLogger("smsprefs.bot")


def slack_nonce(timestamp: str, signature: str) -> str:
    """Return the nonce under which a Slack request's signature is remembered."""
    return f"slack:{timestamp}:{signature}"


@with_db
def refuse_replays(request, next):
    """Pass a request on the first time its signature is seen; answer a replay with nothing."""
    from slack_bolt import BoltResponse

    signature = _header(request, "x-slack-signature")
    if not signature:  # only Socket Mode requests come unsigned past Bolt's check
        return next()
    # Recorded on its own, not in the listener's transaction: Slack never re-sends a command
    # or a click under the same signature, so a listener's failure needs no second chance.
    if accept_nonce(slack_nonce(_header(request, "x-slack-request-timestamp"), signature)):
        return next()
    log.warning("ignored a replayed Slack request (its signature was seen before)")
    return BoltResponse(status=200, body="")


def _header(request, name: str) -> str:
    values = request.headers.get(name) or [""]
    return values[0] or ""
