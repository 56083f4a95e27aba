"""Replay protection for signed webhooks: each signature is accepted once."""

from __future__ import annotations

from datetime import timedelta

from store.clock import utcnow
from store.models import WebhookNonce

KEEP = timedelta(hours=1)  # well past the 5-minute window in which a signature is accepted


def accept_nonce(nonce: str) -> bool:
    """Record `nonce`; return False when it was seen before (a replay).

    Call it inside the transaction that acts on the webhook: if that rolls back, Vonage's
    retry of the same request is still accepted.
    """
    inserted = WebhookNonce.insert(nonce=nonce[:120], seen_at=utcnow()).on_conflict_ignore()
    return bool(inserted.as_rowcount().execute())


def forget_old_nonces() -> int:
    """Delete nonces too old to matter; return how many."""
    return WebhookNonce.delete().where(WebhookNonce.seen_at < utcnow() - KEEP).execute()
