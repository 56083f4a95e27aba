"""A lease per worker loop, so one process delivers at a time and a dead one's lease ends."""

from peewee import CharField, DateTimeField, Model


def up(migrator, db):
    class WorkerLease(Model):
        name = CharField(max_length=40, unique=True)
        holder = CharField(max_length=80)
        expires_at = DateTimeField()

        class Meta:
            database = db
            table_name = "worker_lease"

    db.create_tables([WorkerLease])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("worker_lease"))
