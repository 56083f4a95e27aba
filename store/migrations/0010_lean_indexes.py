"""Indexes a bulk write does not pay for twice (issue 11).

A campaign's 100,000 messages went into twelve indexes each, an import's events into
seven. Three kinds were dropped or narrowed, and no lookup lost its index:

- a foreign key's own index where a composite index starts with the same column (the
  composite serves every lookup, and the cascade of a deleted phone, on both databases);
- client.crm_id's: a CRM id is only ever looked up on one phone, which (phone_id,
  name_key) finds; and client.name_key's: a name is looked up by a part of it
  (LIKE '%…%', records/clients.py find_phones), which no B-tree index serves;
- indexes of a column that almost every row leaves empty when it is written (a text's
  sent_at until it is sent, its Vonage id, an event's cause or correction) now hold only
  the rows where it is set: every query that reads them names a value of that column.

Names are the ones 0001–0009 gave, the same on SQLite and PostgreSQL. Like every
migration it runs in one transaction: on PostgreSQL the dropped indexes' tables stay locked
until the narrowed ones are built (they hold only the rows where the column is set), so
webhooks wait meanwhile (README, "Deploy to Heroku").
"""

from peewee import SQL

# (table, index, column): a composite index starting with the same column serves its lookups
# (or, for crm_id and name_key, no query can use it)
DROPPED = (
    ("client", "client_phone_id", "phone_id"),                # (phone_id, name_key)
    ("automation_switch", "automationswitch_phone_id", "phone_id"),  # (phone_id, automation)
    ("consent_event", "consentevent_phone_id", "phone_id"),   # (phone_id, id)
    ("outbound_message", "outboundmessage_phone_id", "phone_id"),  # (phone_id, kind, created_at)
    ("outbound_message", "outboundmessage_campaign_id", "campaign_id"),  # (campaign_id, id)
    ("review", "review_phone_id", "phone_id"),                # (phone_id, status)
    ("client", "client_crm_id", "crm_id"),
    ("client", "client_name_key", "name_key"),
)
# (table, old index, new index, columns, the column that must be set)
NARROWED = (
    *(("consent_event", f"consent_event_{c}", f"consent_event_{c}_when_set", (c,), c)
      for c in ("cause_message_id", "cause_campaign_id")),
    ("consent_event", "consent_event_corrects_id", "consent_event_corrects_when_set",
     ("corrects_id",), "corrects_id"),
    ("outbound_message", "outboundmessage_vonage_message_id",
     "outbound_message_vonage_message_id_when_set", ("vonage_message_id",), "vonage_message_id"),
    ("outbound_message", "outbound_message_sent_at", "outbound_message_sent_at_when_set",
     ("sent_at",), "sent_at"),
    *((("outbound_message", f"outbound_message_{c}_sent_at",
        f"outbound_message_{c.removesuffix('_id')}_sent_at_when_set", (c, "sent_at"), "sent_at"))
      for c in ("campaign_id", "automation", "to")),
)


def up(migrator, db):
    migrator.migrate(
        *(migrator.drop_index(table, name) for table, name, _ in DROPPED),
        *(migrator.drop_index(table, old) for table, old, *_ in NARROWED),
        *(migrator.add_index(table, columns, False, name=new,
                             where=SQL(f'"{when}" IS NOT NULL'))
          for table, _, new, columns, when in NARROWED),
    )


def down(migrator, db):
    migrator.migrate(
        *(migrator.drop_index(table, new) for table, _, new, *_ in NARROWED),
        *(migrator.add_index(table, columns, False, name=old)
          for table, old, _, columns, _ in NARROWED),
        *(migrator.add_index(table, (column,), False, name=name)
          for table, name, column in DROPPED),
    )
