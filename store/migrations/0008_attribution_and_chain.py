"""An opt-out's likely cause, and the chain of evidence (SPEC section 11 and rule 12).

Adds the cause columns and the two hashes to consent events, the indexes the opt-out
reports read, and chains the events already stored, in id order. The append-only trigger
is lifted for that one backfill (the only time the history is ever written twice) and
restored in the same migration.
"""

from peewee import BigIntegerField, CharField

from store.consent.chain import GENESIS, chained_rows, link

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER consent_event_no_{op} BEFORE {op.upper()} ON consent_event "
    "BEGIN SELECT RAISE(ABORT, 'consent_event is append-only'); END"
    for op in ("update", "delete")
]


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("consent_event", "cause_message_id",
                            BigIntegerField(null=True, index=True)),
        migrator.add_column("consent_event", "cause_kind", CharField(max_length=24, null=True)),
        migrator.add_column("consent_event", "cause_campaign_id", BigIntegerField(null=True)),
        migrator.add_column("consent_event", "cause_automation",
                            CharField(max_length=40, null=True)),
        migrator.add_column("consent_event", "prev_hash", CharField(max_length=64, null=True)),
        migrator.add_column("consent_event", "hash", CharField(max_length=64, null=True)),
        migrator.add_index("consent_event", ("occurred_at",), False),
        migrator.add_index("outbound_message", ("automation", "sent_at"), False),
        migrator.add_index("outbound_message", ("to", "sent_at"), False),
    )
    _chain_existing_events(db)


def _chain_existing_events(db) -> None:
    sqlite = db.__class__.__name__.startswith("Sqlite")
    with db.atomic():
        if sqlite:
            for op in ("update", "delete"):
                db.execute_sql(f"DROP TRIGGER IF EXISTS consent_event_no_{op}")
        else:
            db.execute_sql("ALTER TABLE consent_event DISABLE TRIGGER consent_event_append_only")
        previous, batch = GENESIS, []
        for event_id, _prev, _hash, *values in chained_rows():
            current = link(previous, values)
            batch.append((previous, current, event_id))
            previous = current
            if len(batch) >= 5_000:
                _write(db, batch)
                batch = []
        _write(db, batch)
        if sqlite:
            for statement in SQLITE_TRIGGERS:
                db.execute_sql(statement)
        else:
            db.execute_sql("ALTER TABLE consent_event ENABLE TRIGGER consent_event_append_only")


def _write(db, batch) -> None:
    if batch:
        param = db.param
        db.cursor().executemany(
            f'UPDATE "consent_event" SET "prev_hash" = {param}, "hash" = {param} '
            f'WHERE "id" = {param}', batch)


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("outbound_message", "outbound_message_to_sent_at"),
        migrator.drop_index("outbound_message", "outbound_message_automation_sent_at"),
        migrator.drop_index("consent_event", "consent_event_occurred_at"),
        *(migrator.drop_column("consent_event", c) for c in (
            "hash", "prev_hash", "cause_automation", "cause_campaign_id", "cause_kind",
            "cause_message_id")),
    )
