"""The schema, and nothing else: the rules live in consent.py, sending.py and friends.

Timestamps are naive UTC (store.clock). Enumerated values are plain strings; their
allowed values are listed in store.vocabulary.
"""

from __future__ import annotations

from peewee import (
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    JSONField,
    TextField,
)

from store.clock import utcnow
from store.db import db


class BaseModel(db.Model):
    class Meta:
        legacy_table_names = False


class Phone(BaseModel):
    """A phone number in E.164 and its consent; every client on it shares this consent."""

    e164 = CharField(max_length=16, unique=True)
    overall = CharField(max_length=10, default="unknown")
    overall_source = CharField(max_length=16, default="default")
    overall_changed_at = DateTimeField(null=True)
    carrier_blocked = BooleanField(default=False)
    carrier_blocked_at = DateTimeField(null=True)
    # When we last asked this phone to opt in: a YES within 24 h of it is an opt-in.
    opt_in_requested_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class Client(BaseModel):
    """A CRM record (a person) attached to a phone."""

    phone = ForeignKeyField(Phone, backref="clients", on_delete="CASCADE", index=False)
    name = CharField(max_length=200)
    # casefolded name, for lookups by name; unique per phone so re-imports update, not duplicate
    name_key = CharField(max_length=200)  # searched by a part (LIKE '%…%'): no index serves
    crm_id = CharField(max_length=100, null=True)  # read on one phone only: no index of its own
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("phone", "name_key"), True),)


class AutomationSwitch(BaseModel):
    """One automation switch of one phone; a missing row means `on` by `default`."""

    phone = ForeignKeyField(Phone, backref="switches", on_delete="CASCADE", index=False)
    automation = CharField(max_length=40)
    state = CharField(max_length=3)
    source = CharField(max_length=16)
    changed_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("phone", "automation"), True),)


class ConsentEvent(BaseModel):
    """One change of consent, or one refused attempt. Append-only (database triggers)."""

    id = BigAutoField()
    phone = ForeignKeyField(Phone, backref="events", on_delete="RESTRICT", index=False)
    scope = CharField(max_length=40)  # overall | carrier | an automation name
    old_state = CharField(max_length=16)
    new_state = CharField(max_length=16)
    source = CharField(max_length=16)
    actor = CharField(max_length=120)
    channel = CharField(max_length=10)
    outcome = CharField(max_length=8)  # applied | refused
    reason = CharField(max_length=40, null=True)
    inbound_message_id = CharField(max_length=100, null=True)
    raw_text = TextField(null=True)
    rule = CharField(max_length=60, null=True)
    classifier_version = CharField(max_length=20, null=True)
    note = TextField(null=True)
    # The opt-out event a misread correction undoes (SPEC rule 11), on each of its events.
    corrects = ForeignKeyField("self", null=True, backref="corrections", on_delete="RESTRICT",
                               index=False)
    occurred_at = DateTimeField()  # when it happened (an import's opted_out_at may be older)
    recorded_at = DateTimeField(default=utcnow)
    # An opt-out's likely cause (SPEC section 11): the last text sent to the phone within 7
    # days. Plain columns, no foreign keys: an event is never updated, whatever happens to
    # the message or its campaign later.
    cause_message_id = BigIntegerField(null=True)
    cause_kind = CharField(max_length=24, null=True)
    cause_campaign_id = BigIntegerField(null=True)
    cause_automation = CharField(max_length=40, null=True)
    # The chain of evidence (SPEC rule 12, store/consent/chain.py); null only in a row
    # written by hand, which `smsprefs verify` reports.
    prev_hash = CharField(max_length=64, null=True)
    hash = CharField(max_length=64, null=True)

    class Meta:
        indexes = ((("phone", "id"), False), (("occurred_at",), False))


class InboundMessage(BaseModel):
    """One inbound text, stored once per provider message id before anything acts on it."""

    id = BigAutoField()
    provider_id = CharField(max_length=100, unique=True)
    phone = ForeignKeyField(Phone, backref="inbound", null=True, on_delete="SET NULL")
    from_number = CharField(max_length=32)
    to_number = CharField(max_length=32, null=True)
    text = TextField()
    received_at = DateTimeField(default=utcnow)
    intent = CharField(max_length=10, null=True)
    scope = CharField(max_length=40, null=True)
    rule = CharField(max_length=60, null=True)
    classifier_version = CharField(max_length=20, null=True)
    processed_at = DateTimeField(null=True)


class InboundPart(BaseModel):
    """One part of a concatenated inbound text, kept (as proof) after it is reassembled.

    Carriers reuse a sender's concat-ref, so parts group by (sender, ref, total) among the
    parts not yet assembled; assembled_into links each part to the text it became.
    """

    id = BigAutoField()
    provider_id = CharField(max_length=100, unique=True)
    from_number = CharField(max_length=32)
    to_number = CharField(max_length=32, null=True)
    concat_ref = CharField(max_length=40)
    part = IntegerField()
    total = IntegerField()
    text = TextField()
    received_at = DateTimeField(default=utcnow)
    assembled_into = ForeignKeyField(InboundMessage, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("from_number", "concat_ref"), False),)


class Campaign(BaseModel):
    """A bulk send: who asked for it, whether unknown phones were included, and its counts."""

    name = CharField(max_length=200)
    text = TextField()
    include_unknown = BooleanField(default=False)
    actor = CharField(max_length=120)
    counts = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)


class OutboundMessage(BaseModel):
    """One outbound text, from acceptance to delivery: the outbox the send worker drains."""

    id = BigAutoField()
    phone = ForeignKeyField(Phone, backref="outbound", null=True, on_delete="SET NULL",
                            index=False)
    to = CharField(max_length=40)  # E.164, or the raw input when it was not a valid number
    text = TextField()
    kind = CharField(max_length=24)
    automation = CharField(max_length=40, null=True)
    campaign = ForeignKeyField(Campaign, backref="messages", null=True, on_delete="CASCADE",
                               index=False)
    status = CharField(max_length=12)
    reason = CharField(max_length=40, null=True)
    actor = CharField(max_length=120, null=True)
    send_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(null=True)  # a confirmation not sent by then is dropped
    lease_until = DateTimeField(null=True)  # a worker owns the message until then
    attempts = IntegerField(default=0)
    vonage_message_id = CharField(max_length=100, null=True)
    # The inbound text this message answers: at most one reply per inbound text.
    reply_to = ForeignKeyField(InboundMessage, null=True, unique=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("status", "send_at"), False),
            (("campaign", "id"), False),
            (("phone", "kind", "created_at"), False),
        )


class Review(BaseModel):
    """Something a person must decide: a possible opt-out text, or a carrier block."""

    phone = ForeignKeyField(Phone, backref="reviews", on_delete="CASCADE", index=False)
    kind = CharField(max_length=12)  # text | carrier
    inbound = ForeignKeyField(InboundMessage, null=True, unique=True, on_delete="SET NULL")
    text = TextField(null=True)
    status = CharField(max_length=12, default="pending")  # pending | opted_out | dismissed
    decided_by = CharField(max_length=120, null=True)
    decided_at = DateTimeField(null=True)
    reminded_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("phone", "status"), False),)


class Alert(BaseModel):
    """A Slack post that is due: written with the change it reports, posted by the worker."""

    id = BigAutoField()
    kind = CharField(max_length=16)  # opt_out | opt_in | review | carrier_block | reminder
    # | opt_out_rate (of a campaign or an automation: no phone, its figures, its once_key)
    phone = ForeignKeyField(Phone, backref="alerts", null=True, on_delete="CASCADE")
    event = ForeignKeyField(ConsentEvent, null=True, on_delete="SET NULL")
    review = ForeignKeyField(Review, null=True, on_delete="SET NULL")
    text = TextField(null=True)
    status = CharField(max_length=10, default="pending")  # pending | posted
    attempts = IntegerField(default=0)
    lease_until = DateTimeField(null=True)
    slack_channel = CharField(max_length=40, null=True)
    slack_ts = CharField(max_length=40, null=True)
    created_at = DateTimeField(default=utcnow)
    posted_at = DateTimeField(null=True)
    # What may be told only once, whichever process notices it first (a rate alert's
    # campaign or automation): unique, so a second insert does nothing.
    once_key = CharField(max_length=80, null=True, unique=True)
    figures = JSONField(null=True)  # a rate alert's figures, as they were when it was due

    class Meta:
        indexes = (
            (("kind", "event"), True),
            (("kind", "review"), True),
            (("status", "created_at"), False),
        )


class WebhookNonce(BaseModel):
    """A signed webhook already accepted: the same signature presented again is a replay."""

    nonce = CharField(max_length=120, unique=True)
    seen_at = DateTimeField(default=utcnow, index=True)


class WorkerLease(BaseModel):
    """Which worker process may run a loop (deliveries, alerts) until when; expires by itself."""

    name = CharField(max_length=40, unique=True)
    holder = CharField(max_length=80)
    expires_at = DateTimeField()


def index_when_set(model, *columns: str, name: str) -> None:
    """Index `columns` of `model` only in the rows whose last column is set (a partial index):
    for a column most rows leave empty when written (a text's sent_at, an event's cause), so
    a campaign's or an import's rows go into no such index, while every lookup naming a value
    of it (`=`, `>=`, `IN`, `IS NOT NULL`) still uses it (tests/store/test_indexes.py)."""
    fields = [getattr(model, c) for c in columns]
    model.add_index(model.index(*fields, where=fields[-1].is_null(False), name=name))


# The partial indexes (migration 0010 makes them). A foreign key that leads a composite
# index above has no index of its own (index=False): the composite one serves its lookups.
for _column in ("cause_message_id", "cause_campaign_id", "corrects"):
    index_when_set(ConsentEvent, _column, name=f"consent_event_{_column}_when_set")
index_when_set(OutboundMessage, "vonage_message_id",
               name="outbound_message_vonage_message_id_when_set")
for _columns in ((), ("campaign",), ("automation",), ("to",)):
    index_when_set(OutboundMessage, *_columns, "sent_at",
                   name="_".join(("outbound_message", *_columns, "sent_at_when_set")))


MODELS = [
    Phone, Client, AutomationSwitch, ConsentEvent, InboundMessage, InboundPart, Campaign,
    OutboundMessage, Review, Alert, WebhookNonce, WorkerLease,
]
