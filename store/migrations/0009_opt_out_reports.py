"""Opt-out reports and rate alerts (SPEC section 11).

The indexes the reports read (store/messaging/reports.py): texts sent since a moment, a
campaign's sent texts newest first, a campaign's opt-outs. A rate alert has no phone, and
carries its figures and the key that makes it once (a unique column, so that several web
and worker processes noticing the same rate insert one alert between them).
"""

from peewee import CharField, JSONField


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("outbound_message", ("sent_at",), False),
        migrator.add_index("outbound_message", ("campaign_id", "sent_at"), False),
        migrator.add_index("consent_event", ("cause_campaign_id",), False),
        migrator.drop_not_null("alert", "phone_id"),
        migrator.add_column("alert", "once_key", CharField(max_length=80, null=True,
                                                           unique=True)),
        migrator.add_column("alert", "figures", JSONField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("alert", "figures"),
        migrator.drop_column("alert", "once_key"),
        migrator.add_not_null("alert", "phone_id"),
        migrator.drop_index("consent_event", "consent_event_cause_campaign_id"),
        migrator.drop_index("outbound_message", "outbound_message_campaign_id_sent_at"),
        migrator.drop_index("outbound_message", "outbound_message_sent_at"),
    )
