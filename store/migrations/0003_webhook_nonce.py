"""Remember the signatures of accepted webhooks, so a replayed one is refused."""

import datetime

from peewee import CharField, DateTimeField, Model


def up(migrator, db):
    class WebhookNonce(Model):
        nonce = CharField(max_length=120, unique=True)
        seen_at = DateTimeField(default=datetime.datetime.utcnow, index=True)

        class Meta:
            database = db
            table_name = "webhook_nonce"

    db.create_tables([WebhookNonce])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("webhook_nonce"))
