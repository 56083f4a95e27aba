"""Let a sender's concat-ref be reused: parts group until assembled, then point at the text."""

from peewee import CharField, ForeignKeyField, Model


def up(migrator, db):
    class InboundMessage(Model):
        class Meta:
            database = db
            table_name = "inbound_message"

    migrator.migrate(
        migrator.drop_index("inbound_part", "inboundpart_from_number_concat_ref_part"),
        migrator.add_index("inbound_part", ("from_number", "concat_ref"), False),
        migrator.add_column("inbound_part", "to_number", CharField(max_length=32, null=True)),
        migrator.add_column("inbound_part", "assembled_into_id", ForeignKeyField(
            InboundMessage, null=True, on_delete="SET NULL", field=InboundMessage.id)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("inbound_part", "assembled_into_id"),
        migrator.drop_column("inbound_part", "to_number"),
        migrator.drop_index("inbound_part", "inbound_part_from_number_concat_ref"),
        migrator.add_index("inbound_part", ("from_number", "concat_ref", "part"), True),
    )
