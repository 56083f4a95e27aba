"""Plain functions that put a phone in a known consent state through the real store."""

from __future__ import annotations

from store.consent.changes import CLIENT, apply_client_intent, change_consent
from store.consent.history import EventContext
from store.consent.rules import Actor
from store.db import db, is_postgres
from store.messaging.inbound import receive_text
from store.models import Review

PHONE = "+12125550100"
OTHER = "+12125550101"
ZONE = "America/New_York"  # the dealership zone the tests configure (config has no other source)
STAFF = Actor(source="staff", actor="U_STAFF", channel="slack")
API = Actor(source="staff", actor="crm", channel="api")
IMPORTER = Actor(source="import", actor="import:test.csv", channel="import")


def client_texts(e164: str, intent: str, scope: str = "all", text: str = "STOP", **kw):
    """Apply a client's classified text, as the gateway does."""
    context = EventContext(inbound_message_id=f"msg-{text}"[:100], raw_text=text, rule="keyword",
                           classifier_version="test")
    return apply_client_intent(e164, intent=intent, scope=scope, context=context, **kw)


def staff_sets(e164: str, actor: Actor = STAFF, **kw):
    """Apply a staff change (raises ConsentRefused when a rule refuses it)."""
    return change_consent(e164, actor=actor, **kw)


def pending_review(e164: str = PHONE, text: str = "I'll stop by Friday", **kw) -> Review:
    """Have the client text something that may be an opt-out; return the review it opened."""
    result = receive_text(provider_id=kw.pop("provider_id", f"rv-{e164}-{text}"[:100]),
                          from_number=e164.lstrip("+"), text=text, **kw)
    assert result.review is not None, f"{text!r} opened no review"
    return result.review


__all__ = [
    "API",
    "CLIENT",
    "IMPORTER",
    "OTHER",
    "PHONE",
    "STAFF",
    "as_superuser",
    "client_texts",
    "pending_review",
    "staff_sets",
]


def can_send(to: str, *, kind: str, automation: str | None = None,
             include_unknown: bool = False, now=None, fallback_zone: str = ZONE):
    """Decide one text to `to` as the outbox would, without queueing it (tests only)."""
    from store.consent.changes import get_state
    from store.messaging.sending import check_kind, decide
    from store.phones import try_parse_phone

    check_kind(kind, automation)
    e164 = try_parse_phone(to, region="US")
    return decide(get_state(e164) if e164 else None, kind=kind, automation=automation,
                  include_unknown=include_unknown, now=now, fallback_zone=fallback_zone)


def as_superuser(sql: str, params=()) -> None:
    """Run `sql` with the append-only trigger lifted, as someone holding the database's
    owner rights could."""
    if is_postgres():
        db.execute_sql("ALTER TABLE consent_event DISABLE TRIGGER consent_event_append_only")
        db.execute_sql(sql, params)
        db.execute_sql("ALTER TABLE consent_event ENABLE TRIGGER consent_event_append_only")
    else:
        for op in ("update", "delete"):
            db.execute_sql(f"DROP TRIGGER consent_event_no_{op}")
        db.execute_sql(sql, params)
        for op in ("update", "delete"):
            db.execute_sql(f"CREATE TRIGGER consent_event_no_{op} BEFORE {op.upper()} ON "
                           "consent_event BEGIN SELECT RAISE(ABORT, 'append-only'); END")
