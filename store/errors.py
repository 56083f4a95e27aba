"""Errors the store raises; each edge maps them to its own answer (HTTP, Slack, CLI)."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose."""

    code = "invalid"


class InvalidPhone(StoreError):
    """The text given as a phone number is not a valid number."""

    code = "invalid_phone"


class UnknownAutomation(StoreError):
    """The automation type is not registered in store.automations."""

    code = "unknown_automation"


class InvalidRequest(StoreError):
    """A request to the store is malformed (an unknown state, kind, or empty text)."""

    code = "invalid_request"


class NotFound(StoreError):
    """No phone or record matches."""

    code = "not_found"


class ConsentRefused(StoreError):
    """A consent rule refused the change; nothing was applied.

    `reason` is machine-readable: `locked`, `opted_out` or `evidence_required`; for a
    misread correction (SPEC rule 11) also `not_client_opt_out`, `not_natural_language`,
    `already_corrected`, `confirmed_by_client`, `state_changed` or `note_required`.
    `refusals` maps each refused scope to its reason.
    """

    def __init__(self, reason: str, message: str, refusals: dict[str, str] | None = None):
        super().__init__(message)
        self.reason = reason
        self.code = reason
        self.refusals = refusals or {}
