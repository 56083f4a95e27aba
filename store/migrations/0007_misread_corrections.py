"""Misread corrections (SPEC rule 11): an event may name the opt-out event it corrects."""

from peewee import BigAutoField, ForeignKeyField, Model


def up(migrator, db):
    class ConsentEvent(Model):
        id = BigAutoField()

        class Meta:
            database = db
            table_name = "consent_event"

    migrator.migrate(migrator.add_column("consent_event", "corrects_id", ForeignKeyField(
        ConsentEvent, null=True, on_delete="RESTRICT", field=ConsentEvent.id)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("consent_event", "corrects_id"))
